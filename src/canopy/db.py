"""Engine, sessions and the request's transaction."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from canopy.config import Settings
from canopy.rawdb import sqlite_args, sqlite_sql

WRITE = "canopy_write"  # the execution option that marks a transaction that will write
LOCK_TIMEOUT = 30.0  # seconds a SQLite writer waits for the write lock, as busy_timeout
# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE = 10.0
_RETURNED_AT = "canopy.returned_at"
_WRITE_LOCK = "canopy.write_lock"


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            settings.var_dir.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("pool_reset_on_return", None)  # see _configure_sqlite
        engine = create_async_engine(url, connect_args={"timeout": LOCK_TIMEOUT}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", settings.database_pool_size)
    kwargs.setdefault("max_overflow", settings.database_max_overflow)
    ping = kwargs.pop("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if ping:
        _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Check a pooled connection before handing it out, as ``pool_pre_ping`` does, but pay a
    ping (three round trips with asyncpg) only for one that sat idle in the pool for a while:
    one returned a moment ago by a request that used it is as good as pinged. One whose socket
    the server closed (a restart) is known closed without a round trip. Either way a dead
    connection is replaced before the request sees it."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_: Any, record: Any) -> None:
        record.record_info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _: Any) -> None:
        closed = getattr(dbapi_connection.driver_connection, "is_closed", None)
        if closed is not None and closed():
            raise DisconnectionError("the connection was closed")
        returned = record.record_info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE:
            return  # just connected, or just used
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("the connection did not answer a ping") from exc


class _WriteQueue:
    """Write transactions of one SQLite engine, taken in turn within the process.

    SQLite has one writer at a time. Without this, writers of the same process that want the
    lock together poll for it: ``busy_timeout`` sleeps between tries (up to 100 ms each), so the
    lock often sits free while they sleep, and who gets it next is luck. Here they wait on an
    ``asyncio.Lock`` instead: first come, first served, woken the moment the previous write
    transaction ends. ``busy_timeout`` still covers writers in other processes.

    The lock is taken just before ``BEGIN IMMEDIATE`` and given back when the connection returns
    to the pool, which follows the commit or rollback of a session's transaction at once."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _acquire(self) -> asyncio.Lock:
        lock = self._lock()
        try:
            async with asyncio.timeout(LOCK_TIMEOUT):
                await lock.acquire()
        except TimeoutError:
            raise TimeoutError(
                f"database is locked: no write lock after {LOCK_TIMEOUT:g} s"
            ) from None
        return lock

    def acquire(self, conn: Any) -> None:
        """Before ``BEGIN IMMEDIATE`` on ``conn`` (in SQLAlchemy's greenlet): wait for the
        turn of its transaction, unless its connection holds it already."""
        proxied = conn.connection
        if _WRITE_LOCK in proxied.record_info:
            return
        lock = proxied.dbapi_connection.run_async(lambda _: self._acquire())
        proxied.record_info[_WRITE_LOCK] = lock

    async def hold(self, fairy: Any) -> None:
        """Wait for the turn of a statement that writes on its own, outside any transaction
        (:func:`autocommit`), on the pooled connection ``fairy``."""
        if _WRITE_LOCK not in fairy.record_info:
            fairy.record_info[_WRITE_LOCK] = await self._acquire()

    @staticmethod
    def release(record: Any) -> None:
        lock: asyncio.Lock | None = record.record_info.pop(_WRITE_LOCK, None)
        if lock is not None:
            lock.release()


# Each SQLite engine's write queue.
_QUEUES: weakref.WeakKeyDictionary[Any, _WriteQueue] = weakref.WeakKeyDictionary()


def _configure_sqlite(engine: AsyncEngine) -> None:
    queue = _QUEUES[engine.sync_engine] = _WriteQueue()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # aiosqlite opens its own transactions; let SQLAlchemy emit BEGIN itself so that
        # the "begin" hook below can take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE: a writer waits for the lock instead of failing mid-transaction
        # with "database is locked" when another process writes at the same time.
        if not conn.get_execution_options().get(WRITE, False):
            conn.exec_driver_sql("BEGIN")
            return
        queue.acquire(conn)
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
        # In place of the pool's own reset, a ROLLBACK on every return: a trip to the
        # connection's thread, after the write lock's holder committed and before the next
        # writer may begin, for nothing, as sessions end their transactions themselves. One
        # returned in the middle of a transaction is rolled back here (not when it is being
        # garbage collected: no I/O can happen then). A failure here invalidates the
        # connection, which closing ends its transaction.
        try:
            if (
                state.asyncio_safe
                and not state.terminate_only
                and dbapi_connection.driver_connection.in_transaction
            ):
                dbapi_connection.rollback()
        finally:
            queue.release(record)

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_: Any, record: Any) -> None:
        # Also when the connection was invalidated (its DBAPI connection is then None, and
        # there was no reset).
        queue.release(record)


class Statements:
    """Statements run with the driver, each committing on its own: see :func:`autocommit`."""

    def __init__(self, driver: Any, sqlite: bool) -> None:
        self._driver = driver
        self._sqlite = sqlite

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """The rows of one statement in PostgreSQL's form (``$1``, ``= ANY($1)``)."""
        if self._sqlite:
            rows = await self._driver.execute_fetchall(sqlite_sql(sql), sqlite_args(args))
            return list(rows)
        found: list[Sequence[Any]] = await self._driver.fetch(sql, *args)
        return found


@asynccontextmanager
async def autocommit(engine: AsyncEngine, *, write: bool = False) -> AsyncIterator[Statements]:
    """A connection of ``engine``'s pool, on which each statement is a transaction of its own,
    run with the driver (aiosqlite or asyncpg): no BEGIN and COMMIT round trips, no
    compilation. For a write that one statement does whole; SQLite's writers (``write``)
    still take their turn in the engine's write queue."""
    async with engine.connect() as connection:
        fairy = await connection.get_raw_connection()
        sqlite = engine.dialect.name == "sqlite"
        queue = _QUEUES.get(engine.sync_engine)
        if write and queue is not None:
            await queue.hold(fairy)
        yield Statements(fairy.driver_connection, sqlite)


def create_sessionmaker(
    engine: AsyncEngine, *, write: bool = False
) -> async_sessionmaker[AsyncSession]:
    """A session factory. ``write`` marks transactions that will write, which SQLite opens
    with ``BEGIN IMMEDIATE``; PostgreSQL ignores the mark."""
    bind = engine.execution_options(**{WRITE: True}) if write else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def reads_first(session: AsyncSession) -> AsyncIterator[None]:
    """Run the block's statements in a transaction of their own that only reads, and end it
    before what follows: for a request that checks what it may do (load the candidate, say),
    then does slow work (a download) before it writes. No connection, SQLite write lock or row
    lock is held across that work; the request's next statement begins its writing transaction.
    Loaded objects stay usable (create_sessionmaker's sessions do not expire them on commit).
    The block must not change anything; what it read may change before the write, so the
    write checks again what it relies on. Inside a transaction already begun (a command that
    does several things in one), the block simply joins it."""
    if session.in_transaction():
        yield
        return
    await session.connection(execution_options={WRITE: False})
    yield
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("reads_first() block changed objects")
    await session.commit()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


Hook = Callable[[], Awaitable[None]]
_AFTER_COMMIT = "canopy.after_commit"
_ON_ROLLBACK = "canopy.on_rollback"
logger = logging.getLogger("canopy.db")


def after_commit(session: AsyncSession, hook: Hook) -> None:
    """Run ``hook`` once the request's transaction has committed (sending an email, say);
    never if it rolls back. It runs after the response, outside the transaction."""
    session.info.setdefault(_AFTER_COMMIT, []).append(hook)


def on_rollback(session: AsyncSession, hook: Hook) -> None:
    """Run ``hook`` if the request's transaction rolls back or fails to commit (removing the
    objects it stored, say), so that a failed request leaves nothing behind."""
    session.info.setdefault(_ON_ROLLBACK, []).append(hook)


async def run_rollback_hooks(session: AsyncSession) -> None:
    for hook in session.info.pop(_ON_ROLLBACK, []):
        try:
            await hook()
        except Exception:
            logger.exception("rollback hook failed")
    session.info.pop(_AFTER_COMMIT, None)


async def commit(session: AsyncSession) -> None:
    """Flush and commit, undoing the transaction's side effects if it does not commit.

    A commit that fails without an answer from the database (the connection lost on the
    way, the task cancelled) may still have committed: its rollback hooks are then dropped,
    not run, since removing the objects of committed rows cannot be repaired, while an
    object left over is an orphan that ``canopy storage check --repair`` removes."""
    try:
        await session.flush()
    except BaseException:
        await session.rollback()
        await run_rollback_hooks(session)
        raise
    try:
        await session.commit()
    except BaseException as exc:
        await session.rollback()
        if isinstance(exc, DBAPIError) and not exc.connection_invalidated:
            await run_rollback_hooks(session)  # refused by the database: nothing committed
        else:
            session.info.pop(_ON_ROLLBACK, None)
            session.info.pop(_AFTER_COMMIT, None)
            logger.warning(
                "commit outcome unknown (%s): the objects it stored are kept",
                type(exc).__name__,
            )
        raise


async def _run_after_commit(hooks: list[Hook]) -> None:
    for hook in hooks:
        try:
            await hook()
        except Exception:
            logger.exception("after-commit hook failed")


async def _session(request: Request, background: BackgroundTasks) -> AsyncIterator[AsyncSession]:
    """One session per request. It commits when the handler returns, before the response is
    sent, so a failed commit becomes an error response instead of a lost write."""
    state = request.app.state
    maker: async_sessionmaker[AsyncSession] = (
        state.sessionmaker if request.method in SAFE_METHODS else state.write_sessionmaker
    )
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            await run_rollback_hooks(session)
            raise
        await commit(session)
        session.info.pop(_ON_ROLLBACK, None)
        hooks = session.info.pop(_AFTER_COMMIT, [])
        if hooks:
            background.add_task(_run_after_commit, hooks)


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
