"""The bare-driver reader on SQLite: lookups on the event loop's thread, what they do when
another connection holds the database, and statements translated from PostgreSQL's form."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from canopy import rawdb


def _database(path: Path) -> None:
    # A rollback journal, where a writer's exclusive lock keeps readers out (with WAL, as
    # Canopy runs, a reader meets a lock only while the log is recovered or reset, which a
    # test cannot time).
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("CREATE TABLE token (digest TEXT PRIMARY KEY, user_id INTEGER)")
        connection.execute("INSERT INTO token VALUES ('abc', 7)")


async def test_a_lookup_that_meets_a_lock_waits_for_it_on_a_pooled_connection(
    tmp_path: Path,
) -> None:
    path = tmp_path / "canopy.db"
    _database(path)
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    reader = rawdb.open_reader(engine, 1)
    try:
        sql = "SELECT user_id FROM token WHERE digest = $1"
        assert [tuple(row) for row in await reader.lookup(sql, "abc")] == [(7,)]
        # Another process's connection takes the whole file.
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE token SET user_id = 8")

        started = time.monotonic()
        waiting = asyncio.create_task(reader.lookup(sql, "abc"))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # waiting on the pooled connection, the loop still free
        holder.execute("COMMIT")
        rows = await asyncio.wait_for(waiting, 30)

        assert [tuple(row) for row in rows] == [(8,)]
        assert time.monotonic() - started >= 0.3
        holder.close()
    finally:
        await reader.aclose()
        await engine.dispose()


def test_sqlite_statements_are_translated_from_postgresql_form() -> None:
    sql = "SELECT id FROM job WHERE reference = $1 AND organization_id = ANY($2) LIMIT $3"

    assert rawdb.sqlite_sql(sql) == (
        "SELECT id FROM job WHERE reference = ?1 AND organization_id "
        "IN (SELECT value FROM json_each(?2)) LIMIT ?3"
    )
