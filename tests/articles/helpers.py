"""Articles for the tests, made through the import service (the only way articles come in)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.articles import service
from canopy.models import Article

ARTICLES = "/api/v1/external/cms/articles/all"

_counter = itertools.count(1)


def article(**fields: Any) -> dict[str, Any]:
    """A published English article named "Article <n>", ``fields`` on top."""
    n = next(_counter)
    return {
        "name": f"Article {n}",
        "content": f"Text {n}.",
        "language": "en",
        "status": "published",
        **fields,
    }


async def add(maker: async_sessionmaker[AsyncSession], *items: dict[str, Any]) -> list[str]:
    """Import ``items`` in one transaction; their references, in order."""
    drafts = service.validate_all([(f"article {i}", item) for i, item in enumerate(items, 1)])
    async with maker() as session:
        result = await service.import_articles(session, drafts)
        await session.commit()
    return [row["reference"] for row in result.articles]


async def set_times(
    maker: async_sessionmaker[AsyncSession], reference: str, **times: datetime | None
) -> None:
    """Set ``created_at``/``updated_at``/``published_at`` (an import stamps "now")."""
    values: dict[str, Any] = {"updated_at": Article.updated_at, **times}  # no onupdate bump
    async with maker() as session:
        await session.execute(update(Article).where(Article.reference == reference).values(values))
        await session.commit()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()]
