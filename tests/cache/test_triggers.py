"""The versions the cache keys on are kept by the database itself: every write to a row a
cached response shows moves its organisation's version (and row 0) when it commits, candidate
counters move ``counts`` only, and no value is ever seen twice."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.config import Settings
from canopy.models import CacheClock, CacheVersion, Job, Stage
from tests.cache.helpers import statements
from tests.cache.helpers import versions as version_rows
from tests.fixtures.builders import JOBS, Actor, Builder


async def test_a_write_moves_its_organisations_version_when_it_commits(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    job = await build.job(client, admin)
    ours, theirs = admin.organization.id, outsider.organization.id
    before = await version_rows(maker)
    async with maker() as session:
        await session.execute(update(Job).where(Job.reference == job["reference"]).values(name="x"))
        await session.flush()
        # Seen from another connection (a read: SQLite's write lock is held here).
        assert await version_rows(app.state.sessionmaker) == before  # not before it commits
        await session.commit()
    after = await version_rows(maker)

    assert after[ours][0] > before[ours][0]
    assert after[ours][1] == before[ours][1]  # counters untouched
    assert after[0][0] > before[0][0]  # every organisation's version too
    assert after[theirs] == before[theirs]  # another organisation's entries stay good


async def test_candidate_counters_move_counts_and_not_the_version(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    job = await build.job(client, admin)
    ours = admin.organization.id
    before = await version_rows(maker)
    await build.candidates(job["reference"], [None])
    after = await version_rows(maker)
    assert after[ours][0] == before[ours][0]
    assert after[ours][1] > before[ours][1]
    assert after[0] == before[0]

    async with maker() as session:  # a stage rename is content
        stage = await session.scalar(select(Stage).limit(1))
        assert stage is not None
        stage.name = "Renamed"
        await session.commit()
    assert (await version_rows(maker))[ours][0] > after[ours][0]


async def test_a_version_is_never_seen_twice_even_once_the_rows_are_gone(
    app: Any, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    """The suite itself deletes every row between tests, and SQLite hands the same ids out
    again: an organisation made afresh must not meet the versions of one made before."""
    await build.organization()
    seen = {v for pair in (await version_rows(maker)).values() for v in pair}
    async with maker() as session:
        for table in (CacheVersion, CacheClock):
            await session.execute(delete(table))
        await session.commit()
    await build.organization()
    fresh = await version_rows(maker)
    assert fresh
    assert not {v for pair in fresh.values() for v in pair} & seen


async def test_a_missing_version_row_is_not_cached_but_still_answered(
    app: Any, client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    """Rows deleted by hand (or an organisation older than the triggers): nothing to key on,
    so every request renders, until the next write makes the row again."""
    params = {"organization_reference": admin.org}
    await client.get(JOBS, params=params, headers=admin.headers)
    async with maker() as session:
        await session.execute(delete(CacheVersion))
        await session.commit()
    for _ in range(2):
        response, count = await statements(
            app, client.get(JOBS, params=params, headers=admin.headers)
        )
        assert response.status_code == 200
        assert count > 0
    async with maker() as session:
        await session.execute(
            update(Job).where(Job.organization_id == admin.organization.id).values(name="Again")
        )
        await session.commit()
    assert admin.organization.id in await version_rows(maker)
    await client.get(JOBS, params=params, headers=admin.headers)
    _, count = await statements(app, client.get(JOBS, params=params, headers=admin.headers))
    assert count == 0


def test_the_sqlite_triggers_compare_every_column_of_the_counted_tables(
    settings: Settings,
) -> None:
    """A content change of a job or a stage is told from a counter change by comparing every
    other column: a migration that adds a column must make these triggers again."""
    if not settings.is_sqlite:
        return  # PostgreSQL compares whole rows (to_jsonb), whatever their columns
    path = settings.database_url.split("///", 1)[1]
    database = sqlite3.connect(path)
    try:
        for table in ("job", "stage"):
            columns = [row[1] for row in database.execute(f"PRAGMA table_info({table})")]
            (sql,) = database.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                (f"cache_version_{table}_update",),
            ).fetchone()
            missing = [c for c in columns if c != "candidates_count" and f'OLD."{c}"' not in sql]
            assert missing == [], f"{table}: the update trigger does not compare {missing}"
    finally:
        database.close()
