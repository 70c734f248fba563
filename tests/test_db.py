"""The engine's transactions: SQLite writers of one process take turns on a lock of their own
(first come, first served, never stuck behind a transaction that ended however it ended), and
a pooled PostgreSQL connection that the server closed is replaced before a request uses it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from canopy import db
from canopy.config import Settings
from canopy.db import create_engine, create_sessionmaker, reads_first

WAIT = 5.0


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings, pool_size=4, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def writer(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine, write=True)


def _sqlite_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer")


async def test_sqlite_writers_take_turns_in_the_order_they_came(
    engine: AsyncEngine, writer: async_sessionmaker[AsyncSession]
) -> None:
    _sqlite_only(engine)
    order: list[str] = []
    first_began = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with writer() as session:
            await session.execute(text("SELECT 1"))
            order.append("first began")
            first_began.set()
            await release_first.wait()
            await session.commit()
            order.append("first committed")

    async def then(name: str) -> None:
        async with writer() as session:
            await session.execute(text("SELECT 1"))
            order.append(f"{name} began")
            await session.commit()

    async with asyncio.timeout(WAIT):
        holder = asyncio.create_task(first())
        await first_began.wait()
        second = asyncio.create_task(then("second"))
        await asyncio.sleep(0.05)
        third = asyncio.create_task(then("third"))
        await asyncio.sleep(0.05)
        assert order == ["first began"]  # the others wait for the lock, not for luck
        release_first.set()
        await asyncio.gather(holder, second, third)

    assert order == ["first began", "first committed", "second began", "third began"]


async def test_sqlite_write_lock_is_given_back_after_a_failed_transaction(
    engine: AsyncEngine, writer: async_sessionmaker[AsyncSession]
) -> None:
    _sqlite_only(engine)
    with pytest.raises(Exception, match="no_such_table"):
        async with writer() as session:
            await session.execute(text("SELECT * FROM no_such_table"))

    async with asyncio.timeout(WAIT), writer() as session:
        assert await session.scalar(text("SELECT 1")) == 1
        await session.commit()


async def test_sqlite_writer_gives_up_after_the_lock_timeout(
    engine: AsyncEngine, writer: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    _sqlite_only(engine)
    monkeypatch.setattr(db, "LOCK_TIMEOUT", 0.2)
    async with writer() as holder:
        await holder.execute(text("SELECT 1"))
        with pytest.raises(TimeoutError, match="database is locked"):
            async with writer() as session:
                await session.execute(text("SELECT 1"))
        await holder.commit()


async def test_reads_first_holds_no_write_lock_once_its_block_ends(
    engine: AsyncEngine, writer: async_sessionmaker[AsyncSession]
) -> None:
    async with writer() as session:
        async with reads_first(session):
            assert await session.scalar(text("SELECT 1")) == 1
        assert not session.in_transaction()
        # Another writer gets through meanwhile (on SQLite, it would wait for the lock).
        async with asyncio.timeout(WAIT), writer() as other:
            await other.execute(text("SELECT 1"))
            await other.commit()
        assert await session.scalar(text("SELECT 2")) == 2
        await session.commit()


async def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    engine: AsyncEngine, writer: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that closes connections")
    async with writer() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        await session.commit()
    admin = create_engine(settings)  # a pool of its own, which cannot hand out that connection
    try:
        async with admin.begin() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()
    await asyncio.sleep(0.2)  # the closed socket reaches the event loop

    for _ in range(4):  # whichever pooled connection comes out
        async with writer() as session:
            assert await session.scalar(text("SELECT 1")) == 1
            await session.commit()
