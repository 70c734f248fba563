"""The lookups every request makes (its token, the versions of what it reads), run with the
bare database driver: no ORM session, no SQLAlchemy pool checkout, one round trip each.

Measured on SQLite, an ORM session that looks up a token and its memberships and commits costs
about 1 ms; the same rows in one statement on a driver connection kept here, about 25 µs. These
are single-statement reads outside any transaction (each statement sees one committed state),
on connections of their own: a request's own transaction (SQLite's write lock, say) is neither
needed nor held for them.

Statements are written once in PostgreSQL's form (``$1``, ``$2``…) and translated for SQLite
(``?1``, ``?2``…). Rows come back as tuples of the driver's values: on SQLite, timestamps are
the text SQLAlchemy stored (see :func:`utc`) and JSON columns are text; on PostgreSQL, aware
datetimes and JSON text.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine

# Connections kept for these lookups, per worker. Each statement holds one for microseconds.
POOL_SIZE = 2
# What SQLAlchemy's asyncpg dialect takes from the URL for itself, not for asyncpg.connect.
_DIALECT_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")
_PARAMETER = re.compile(r"\$(\d+)")


class RawReader(Protocol):
    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """The rows of one statement, in PostgreSQL's form (``$1``…)."""

    async def aclose(self) -> None: ...


def open_reader(engine: AsyncEngine) -> RawReader:
    """A reader on ``engine``'s database: a few driver connections of its own for a SQLite file
    or PostgreSQL (asyncpg); else (an in-memory SQLite database, which only the engine's own
    connections see) the engine itself."""
    url = engine.url
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite" and driver == "aiosqlite" and url.database not in (None, "", ":memory:"):
        assert url.database is not None
        return _SqliteReader(url.database)
    if backend == "postgresql" and driver == "asyncpg":
        _, given = engine.dialect.create_connect_args(url)
        options = {k: v for k, v in given.items() if k not in _DIALECT_OPTIONS}
        return _PostgresReader(options)
    return _EngineReader(engine)


def sqlite_sql(sql: str) -> str:
    return _PARAMETER.sub(r"?\1", sql)


def utc(value: Any) -> datetime | None:
    """A timestamp column's value as an aware UTC datetime: SQLite gives the text SQLAlchemy
    stored there (``2026-11-28 21:31:00.123456``, UTC), PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp_param(value: datetime, *, sqlite: bool) -> Any:
    """An aware datetime as a parameter compared with a timestamp column: on SQLite the text
    SQLAlchemy stores there (naive UTC, microseconds, the year on four digits), so that text
    compares as time does; on PostgreSQL the datetime itself."""
    if not sqlite:
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class _SqliteReader:
    """Up to :data:`POOL_SIZE` aiosqlite connections, opened when first needed and kept; each
    is read-only (``query_only``), in autocommit mode."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._idle: list[aiosqlite.Connection] = []
        self._opened = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._statements: dict[str, str] = {}
        self._closed = False

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        translated = self._statements.get(sql)
        if translated is None:
            translated = self._statements[sql] = sqlite_sql(sql)
        connection = await self._acquire()
        try:
            rows = await connection.execute_fetchall(translated, args)
        finally:
            await self._release(connection)
        return list(rows)

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(self._path, isolation_level=None, timeout=30)
        for pragma in ("query_only=ON", "busy_timeout=30000"):
            await connection.execute(f"PRAGMA {pragma}")
        return connection

    async def _acquire(self) -> aiosqlite.Connection:
        while not self._idle:
            if self._closed:
                raise RuntimeError("the reader is closed")
            if self._opened < POOL_SIZE:
                self._opened += 1  # counted before the await: no other task opens one too many
                try:
                    return await self._open()
                except BaseException:
                    self._opened -= 1
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self._waiting:
                    self._waiting.remove(waiter)
                elif self._waiting and self._idle:
                    self._wake()  # woken but leaving: pass the turn on
                raise
        return self._idle.pop()

    async def _release(self, connection: aiosqlite.Connection) -> None:
        if self._closed:
            self._opened -= 1
            await connection.close()
            return
        self._idle.append(connection)
        self._wake()

    def _wake(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            self._opened -= 1
            await connection.close()
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)


class _PostgresReader:
    """asyncpg's own pool (prepared statements cached per connection).

    A connection goes back to the pool without asyncpg's reset statement (``RESET ALL``,
    ``UNLISTEN *``…), a round trip per statement that took a tenth of the CPU time of a candidate
    page: these connections only ever run one read statement at a time, which leaves no
    session state behind. An open transaction is still rolled back by the pool."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self._pool: Any = None
        self._lock = asyncio.Lock()

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        pool = self._pool or await self._create_pool()
        rows: list[Sequence[Any]] = await pool.fetch(sql, *args)
        return rows

    async def _create_pool(self) -> Any:
        async with self._lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    min_size=1, max_size=POOL_SIZE, reset=_keep_session, **self._options
                )
        return self._pool

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()


async def _keep_session(connection: Any) -> None:
    """What :class:`_PostgresReader`'s pool runs on a connection given back: nothing."""


class _EngineReader:
    """The same statements through the engine's pool (in-memory SQLite, other drivers)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.url.get_backend_name() == "sqlite"

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        async with self._engine.connect() as connection:
            result = await connection.exec_driver_sql(
                sqlite_sql(sql) if self._sqlite else sql, tuple(args)
            )
            return [tuple(row) for row in result.all()]

    async def aclose(self) -> None:
        return None
