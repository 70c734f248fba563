"""The Media API (§8): the article fields §8.1 infers and §15.10 settles, and the two read
endpoints of §8.2 that the scope table lists (§15.1 serves §12 rows 1-38)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.articles.collection_helpers import add_batch
from tests.articles.helpers import add
from tests.compat.documented import assert_documented
from tests.compat.helpers import BASE, bearer, ok
from tests.fixtures.builders import Builder

# §8.1/§15.10: an article (the 2019 draft's shape; the draft's create answer for the values).
ARTICLE: dict[str, Any] = {
    "id": 2841,
    "reference": "f38a747739a4d8241bc2cb82",
    "name": "dotGo 2019: the talks",
    "slug": "dotgo-2019-the-talks",
    "summary": "What we saw.",
    "content": "## Hello",
    "language": "en",
    "status": "published",
    "cms_collection": {"id": 59, "title": "dotGo 2019"},
    "image": {
        "url": "https://img.example.com/a.jpg",
        "large": {"url": "https://img.example.com/large_a.jpg"},
        "thumb": {"url": "https://img.example.com/thumb_a.jpg"},
    },
    "created_at": "2019-08-19T15:58:58.587+02:00",
    "updated_at": "2019-08-19T15:58:58.587+02:00",
    "published_at": "2019-08-19T15:58:58.587+02:00",
}


async def test_list_articles_answers_the_documented_article_fields(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    given = {k: v for k, v in ARTICLE.items() if k not in ("id", "created_at", "updated_at")}
    await add(maker, {**given, "published_at": "2019-08-19T15:58:58.587+02:00"})
    reader = await build.actor(["cms_articles_r"])

    response = await client.get(f"{BASE}/cms/articles/all", headers=bearer(reader))

    assert_documented([ARTICLE], ok(response), shape_only=("id", "created_at", "updated_at"))


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/cms/collections", "cms_collections_r"),
        ("/cms/collection/categories", "cms_collection_categories_r"),
    ],
)
async def test_article_collection_reads_of_the_scope_table_answer_a_list(
    client: httpx.AsyncClient, build: Builder, path: str, scope: str
) -> None:
    reader = await build.actor([scope])

    response = await client.get(f"{BASE}{path}", headers=bearer(reader))

    assert isinstance(ok(response), list)


IMAGE = {
    "url": "https://img.example.com/dotgo.jpg",
    "large": {"url": "https://img.example.com/large_dotgo.jpg"},
    "thumb": {"url": "https://img.example.com/thumb_dotgo.jpg"},
}

# §8.2 `GET /external/cms/collections`: the fields the 2019 draft's items carry.
COLLECTION: dict[str, Any] = {
    "id": 59,
    "cms_collection_category": {"id": 3, "title": "Tech events"},
    "title": "dotGo 2019",
    "slug": "dotgo-2019",
    "summary": "The talks.",
    "description": "Every talk of dotGo 2019.",
    "cover": IMAGE,
    "seo_title": "dotGo 2019",
    "seo_description": "The talks.",
    "social_title": "dotGo 2019",
    "social_description": "The talks.",
    "social_image": IMAGE,
    "status": "published",
    "theme": "dark",
    "reference": "5d5a9a8c2a0b0c0d0e0f1a2b",
    "language": "en",
    "internal_name": "EN - dotGo 2019",
    "languages": [],
    "mirrors": {},
    "created_at": "2019-08-19T15:58:58.587+02:00",
    "updated_at": "2019-08-19T15:58:58.587+02:00",
    "published_at": "2019-08-19T15:58:58.587+02:00",
    "archived_at": None,
}

# §8.2 `GET /external/cms/collection/categories`.
CATEGORY: dict[str, Any] = {
    "id": 3,
    "title": "Tech events",
    "slug": "tech-events",
    "menu_title": "Events",
    "description": "Conferences.",
    "seo_title": "Tech events",
    "seo_description": "Conferences.",
    "social_title": "Tech events",
    "social_description": "Conferences.",
    "social_image": IMAGE,
    "status": "published",
    "cover": IMAGE,
    "position": 1,
    "reference": "5d5a9a8c2a0b0c0d0e0f1a2c",
    "language": "en",
    "internal_name": "EN - Tech events",
    "languages": [],
    "mirrors": {},
    "cms_collections": [{"id": 59, "title": "dotGo 2019"}],
    "created_at": "2019-08-19T15:58:58.587+02:00",
    "updated_at": "2019-08-19T15:58:58.587+02:00",
    "published_at": "2019-08-19T15:58:58.587+02:00",
    "archived_at": None,
}

_GENERATED = ("created_at", "updated_at")


async def test_collection_reads_answer_the_documented_fields(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    given_category = {k: v for k, v in CATEGORY.items() if k not in _GENERATED}
    given_collection = {k: v for k, v in COLLECTION.items() if k not in _GENERATED}
    await add_batch(maker, categories=[given_category], collections=[given_collection])
    reader = await build.actor(["cms_collections_r", "cms_collection_categories_r"])

    collections = await client.get(f"{BASE}/cms/collections", headers=bearer(reader))
    categories = await client.get(f"{BASE}/cms/collection/categories", headers=bearer(reader))

    assert_documented([COLLECTION], ok(collections), shape_only=_GENERATED)
    assert_documented([CATEGORY], ok(categories), shape_only=_GENERATED)
