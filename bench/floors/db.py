"""The bare database drivers behind the raw floors: asyncpg's own pool, or a few
aiosqlite connections, with no SQLAlchemy between the SQL and the rows.

Statements are written once in PostgreSQL's form (``$1``, ``= ANY($1)`` for a list of ids) and
translated for SQLite (``?1``, ``IN (SELECT value FROM json_each(?1))``) by
:func:`canopy.rawdb.sqlite_sql`, as the application's own are.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from canopy.config import Settings
from canopy.rawdb import sqlite_args, sqlite_sql

POOL_SIZE = 10  # as many connections as the application's own pool keeps


class Connection(Protocol):
    """What a raw route needs from a connection: rows as tuples, and statements."""

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None: ...

    async def execute(self, sql: str, *args: Any) -> None: ...


class RawDatabase(Protocol):
    dialect: str

    def connection(self, *, write: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A pooled connection; ``write`` opens a transaction that commits on success."""

    def timestamp(self, value: datetime) -> Any:
        """``value`` (aware, UTC) as the column expects it."""

    async def aclose(self) -> None: ...


def open_database(settings: Settings) -> RawDatabase:
    if settings.is_sqlite:
        database = make_url(settings.database_url).database
        assert database, "a SQLite database file is needed"
        return SqliteDatabase(database)
    return PostgresDatabase(settings.database_url)


# -- PostgreSQL ---------------------------------------------------------------------------


class _PostgresConnection:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        return list(await self._connection.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        row: Sequence[Any] | None = await self._connection.fetchrow(sql, *args)
        return row

    async def execute(self, sql: str, *args: Any) -> None:
        await self._connection.execute(sql, *args)


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._pool: Any | None = None
        self._lock = asyncio.Lock()

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=1, max_size=POOL_SIZE
                    )
        return self._pool

    @asynccontextmanager
    async def connection(self, *, write: bool = False) -> AsyncIterator[Connection]:
        pool = await self._get_pool()
        async with pool.acquire() as connection:
            if write:
                async with connection.transaction():
                    yield _PostgresConnection(connection)
            else:
                yield _PostgresConnection(connection)

    def timestamp(self, value: datetime) -> Any:
        return value

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()


# -- SQLite -------------------------------------------------------------------------------


class _SqliteConnection:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    def _sql(self, sql: str) -> str:
        return sqlite_sql(sql)

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        rows = await self._connection.execute_fetchall(self._sql(sql), sqlite_args(args))
        return list(rows)

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def execute(self, sql: str, *args: Any) -> None:
        await self._connection.execute(self._sql(sql), sqlite_args(args))


class SqliteDatabase:
    """Up to :data:`POOL_SIZE` connections, opened when first needed and kept."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self._path = path
        self._idle: list[aiosqlite.Connection] = []
        self._opened: list[aiosqlite.Connection] = []
        self._returned = asyncio.Condition()

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(self._path, isolation_level=None)
        # The same settings as the application's connections (canopy.db).
        for pragma in ("foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
            await connection.execute(f"PRAGMA {pragma}")
        return connection

    async def _acquire(self) -> aiosqlite.Connection:
        async with self._returned:
            while not self._idle:
                if len(self._opened) < POOL_SIZE:
                    # Counted before the await, so that no other task opens one too many.
                    self._opened.append(await self._open())
                    return self._opened[-1]
                await self._returned.wait()
            return self._idle.pop()

    async def _release(self, connection: aiosqlite.Connection) -> None:
        async with self._returned:
            self._idle.append(connection)
            self._returned.notify()

    @asynccontextmanager
    async def connection(self, *, write: bool = False) -> AsyncIterator[Connection]:
        connection = await self._acquire()
        try:
            if not write:
                yield _SqliteConnection(connection)
                return
            # BEGIN IMMEDIATE, as the application's writers: wait for the lock up front.
            await connection.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteConnection(connection)
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
            await connection.execute("COMMIT")
        finally:
            await self._release(connection)

    def timestamp(self, value: datetime) -> Any:
        # SQLAlchemy's storage format for DateTime on SQLite: naive UTC, microseconds.
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    async def aclose(self) -> None:
        for connection in self._opened:
            await connection.close()
        self._opened.clear()
        self._idle.clear()
