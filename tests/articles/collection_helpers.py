"""Collections and categories for the tests, made through the import service (their only
way in)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.articles import service
from canopy.articles.service import BatchResult, RawBatch
from canopy.models import CmsCollection, CmsCollectionCategory

COLLECTIONS = "/api/v1/external/cms/collections"
CATEGORIES = "/api/v1/external/cms/collection/categories"

_ids = itertools.count(1000)


def collection(**fields: Any) -> dict[str, Any]:
    """A published English collection with a fresh id, titled "Collection <id>"."""
    n = next(_ids)
    return {"id": n, "title": f"Collection {n}", "language": "en", "status": "published", **fields}


def category(**fields: Any) -> dict[str, Any]:
    """A published English category with a fresh id, titled "Category <id>"."""
    n = next(_ids)
    return {"id": n, "title": f"Category {n}", "language": "en", "status": "published", **fields}


def raw(
    *,
    categories: Sequence[dict[str, Any]] = (),
    collections: Sequence[dict[str, Any]] = (),
    articles: Sequence[dict[str, Any]] = (),
) -> RawBatch:
    return RawBatch(
        articles=[(f"article {i}", item) for i, item in enumerate(articles, 1)],
        categories=[(f"category {i}", item) for i, item in enumerate(categories, 1)],
        collections=[(f"collection {i}", item) for i, item in enumerate(collections, 1)],
        editorial=True,
    )


async def add_batch(
    maker: async_sessionmaker[AsyncSession],
    *,
    categories: Sequence[dict[str, Any]] = (),
    collections: Sequence[dict[str, Any]] = (),
    articles: Sequence[dict[str, Any]] = (),
) -> BatchResult:
    """Import everything in one transaction, as ``canopy articles import`` does."""
    batch = service.validate_batch(
        raw(categories=categories, collections=collections, articles=articles)
    )
    async with maker() as session:
        result = await service.import_batch(session, batch)
        await session.commit()
    return result


async def set_times(
    maker: async_sessionmaker[AsyncSession],
    model: type[CmsCollection] | type[CmsCollectionCategory],
    item_id: int,
    **times: datetime | None,
) -> None:
    """Set ``created_at``/``updated_at``/``published_at``/``archived_at`` (an import stamps
    "now")."""
    values: dict[str, Any] = {"updated_at": model.updated_at, **times}  # no onupdate bump
    async with maker() as session:
        await session.execute(update(model).where(model.id == item_id).values(values))
        await session.commit()


def titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()]
