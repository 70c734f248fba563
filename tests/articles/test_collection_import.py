"""Collections and categories through ``canopy articles import``'s service: reading them from
a JSON file, validating them, the upsert by id, the link from an article to its collection,
the lists' own output importing back unchanged, and the demo set."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.articles import service
from canopy.errors import ApiError
from canopy.models import Article, CmsCollection, CmsCollectionCategory
from canopy.models.base import utcnow
from tests.articles.collection_helpers import (
    CATEGORIES,
    COLLECTIONS,
    add_batch,
    category,
    collection,
    raw,
    set_times,
)
from tests.articles.helpers import ARTICLES, article, names, utc
from tests.fixtures.builders import Builder


async def _collections(maker: async_sessionmaker[AsyncSession]) -> dict[int, CmsCollection]:
    async with maker() as session:
        return {row.id: row for row in (await session.scalars(select(CmsCollection))).all()}


def _error(work: Any, *args: Any) -> str:
    with pytest.raises(ApiError) as caught:
        work(*args)
    assert caught.value.status == 400
    return caught.value.description


# -- reading -----------------------------------------------------------------------------------


def test_a_json_object_may_carry_categories_and_collections(tmp_path: Path) -> None:
    source = tmp_path / "cms.json"
    source.write_text(
        json.dumps(
            {
                "cms_collection_categories": [category(title="Cat")],
                "cms_collections": [
                    collection(title="Col", cover_url="https://img.example.com/c.jpg")
                ],
            }
        )
    )
    array = tmp_path / "array.json"
    array.write_text(json.dumps([article(name="Only")]))
    (tmp_path / "bad.json").write_text(json.dumps({"cms_collections": {"id": 1}}))

    batch = service.read(source)
    only_articles = service.read(array)

    assert batch.articles == []
    assert [d.label for d in batch.categories] == [f'{source}: category 1 ("Cat")']
    assert [d.label for d in batch.collections] == [f'{source}: collection 1 ("Col")']
    cover = batch.collections[0].data.cover
    assert cover is not None
    assert cover.stored() == {
        "url": "https://img.example.com/c.jpg",
        "large": {"url": "https://img.example.com/c.jpg"},
        "thumb": {"url": "https://img.example.com/c.jpg"},
    }
    assert batch.editorial
    assert not only_articles.editorial
    assert _error(service.read, tmp_path / "bad.json") == (
        f'{tmp_path}/bad.json: "cms_collections" must be an array'
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": None}, "id is missing"),
        ({"id": 0}, "id is invalid: input should be greater than or equal to 1"),
        ({"title": " "}, "title is invalid: must not be blank"),
        ({"theme": "pink"}, "theme is invalid: input should be 'dark' or 'light'"),
        (
            {"status": "online"},
            "status is invalid: input should be 'draft', 'published' or 'archived'",
        ),
        (
            {"language": "xx"},
            "language is invalid: unknown language 'xx' (see /api/v1/external/languages)",
        ),
        (
            {"languages": ["fr", "xx"]},
            "languages is invalid: unknown language 'xx' (see /api/v1/external/languages)",
        ),
        ({"mirrors": {"fr": "a\x00b"}}, "mirrors is invalid: must not contain NUL characters"),
        ({"cover_url": "ftp://x/a.png"}, "cover.url is invalid: must be an http or https URL"),
        (
            {"social_image": {"url": "javascript:alert(1)"}},
            "social_image.url is invalid: must be an http or https URL",
        ),
        (
            {"cms_collection_category_id": 3},
            "cms_collection_category_title is missing (cms_collection_category_id is given)",
        ),
        (
            {"archived_at": "soon"},
            "archived_at is invalid: must be a date (YYYY-MM-DD) or an ISO 8601 timestamp",
        ),
    ],
)
def test_an_invalid_collection_is_named_with_the_reason(
    fields: dict[str, Any], message: str
) -> None:
    invalid = {k: v for k, v in collection(**fields).items() if v is not None}

    description = _error(service.validate_batch, raw(collections=[collection(), invalid]))

    assert description == f"collection 2: {message}"


def test_an_invalid_category_is_named_and_every_problem_counted() -> None:
    batch = raw(
        categories=[category(position="first"), category(id=5), category(id=5)],
        collections=[collection(slug="Not A Slug")],
        articles=[article(language="tlh")],
    )

    assert _error(service.validate_batch, batch) == (
        "category 1: position is invalid: input should be a valid integer, unable to parse "
        "string as an integer (and 3 more problems)"
    )
    assert _error(service.validate_batch, raw(categories=[category(id=5), category(id=5)])) == (
        "category 2: id 5 appears twice (first: category 1)"
    )


# -- importing ---------------------------------------------------------------------------------


async def test_reimport_updates_by_id_and_leaves_equal_items_alone(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    first = [
        collection(id=1, title="One", summary="v1"),
        collection(id=2, title="Two", summary="v1"),
    ]
    created = await add_batch(maker, collections=first, categories=[category(id=1)])
    for item_id in (1, 2):
        await set_times(maker, CmsCollection, item_id, updated_at=utc("2026-01-01T00:00:00"))

    again = await add_batch(
        maker, collections=[{**first[0], "title": "One, renamed", "summary": "v2"}, first[1]]
    )
    rows = await _collections(maker)

    assert created.collections.counts() == {"created": 2, "updated": 0, "unchanged": 0}
    assert created.categories.counts() == {"created": 1, "updated": 0, "unchanged": 0}
    assert again.collections.counts() == {"created": 0, "updated": 1, "unchanged": 1}
    assert [(i["id"], i["slug"], i["result"]) for i in again.collections.items] == [
        (1, "one", "updated"),
        (2, "two", "unchanged"),
    ]
    # A renamed collection keeps its slug and reference.
    assert (rows[1].title, rows[1].slug, rows[1].summary) == ("One, renamed", "one", "v2")
    assert rows[1].reference == created.collections.items[0]["reference"]
    assert rows[1].updated_at > utc("2026-01-01T00:00:00")
    assert rows[2].updated_at == utc("2026-01-01T00:00:00")


async def test_published_at_and_archived_at_are_set_once_and_stay(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    started = utcnow()
    draft = collection(status="draft")
    dated = collection(published_at="2026-02-01T10:00:00Z")
    await add_batch(maker, collections=[draft, dated])
    before = await _collections(maker)

    await add_batch(maker, collections=[{**draft, "status": "published"}, dated])
    published = (await _collections(maker))[draft["id"]].published_at
    await add_batch(maker, collections=[{**draft, "status": "archived"}])
    archived = (await _collections(maker))[draft["id"]]
    await add_batch(maker, collections=[{**draft, "status": "published"}])
    again = (await _collections(maker))[draft["id"]]

    assert before[draft["id"]].published_at is None
    assert before[dated["id"]].published_at == utc("2026-02-01T10:00:00")
    assert published is not None
    assert started <= published <= started + timedelta(minutes=1)
    assert archived.published_at == published
    assert archived.archived_at is not None
    assert (again.status, again.published_at, again.archived_at) == (
        "published",
        published,
        archived.archived_at,
    )


async def test_conflicts_with_other_items_import_nothing(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await add_batch(
        maker, collections=[collection(id=1, title="Existing", slug="taken", reference="e" * 24)]
    )

    for batch, message in (
        (
            {"collections": [collection(title="New"), collection(id=2, slug="taken")]},
            "collection 2: slug 'taken' is taken by collection 1",
        ),
        (
            {"collections": [collection(id=3, reference="e" * 24)]},
            f"collection 1: reference '{'e' * 24}' is taken by collection 1",
        ),
        (
            {"categories": [category()], "articles": [article(name="A"), article(name="A")]},
            "article 2: the same article as article 1",
        ),
    ):
        with pytest.raises(ApiError) as caught:
            await add_batch(maker, **batch)
        assert caught.value.description == message

    assert [row.title for row in (await _collections(maker)).values()] == ["Existing"]
    async with maker() as session:
        assert (await session.scalars(select(CmsCollectionCategory))).all() == []


async def test_the_lists_import_back_as_they_are(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    reader = await build.actor(["cms_collections_r", "cms_collection_categories_r"])
    await add_batch(
        maker,
        categories=[category(id=1, cover_url="https://img.example.com/a.jpg", mirrors={"fr": 2})],
        collections=[
            collection(id=1, cms_collection_category={"id": 1, "title": "Old"}, theme="dark"),
            collection(id=2, social_image_url="https://img.example.com/b.jpg", languages=["fr"]),
        ],
    )

    async def lists() -> dict[str, Any]:
        return {
            "categories": (await client.get(CATEGORIES, headers=reader.headers)).json(),
            "collections": (await client.get(COLLECTIONS, headers=reader.headers)).json(),
        }

    listed = await lists()
    result = await add_batch(
        maker, categories=listed["categories"], collections=listed["collections"]
    )
    relisted = await lists()

    assert result.categories.counts() == {"created": 0, "updated": 0, "unchanged": 1}
    # Collection 1 named its category "Old"; the list shows the category's own title, and
    # imported back that is the title it names: the only change.
    assert [i["result"] for i in result.collections.items] == ["updated", "unchanged"]
    assert relisted["categories"] == listed["categories"]
    assert [item["cms_collection_category"] for item in relisted["collections"]] == [
        {"id": 1, "title": listed["categories"][0]["title"]},
        None,
    ]
    assert relisted["collections"][1] == listed["collections"][1]


async def test_an_article_takes_its_collections_title_and_filters_by_it(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    reader = await build.actor(["cms_articles_r"])
    await add_batch(
        maker,
        collections=[collection(id=59, title="dotGo 2019", status="draft")],
        articles=[
            article(name="Linked", cms_collection={"id": 59, "title": "dotgo (old)"}),
            article(name="Unknown", cms_collection_id=60, cms_collection_title="As named"),
            article(name="None"),
        ],
    )

    every = await client.get(ARTICLES, headers=reader.headers)
    linked = await client.get(ARTICLES, params={"cms_collection_id": "59"}, headers=reader.headers)
    unknown = await client.get(ARTICLES, params={"cms_collection_id": 60}, headers=reader.headers)
    bad = await client.get(ARTICLES, params={"cms_collection_id": "0"}, headers=reader.headers)

    assert [item["cms_collection"] for item in every.json()] == [
        {"id": 59, "title": "dotGo 2019"},
        {"id": 60, "title": "As named"},
        None,
    ]
    assert names(linked) == ["Linked"]
    assert names(unknown) == ["Unknown"]
    assert bad.status_code == 400
    async with maker() as session:
        stored = (await session.scalars(select(Article).order_by(Article.id))).all()
    # Stored as imported; the title is lent at reading time.
    assert [(a.cms_collection_id, a.cms_collection) for a in stored] == [
        (59, {"id": 59, "title": "dotgo (old)"}),
        (60, {"id": 60, "title": "As named"}),
        (None, None),
    ]


async def test_the_demo_answers_non_empty_lists_whose_ids_agree(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    reader = await build.actor(
        ["cms_articles_r", "cms_collections_r", "cms_collection_categories_r"]
    )
    async with maker() as session:
        first = await service.ensure_demo(session)
        second = await service.ensure_demo(session)
        await session.commit()

    articles = (await client.get(ARTICLES, headers=reader.headers)).json()
    collections = (await client.get(COLLECTIONS, headers=reader.headers)).json()
    categories = (await client.get(CATEGORIES, headers=reader.headers)).json()

    assert first is not None
    assert second is None
    assert articles
    assert collections
    assert categories
    by_id = {item["id"]: item for item in collections}
    for item in articles:
        named = item["cms_collection"]
        assert named is not None
        assert by_id[named["id"]]["title"] == named["title"]
        assert by_id[named["id"]]["language"] == item["language"]
    category_ids = {item["id"] for item in categories}
    for item in collections:
        assert item["cms_collection_category"]["id"] in category_ids
    listed = {c["id"] for item in categories for c in item["cms_collections"]}
    assert listed == set(by_id)


async def test_the_demo_adds_collections_to_an_installation_that_has_only_articles(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        session.add(
            Article(reference="x" * 24, name="Mine", slug="mine", content="c", language="en")
        )
        await session.flush()
        result = await service.ensure_demo(session)
        await session.commit()

    assert result is not None
    assert result.articles.counts()["created"] == 0
    assert result.collections.counts()["created"] > 0
    assert result.categories.counts()["created"] > 0
    assert len(await _collections(maker)) == result.collections.created
    async with maker() as session:
        assert [a.name for a in (await session.scalars(select(Article))).all()] == ["Mine"]
