"""Engine, sessions and the request's transaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from canopy.config import Settings


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
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
        write = conn.get_execution_options().get("canopy_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_sessionmaker(
    engine: AsyncEngine, *, write: bool = False
) -> async_sessionmaker[AsyncSession]:
    """A session factory. ``write`` marks transactions that will write, which SQLite opens
    with ``BEGIN IMMEDIATE``; PostgreSQL ignores the mark."""
    bind = engine.execution_options(canopy_write=True) if write else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


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
