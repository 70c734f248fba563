"""Checks for a request that waits on something slow (a download held by the remote server, a
render): that it holds no transaction meanwhile, and that another organisation's write goes
through. Nothing here measures time; the deadlines are generous bounds on what must happen."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.config import Settings
from tests.fixtures.builders import Actor
from tests.fixtures.remote import Hold

DEPARTMENTS = "/api/v1/external/departments"
DEADLINE = 30.0


async def no_transaction_open(settings: Settings, maker: async_sessionmaker[AsyncSession]) -> None:
    """Nothing holds a transaction on the database: SQLite's write lock is free (a writer of
    another connection gets it without waiting), PostgreSQL has no session in a transaction
    (idle in one, say) but the one asking."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        assert await asyncio.to_thread(_sqlite_write_lock_free, url.database), (
            "a transaction holds SQLite's write lock"
        )
        return
    async with maker() as session:
        open_elsewhere = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                "AND xact_start IS NOT NULL"
            )
        )
        await session.rollback()
    assert open_elsewhere == 0, "a PostgreSQL session holds a transaction open"


def _sqlite_write_lock_free(path: str) -> bool:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        connection.execute("ROLLBACK")
        return True
    finally:
        connection.close()


async def other_organisation_writes(client: httpx.AsyncClient, outsider: Actor) -> None:
    """Another organisation's ``POST /departments`` answers 201 (within a generous deadline:
    stalled behind the slow request, it would wait for it to finish, which cannot happen
    before the test releases it)."""
    response = await asyncio.wait_for(
        client.post(
            DEPARTMENTS,
            json={"organization_reference": outsider.org, "name": "Meanwhile"},
            headers=outsider.headers,
        ),
        DEADLINE,
    )
    assert response.status_code == 201, response.text


async def until_held(hold: Hold, task: asyncio.Task[Any]) -> None:
    """Until the remote server holds the file ``task`` downloads (or ``task`` ended)."""
    sending = asyncio.ensure_future(hold.wait_sending())
    try:
        async with asyncio.timeout(DEADLINE):
            await asyncio.wait({sending, task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sending.cancel()
    assert not task.done(), _outcome(await task)


def _outcome(result: Any) -> str:
    """What a request (its body) or a command (its output) ended with."""
    if isinstance(result, httpx.Response):
        return result.text
    return f"{result!r}: {getattr(result, 'stdout', '')}{getattr(result, 'stderr', '')}"
