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
import functools
import re
import sqlite3
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

# Connections kept for these statements, per worker (CANOPY_DATABASE_LOOKUP_POOL_SIZE). Each
# holds one for a round trip; with 2, requests queued for them on PostgreSQL under load
# (retrieve job: 1 200 requests/s with 2, 1 500–1 700 with 4 to 6, when each request still
# made two lookups).
POOL_SIZE = 4
# What SQLAlchemy's asyncpg dialect takes from the URL for itself, not for asyncpg.connect.
_DIALECT_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")
_PARAMETER = re.compile(r"\$(\d+)")
_ANY = re.compile(r"= ANY\(\$(\d+)\)")


class RawReader(Protocol):
    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """The rows of one statement, in PostgreSQL's form (``$1``…)."""

    async def lookup(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """:meth:`fetch` for a statement that finds a few rows by an indexed key (a token, a
        version): on SQLite, run on the calling thread (see :class:`_SqliteReader`)."""

    async def aclose(self) -> None: ...


def open_reader(engine: AsyncEngine, pool_size: int = POOL_SIZE) -> RawReader:
    """A reader on ``engine``'s database: a few driver connections of its own for a SQLite file
    or PostgreSQL (asyncpg); else (an in-memory SQLite database, which only the engine's own
    connections see) the engine itself."""
    url = engine.url
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite" and driver == "aiosqlite" and url.database not in (None, "", ":memory:"):
        assert url.database is not None
        return _SqliteReader(url.database, pool_size)
    if backend == "postgresql" and driver == "asyncpg":
        _, given = engine.dialect.create_connect_args(url)
        options = {k: v for k, v in given.items() if k not in _DIALECT_OPTIONS}
        return _PostgresReader(options, pool_size)
    return _EngineReader(engine)


@functools.lru_cache(maxsize=512)
def sqlite_sql(sql: str) -> str:
    """A statement in PostgreSQL's form for SQLite: ``$1`` → ``?1``, and ``= ANY($1)`` (a
    list parameter) → ``IN (SELECT value FROM json_each(?1))``."""
    return _PARAMETER.sub(r"?\1", _ANY.sub(r"IN (SELECT value FROM json_each($\1))", sql))


def sqlite_args(args: Sequence[Any]) -> tuple[Any, ...]:
    """Parameters for :func:`sqlite_sql`'s statements: a list as JSON text."""
    return tuple(orjson.dumps(a).decode() if isinstance(a, list) else a for a in args)


async def session_fetch(session: AsyncSession, sql: str, *args: Any) -> list[Sequence[Any]]:
    """The rows of one statement in PostgreSQL's form, run on ``session``'s own connection and
    in its transaction (begun if need be, SQLite's write lock included for a writing session),
    as the driver gives them: no compilation, no ORM. An empty list for a statement without
    rows."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        sql, args = sqlite_sql(sql), sqlite_args(args)
    result = await connection.exec_driver_sql(sql, tuple(args))
    return list(result.all()) if result.returns_rows else []


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


def locked(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (busy or locked, with
    any extended code): what a statement run with ``busy_timeout`` 0 hands on to a connection
    that may wait."""
    return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class _SqliteReader:
    """Up to ``pool_size`` aiosqlite connections, opened when first needed and kept; each
    is read-only (``query_only``), in autocommit mode.

    Lookups (:meth:`lookup`) run on one more connection, on the event loop's own thread: a
    statement that finds a token or a version by its key takes SQLite about 10 µs, and the
    trip to an aiosqlite thread and back several times that (two threads wake, and wait for
    the GIL in turn). A reader of a WAL database does not wait for writers; should it meet a
    lock all the same (a checkpoint that resets the log, another process recovering it), it
    does not wait (``busy_timeout`` 0) and the lookup goes to a pooled connection instead."""

    def __init__(self, path: str, pool_size: int) -> None:
        self._path = path
        self._pool_size = pool_size
        self._idle: list[aiosqlite.Connection] = []
        self._opened = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._closed = False
        self._inline: sqlite3.Connection | None = None

    async def lookup(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        if self._closed:
            raise RuntimeError("the reader is closed")
        try:
            if self._inline is None:
                self._inline = self._open_inline()
            rows = self._inline.execute(sqlite_sql(sql), sqlite_args(args)).fetchall()
        except sqlite3.OperationalError as exc:
            if not locked(exc):
                raise
            return await self.fetch(sql, *args)
        return list(rows)

    def _open_inline(self) -> sqlite3.Connection:
        # check_same_thread off: the connection is only ever used between two awaits of
        # whichever event loop holds the reader, never from two threads at once.
        connection = sqlite3.connect(
            self._path, isolation_level=None, timeout=0, check_same_thread=False
        )
        connection.execute("PRAGMA query_only=ON")
        return connection

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        translated = sqlite_sql(sql)
        connection = await self._acquire()
        try:
            rows = await connection.execute_fetchall(translated, sqlite_args(args))
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
            if self._opened < self._pool_size:
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
        if self._inline is not None:
            self._inline.close()
            self._inline = None
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

    def __init__(self, options: dict[str, Any], pool_size: int) -> None:
        self._options = options
        self._pool_size = pool_size
        self._pool: Any = None
        self._lock = asyncio.Lock()

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        pool = self._pool or await self._create_pool()
        rows: list[Sequence[Any]] = await pool.fetch(sql, *args)
        return rows

    lookup = fetch

    async def _create_pool(self) -> Any:
        async with self._lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    min_size=1, max_size=self._pool_size, reset=_keep_session, **self._options
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
            if self._sqlite:
                sql, args = sqlite_sql(sql), sqlite_args(args)
            result = await connection.exec_driver_sql(sql, tuple(args))
            return [tuple(row) for row in result.all()]

    lookup = fetch

    async def aclose(self) -> None:
        return None
