"""``GET /cms/articles/all`` (§8.1, §15.10): the shape, published articles only, first
published first, paging and HEAD, and the ``cms_articles_r`` scope."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.helpers import assert_error, paging
from tests.articles.helpers import ARTICLES, add, article, names, set_times, utc
from tests.fixtures.builders import Actor, Builder

CONTENT = (
    "## Hello\n\nSome **bold** text and [a link](https://example.com).\n\n"
    '<script>alert(1)</script>\n\n<p onclick="x()">Hi</p>\n'
)


async def test_each_article_has_exactly_the_contract_fields(
    client: httpx.AsyncClient, reader: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    full, bare = await add(
        maker,
        {
            "reference": "f38a747739a4d8241bc2cb82",
            "name": "Full",
            "slug": "full-article",
            "summary": "All the fields.",
            "content": CONTENT,
            "language": "fr",
            "status": "published",
            "published_at": "2026-01-12T09:30:00+01:00",
            "cms_collection": {"id": 59, "title": "dotGo 2019"},
            "image": {
                "url": "https://img.example.com/a.jpg",
                "large": {"url": "https://img.example.com/large_a.jpg"},
                "thumb": {"url": "https://img.example.com/thumb_a.jpg"},
            },
        },
        {"name": "Bare", "content": "Plain.", "language": "en", "status": "published"},
    )
    for reference in (full, bare):
        await set_times(
            maker,
            reference,
            created_at=utc("2026-01-10T08:00:00.123"),
            updated_at=utc("2026-07-01T12:00:00.456"),
        )
    await set_times(maker, bare, published_at=utc("2026-02-01T00:00:00"))

    response = await client.get(ARTICLES, headers=reader.headers)

    assert response.status_code == 200, response.text
    first, second = response.json()
    assert list(first) == [
        "id",
        "reference",
        "name",
        "slug",
        "summary",
        "content",
        "content_html",
        "language",
        "status",
        "cms_collection",
        "image",
        "created_at",
        "updated_at",
        "published_at",
    ]
    assert isinstance(first["id"], int)
    assert first == {
        "id": first["id"],
        "reference": "f38a747739a4d8241bc2cb82",
        "name": "Full",
        "slug": "full-article",
        "summary": "All the fields.",
        "content": CONTENT,
        "content_html": (
            "<h2>Hello</h2>\n<p>Some <strong>bold</strong> text and "
            '<a href="https://example.com" rel="noopener noreferrer nofollow">a link</a>.</p>'
            "\n\n<p>Hi</p>\n"
        ),
        "language": "fr",
        "status": "published",
        "cms_collection": {"id": 59, "title": "dotGo 2019"},
        "image": {
            "url": "https://img.example.com/a.jpg",
            "large": {"url": "https://img.example.com/large_a.jpg"},
            "thumb": {"url": "https://img.example.com/thumb_a.jpg"},
        },
        "created_at": "2026-01-10T09:00:00.123+01:00",
        "updated_at": "2026-07-01T14:00:00.456+02:00",
        "published_at": "2026-01-12T09:30:00.000+01:00",
    }
    assert second == {
        "id": second["id"],
        "reference": second["reference"],
        "name": "Bare",
        "slug": "bare",
        "summary": None,
        "content": "Plain.",
        "content_html": "<p>Plain.</p>\n",
        "language": "en",
        "status": "published",
        "cms_collection": None,
        "image": None,
        "created_at": "2026-01-10T09:00:00.123+01:00",
        "updated_at": "2026-07-01T14:00:00.456+02:00",
        "published_at": "2026-02-01T01:00:00.000+01:00",
    }
    assert len(second["reference"]) == 24
    int(second["reference"], 16)


async def test_only_published_articles_first_published_first(
    client: httpx.AsyncClient, reader: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    late, _, early, _, tie = await add(
        maker,
        article(name="Late"),
        article(name="Draft", status="draft"),
        article(name="Early"),
        article(name="Archived", status="archived", published_at="2020-01-01"),
        article(name="Tie"),
    )
    await set_times(maker, late, published_at=utc("2026-05-01T10:00:00"))
    await set_times(maker, early, published_at=utc("2026-01-01T10:00:00"))
    await set_times(maker, tie, published_at=utc("2026-05-01T10:00:00"))

    response = await client.get(ARTICLES, headers=reader.headers)

    assert names(response) == ["Early", "Late", "Tie"]  # a tie goes by id
    assert response.headers["x-total"] == "3"
    assert {item["status"] for item in response.json()} == {"published"}


async def test_pages_and_head_carry_the_same_headers(
    client: httpx.AsyncClient, reader: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    references = await add(maker, *(article(name=f"N{n}") for n in range(5)))
    for n, reference in enumerate(references):
        await set_times(maker, reference, published_at=utc(f"2026-01-0{n + 1}T12:00:00"))

    params = {"per_page": "2", "page": "2"}
    response = await client.get(ARTICLES, params=params, headers=reader.headers)
    head = await client.head(ARTICLES, params=params, headers=reader.headers)
    past = await client.get(ARTICLES, params={"page": "9"}, headers=reader.headers)

    assert names(response) == ["N2", "N3"]
    assert paging(response) == {
        "x-total": "5",
        "x-total-pages": "3",
        "x-per-page": "2",
        "x-page": "2",
        "x-offset": "2",
        "x-next-page": "3",
        "x-prev-page": "1",
    }
    assert 'rel="next"' in response.headers["link"]
    assert head.status_code == 200
    assert head.content == b""
    assert paging(head) == paging(response)
    assert head.headers["content-length"] == response.headers["content-length"]
    assert past.json() == []
    assert past.headers["x-total"] == "5"


async def test_needs_a_token_then_the_cms_articles_r_scope(
    client: httpx.AsyncClient, reader: Actor, build: Builder
) -> None:
    other = await build.actor(["jobs_r", "su_jobs_r", "cms_collections_r"])

    missing = await client.get(ARTICLES, params={"language": "xx"})
    bad = await client.get(ARTICLES, headers={"Authorization": "Bearer nope"})
    wrong = await client.get(ARTICLES, params={"language": "xx"}, headers=other.headers)
    head = await client.head(ARTICLES, headers=other.headers)
    right = await client.get(ARTICLES, headers=reader.headers)
    by_query = await client.get(ARTICLES, params={"access_token": reader.token})

    # Authentication, then the scope, then the parameters (§15.1).
    assert_error(missing, 401, "unauthorized", "The access token is missing")
    assert_error(bad, 401, "unauthorized", "The access token is invalid")
    assert_error(wrong, 403, "invalid_scope", "This endpoint requires the cms_articles_r scope")
    assert head.status_code == 403
    assert right.status_code == 200
    assert right.json() == []
    assert by_query.status_code == 200
