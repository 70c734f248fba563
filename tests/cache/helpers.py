"""What the response cache tests share: the four cached reads of one organisation, and a check
that a read was answered from the cache (no SQL statement on the app's engine)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import CacheVersion
from tests.fixtures.builders import JOBS, Actor
from tests.fixtures.queries import count_queries

ALL = f"{JOBS}/all"
EMBED = "/api/v1/embed"
DEPARTMENTS = "/api/v1/external/departments"
OFFICES = "/api/v1/external/offices"
ORGANIZATIONS = "/api/v1/external/organizations"
# Every inclusion but the candidate counters (which /jobs/all does not cache).
FLAGS = {
    "stages": "true",
    "websites": "true",
    "office": "true",
    "offices": "true",
    "application_fields": "true",
    "organization": "true",
}


async def ok(response: Any) -> httpx.Response:
    """``response`` (awaited), which must be a success."""
    result: httpx.Response = await response
    assert result.status_code in (200, 201, 204), result.text
    return result


@dataclass
class Reads:
    """The cached reads of ``actor``'s organisation, and of one of its jobs."""

    client: httpx.AsyncClient
    actor: Actor
    job_reference: str

    async def job(self, **params: str) -> dict[str, Any]:
        return await self._json(f"{JOBS}/{self.job_reference}", {**FLAGS, **params}, True)

    async def jobs(self, **params: str) -> list[dict[str, Any]]:
        query = {"organization_reference": self.actor.org, **FLAGS, **params}
        return await self._json(JOBS, query, True)  # type: ignore[no-any-return]

    async def all(self, **params: str) -> list[dict[str, Any]]:
        return await self._json(ALL, {**FLAGS, **params}, True)  # type: ignore[no-any-return]

    async def embed(self) -> dict[str, Any]:
        return await self._json(EMBED, {"organization_reference": self.actor.org}, False)

    async def everything(self) -> tuple[Any, ...]:
        return (await self.job(), await self.jobs(), await self.all(), await self.embed())

    async def _json(self, path: str, params: dict[str, str], token: bool) -> Any:
        headers = self.actor.headers if token else {}
        response = await self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()


async def statements(app: Any, request: Any) -> tuple[httpx.Response, int]:
    """Send ``request`` (an awaitable response): the response, and how many SQL statements
    the app ran on its engine meanwhile (0: answered from the cache)."""
    with count_queries(app) as seen:
        response: httpx.Response = await request
    return response, len(seen)


async def versions(maker: async_sessionmaker[AsyncSession]) -> dict[int, tuple[int, int]]:
    async with maker() as session:
        rows = await session.scalars(select(CacheVersion))
        return {row.id: (row.version, row.counts) for row in rows}
