"""``GET /cms/collections`` and ``GET /cms/collection/categories`` (§8.2, §12 rows 37-38): the
documented shapes, published items only, first published first, paging and HEAD, the
filters, and each endpoint's own partnership scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import CmsCollection, CmsCollectionCategory
from tests.api.helpers import assert_error, paging
from tests.articles.collection_helpers import (
    CATEGORIES,
    COLLECTIONS,
    add_batch,
    category,
    collection,
    set_times,
    titles,
)
from tests.articles.helpers import utc
from tests.fixtures.assertions import assert_invalid
from tests.fixtures.builders import Actor, Builder

COVER = {
    "url": "https://img.example.com/cover.jpg",
    "large": {"url": "https://img.example.com/large_cover.jpg"},
    "thumb": {"url": "https://img.example.com/thumb_cover.jpg"},
}
SOCIAL = {
    "url": "https://img.example.com/social.jpg",
    "large": {"url": "https://img.example.com/social.jpg"},
    "thumb": {"url": "https://img.example.com/social.jpg"},
}


@pytest.fixture
async def collections_reader(build: Builder) -> Actor:
    return await build.actor(["cms_collections_r"])


@pytest.fixture
async def categories_reader(build: Builder) -> Actor:
    return await build.actor(["cms_collection_categories_r"])


async def test_each_collection_has_exactly_the_documented_fields(
    client: httpx.AsyncClient,
    collections_reader: Actor,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await add_batch(
        maker,
        categories=[{"id": 7, "title": "Events", "language": "en", "status": "draft"}],
        collections=[
            {
                "id": 59,
                "title": "dotGo 2019",
                "slug": "dotgo-2019",
                "reference": "5d5a9a8c2a0b0c0d0e0f1a2b",
                "summary": "The talks.",
                "description": "Every talk of dotGo 2019.",
                "cover": COVER,
                "seo_title": "dotGo 2019 talks",
                "seo_description": "All the talks.",
                "social_title": "dotGo",
                "social_description": "The talks, shared.",
                "social_image_url": "https://img.example.com/social.jpg",
                "status": "published",
                "theme": "dark",
                "language": "fr",
                "internal_name": "FR - dotGo",
                "languages": ["fr", "en"],
                "mirrors": {"en": 60},
                # The category's current title wins over the one the collection names.
                "cms_collection_category": {"id": 7, "title": "Old title"},
                "published_at": "2019-08-19T15:58:58.587+02:00",
            },
            {"id": 60, "title": "Bare", "language": "en", "status": "published"},
        ],
    )
    for item_id in (59, 60):
        await set_times(
            maker,
            CmsCollection,
            item_id,
            created_at=utc("2026-01-10T08:00:00.123"),
            updated_at=utc("2026-07-01T12:00:00.456"),
        )
    await set_times(maker, CmsCollection, 60, published_at=utc("2026-02-01T00:00:00"))

    response = await client.get(COLLECTIONS, headers=collections_reader.headers)

    assert response.status_code == 200, response.text
    full, bare = response.json()
    assert list(full) == [
        "id",
        "cms_collection_category",
        "title",
        "slug",
        "summary",
        "description",
        "cover",
        "seo_title",
        "seo_description",
        "social_title",
        "social_description",
        "social_image",
        "status",
        "theme",
        "reference",
        "language",
        "internal_name",
        "languages",
        "mirrors",
        "created_at",
        "updated_at",
        "published_at",
        "archived_at",
    ]
    assert full == {
        "id": 59,
        "cms_collection_category": {"id": 7, "title": "Events"},
        "title": "dotGo 2019",
        "slug": "dotgo-2019",
        "summary": "The talks.",
        "description": "Every talk of dotGo 2019.",
        "cover": COVER,
        "seo_title": "dotGo 2019 talks",
        "seo_description": "All the talks.",
        "social_title": "dotGo",
        "social_description": "The talks, shared.",
        "social_image": SOCIAL,
        "status": "published",
        "theme": "dark",
        "reference": "5d5a9a8c2a0b0c0d0e0f1a2b",
        "language": "fr",
        "internal_name": "FR - dotGo",
        "languages": ["fr", "en"],
        "mirrors": {"en": 60},
        "created_at": "2026-01-10T09:00:00.123+01:00",
        "updated_at": "2026-07-01T14:00:00.456+02:00",
        "published_at": "2019-08-19T15:58:58.587+02:00",
        "archived_at": None,
    }
    assert bare == {
        "id": 60,
        "cms_collection_category": None,
        "title": "Bare",
        "slug": "bare",
        "summary": None,
        "description": None,
        "cover": None,
        "seo_title": None,
        "seo_description": None,
        "social_title": None,
        "social_description": None,
        "social_image": None,
        "status": "published",
        "theme": "light",
        "reference": bare["reference"],
        "language": "en",
        "internal_name": None,
        "languages": [],
        "mirrors": {},
        "created_at": "2026-01-10T09:00:00.123+01:00",
        "updated_at": "2026-07-01T14:00:00.456+02:00",
        "published_at": "2026-02-01T01:00:00.000+01:00",
        "archived_at": None,
    }
    assert len(bare["reference"]) == 24
    assert bare["reference"] == bare["reference"].lower()
    int(bare["reference"], 16)


async def test_a_collection_naming_a_missing_category_shows_it_as_imported(
    client: httpx.AsyncClient,
    collections_reader: Actor,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await add_batch(
        maker,
        collections=[
            collection(
                title="Orphan", cms_collection_category_id=99, cms_collection_category_title="Gone"
            )
        ],
    )

    response = await client.get(COLLECTIONS, headers=collections_reader.headers)

    assert titles(response) == ["Orphan"]
    assert response.json()[0]["cms_collection_category"] == {"id": 99, "title": "Gone"}


async def test_each_category_has_exactly_the_documented_fields_and_its_published_collections(
    client: httpx.AsyncClient,
    categories_reader: Actor,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await add_batch(
        maker,
        categories=[
            {
                "id": 3,
                "title": "Tech events",
                "slug": "tech-events",
                "reference": "5d5a9a8c2a0b0c0d0e0f1a2c",
                "menu_title": "Events",
                "description": "Conferences we attended.",
                "seo_title": "Tech events",
                "seo_description": "Conferences.",
                "social_title": "Events",
                "social_description": "Conferences, shared.",
                "social_image": SOCIAL,
                "status": "published",
                "cover": COVER,
                "position": 2,
                "language": "en",
                "internal_name": "EN - Events",
                "languages": ["en"],
                "mirrors": {"fr": 4},
                "published_at": "2026-01-12T09:30:00+01:00",
            },
            {"id": 4, "title": "Empty", "language": "fr", "status": "published"},
        ],
        collections=[
            collection(id=10, title="Later", cms_collection_category={"id": 3, "title": "x"}),
            collection(
                id=11,
                title="Hidden",
                status="draft",
                cms_collection_category_id=3,
                cms_collection_category_title="x",
            ),
            collection(id=12, title="Sooner", cms_collection_category={"id": 3, "title": "x"}),
            collection(id=13, title="Elsewhere"),
        ],
    )
    await set_times(maker, CmsCollection, 10, published_at=utc("2026-05-01T00:00:00"))
    await set_times(maker, CmsCollection, 12, published_at=utc("2026-04-01T00:00:00"))
    for item_id in (3, 4):
        await set_times(
            maker,
            CmsCollectionCategory,
            item_id,
            created_at=utc("2026-01-10T08:00:00.123"),
            updated_at=utc("2026-07-01T12:00:00.456"),
        )
    await set_times(maker, CmsCollectionCategory, 4, published_at=utc("2026-02-01T00:00:00"))

    response = await client.get(CATEGORIES, headers=categories_reader.headers)

    assert response.status_code == 200, response.text
    full, empty = response.json()
    assert list(full) == [
        "id",
        "title",
        "slug",
        "menu_title",
        "description",
        "seo_title",
        "seo_description",
        "social_title",
        "social_description",
        "social_image",
        "status",
        "cover",
        "position",
        "reference",
        "language",
        "internal_name",
        "languages",
        "mirrors",
        "cms_collections",
        "created_at",
        "updated_at",
        "published_at",
        "archived_at",
    ]
    assert full == {
        "id": 3,
        "title": "Tech events",
        "slug": "tech-events",
        "menu_title": "Events",
        "description": "Conferences we attended.",
        "seo_title": "Tech events",
        "seo_description": "Conferences.",
        "social_title": "Events",
        "social_description": "Conferences, shared.",
        "social_image": SOCIAL,
        "status": "published",
        "cover": COVER,
        "position": 2,
        "reference": "5d5a9a8c2a0b0c0d0e0f1a2c",
        "language": "en",
        "internal_name": "EN - Events",
        "languages": ["en"],
        "mirrors": {"fr": 4},
        # Published ones only, first published first.
        "cms_collections": [{"id": 12, "title": "Sooner"}, {"id": 10, "title": "Later"}],
        "created_at": "2026-01-10T09:00:00.123+01:00",
        "updated_at": "2026-07-01T14:00:00.456+02:00",
        "published_at": "2026-01-12T09:30:00.000+01:00",
        "archived_at": None,
    }
    assert empty == {
        "id": 4,
        "title": "Empty",
        "slug": "empty",
        "menu_title": None,
        "description": None,
        "seo_title": None,
        "seo_description": None,
        "social_title": None,
        "social_description": None,
        "social_image": None,
        "status": "published",
        "cover": None,
        "position": 0,
        "reference": empty["reference"],
        "language": "fr",
        "internal_name": None,
        "languages": [],
        "mirrors": {},
        "cms_collections": [],
        "created_at": "2026-01-10T09:00:00.123+01:00",
        "updated_at": "2026-07-01T14:00:00.456+02:00",
        "published_at": "2026-02-01T01:00:00.000+01:00",
        "archived_at": None,
    }
    assert len(empty["reference"]) == 24


async def test_only_published_items_first_published_first(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    reader = await build.actor(["cms_collections_r", "cms_collection_categories_r"])
    states = [
        ("Late", "published"),
        ("Draft", "draft"),
        ("Early", "published"),
        ("Archived", "archived"),
        ("Tie", "published"),
    ]
    result = await add_batch(
        maker,
        categories=[category(title=title, status=status) for title, status in states],
        collections=[collection(title=title, status=status) for title, status in states],
    )
    for model, items in (
        (CmsCollectionCategory, result.categories.items),
        (CmsCollection, result.collections.items),
    ):
        late, _, early, _, tie = (item["id"] for item in items)
        await set_times(maker, model, late, published_at=utc("2026-05-01T10:00:00"))
        await set_times(maker, model, early, published_at=utc("2026-01-01T10:00:00"))
        await set_times(maker, model, tie, published_at=utc("2026-05-01T10:00:00"))

    for path in (COLLECTIONS, CATEGORIES):
        response = await client.get(path, headers=reader.headers)

        assert titles(response) == ["Early", "Late", "Tie"], path  # a tie goes by id
        assert response.headers["x-total"] == "3"
        assert {item["status"] for item in response.json()} == {"published"}


async def test_an_archived_item_gets_its_archived_at_and_leaves_the_lists(
    client: httpx.AsyncClient, collections_reader: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    first = collection(title="Gone soon")
    await add_batch(maker, collections=[first])
    listed = await client.get(COLLECTIONS, headers=collections_reader.headers)

    await add_batch(maker, collections=[{**first, "status": "archived"}])
    after = await client.get(COLLECTIONS, headers=collections_reader.headers)

    assert titles(listed) == ["Gone soon"]
    assert listed.json()[0]["archived_at"] is None
    assert titles(after) == []


@pytest.mark.parametrize("path", [COLLECTIONS, CATEGORIES])
async def test_pages_and_head_carry_the_same_headers(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession], path: str
) -> None:
    reader = await build.actor(["cms_collections_r", "cms_collection_categories_r"])
    model: type[CmsCollection] | type[CmsCollectionCategory]
    if path == CATEGORIES:
        items = [category(title=f"N{n}") for n in range(5)]
        await add_batch(maker, categories=items)
        model = CmsCollectionCategory
    else:
        items = [collection(title=f"N{n}") for n in range(5)]
        await add_batch(maker, collections=items)
        model = CmsCollection
    for n, item in enumerate(items):
        await set_times(maker, model, item["id"], published_at=utc(f"2026-01-0{n + 1}T12:00:00"))

    params = {"per_page": "2", "page": "2"}
    response = await client.get(path, params=params, headers=reader.headers)
    head = await client.head(path, params=params, headers=reader.headers)
    past = await client.get(path, params={"page": "9"}, headers=reader.headers)

    assert titles(response) == ["N2", "N3"]
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


@pytest.mark.parametrize(
    ("path", "scope"),
    [(COLLECTIONS, "cms_collections_r"), (CATEGORIES, "cms_collection_categories_r")],
)
async def test_needs_a_token_then_its_own_scope(
    client: httpx.AsyncClient, build: Builder, path: str, scope: str
) -> None:
    reader = await build.actor([scope])
    others = sorted(
        {"cms_articles_r", "cms_collections_r", "cms_collection_categories_r"} - {scope}
    )
    other = await build.actor(["jobs_r", "su_jobs_r", *others])

    missing = await client.get(path, params={"language": "xx"})
    bad = await client.get(path, headers={"Authorization": "Bearer nope"})
    wrong = await client.get(path, params={"language": "xx"}, headers=other.headers)
    head = await client.head(path, headers=other.headers)
    right = await client.get(path, headers=reader.headers)
    by_query = await client.get(path, params={"access_token": reader.token})

    # Authentication, then the scope, then the parameters (§15.1).
    assert_error(missing, 401, "unauthorized", "The access token is missing")
    assert_error(bad, 401, "unauthorized", "The access token is invalid")
    assert_error(wrong, 403, "invalid_scope", f"This endpoint requires the {scope} scope")
    assert head.status_code == 403
    assert right.status_code == 200
    assert right.json() == []
    assert by_query.status_code == 200


# -- filters -------------------------------------------------------------------------------------


@pytest.fixture
async def dated(maker: async_sessionmaker[AsyncSession]) -> None:
    """Collections and categories A (en), B (fr), C (en), published in that order, either
    side of Paris midnight, and a French draft; collections A and C in category 500."""
    kinds: list[tuple[type[Any], Callable[..., dict[str, Any]], dict[str, Any]]] = [
        (CmsCollectionCategory, category, {}),
        (CmsCollection, collection, {"cms_collection_category": {"id": 500, "title": "Cat"}}),
    ]
    for model, make, in_category in kinds:
        items = [
            make(title="A", language="en", **in_category),
            make(title="B", language="fr"),
            make(title="C", language="en", **in_category),
            make(title="Draft", language="fr", status="draft", **in_category),
        ]
        if model is CmsCollection:
            await add_batch(maker, collections=items)
        else:
            await add_batch(maker, categories=items)
        a, b, c = (item["id"] for item in items[:3])
        await set_times(
            maker,
            model,
            a,
            published_at=utc("2026-03-09T22:30:00"),  # 23:30 in Paris, 9 March
            updated_at=utc("2026-06-30T21:30:00"),  # 23:30 in Paris, 30 June
        )
        await set_times(
            maker,
            model,
            b,
            published_at=utc("2026-03-09T23:30:00"),  # 00:30 in Paris, 10 March
            updated_at=utc("2026-06-30T23:30:00"),  # 01:30 in Paris, 1 July
        )
        await set_times(
            maker,
            model,
            c,
            published_at=utc("2026-03-10T12:00:00"),
            updated_at=utc("2026-07-01T00:30:00"),  # 02:30 in Paris, 1 July
        )


CASES: list[tuple[dict[str, str], list[str]]] = [
    ({}, ["A", "B", "C"]),
    ({"language": "en"}, ["A", "C"]),
    ({"language": "fr"}, ["B"]),  # not the French draft
    ({"language": "de"}, []),
    ({"published_after": "2026-03-10"}, ["B", "C"]),
    ({"published_after": "2026-03-10T00:00:00Z"}, ["C"]),
    ({"updated_after": "2026-07-01"}, ["B", "C"]),
    ({"updated_after": "2026-07-01T01:00:00+01:00"}, ["C"]),
    ({"language": "en", "updated_after": "2026-07-01"}, ["C"]),
]


@pytest.mark.usefixtures("dated")
@pytest.mark.parametrize("path", [COLLECTIONS, CATEGORIES])
async def test_each_filter_selects_the_matching_items_and_head_counts_them(
    client: httpx.AsyncClient, build: Builder, path: str
) -> None:
    reader = await build.actor(["cms_collections_r", "cms_collection_categories_r"])
    for params, expected in CASES:
        response = await client.get(path, params=params, headers=reader.headers)
        head = await client.head(path, params=params, headers=reader.headers)

        assert titles(response) == expected, params
        assert response.headers["x-total"] == str(len(expected)), params
        assert head.headers["x-total"] == str(len(expected)), params


@pytest.mark.usefixtures("dated")
async def test_collections_filter_by_category(
    client: httpx.AsyncClient, collections_reader: Actor
) -> None:
    h = collections_reader.headers
    inside = await client.get(COLLECTIONS, params={"cms_collection_category_id": "500"}, headers=h)
    none = await client.get(COLLECTIONS, params={"cms_collection_category_id": "501"}, headers=h)
    bad = await client.get(COLLECTIONS, params={"cms_collection_category_id": "x"}, headers=h)

    assert titles(inside) == ["A", "C"]
    assert titles(none) == []
    assert_invalid(bad, "cms_collection_category_id")


@pytest.mark.parametrize("path", [COLLECTIONS, CATEGORIES])
async def test_bad_filters_are_400_naming_the_param(
    client: httpx.AsyncClient, build: Builder, path: str
) -> None:
    reader = await build.actor(["cms_collections_r", "cms_collection_categories_r"])
    language = await client.get(path, params={"language": "xx"}, headers=reader.headers)

    assert_error(
        language,
        400,
        "validation_failed",
        "language is invalid: unknown language 'xx' (see /api/v1/external/languages)",
    )
    for param, value in (("published_after", "2026-02-30"), ("updated_after", "yesterday")):
        response = await client.get(path, params={param: value}, headers=reader.headers)

        assert_invalid(response, param)
