"""The migration that brings collections gives the articles already imported their
``cms_collection_id``, from the collection they name, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from canopy import migrate
from canopy.config import Settings
from canopy.db import create_engine
from tests.fixtures import databases

BEFORE = "0009"

ARTICLE = sa.table(
    "article",
    sa.column("id", sa.Integer()),
    sa.column("reference", sa.String()),
    sa.column("name", sa.String()),
    sa.column("slug", sa.String()),
    sa.column("content", sa.Text()),
    sa.column("content_html", sa.Text()),
    sa.column("language", sa.String()),
    sa.column("status", sa.String()),
    sa.column("cms_collection", sa.JSON()),
)


@pytest.fixture(params=databases.backends())
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(database_url=databases.sqlite_url(tmp_path), var_dir=tmp_path)
        return
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip("PostgreSQL is not reachable")
    with databases.postgres_database() as url:
        yield Settings(database_url=url, var_dir=tmp_path)


def _run(settings: Settings, work: Any) -> Any:
    async def run() -> Any:
        engine = create_engine(settings)
        try:
            async with engine.begin() as connection:
                return await work(connection)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_upgrade_fills_the_collection_id_of_existing_articles(fresh: Settings) -> None:
    config = migrate.alembic_config(fresh)
    command.upgrade(config, BEFORE)
    named = [{"id": 59, "title": "dotGo 2019"}, None, {"title": "no id"}]

    async def insert(connection: Any) -> None:
        await connection.execute(
            ARTICLE.insert(),
            [
                {
                    "reference": f"r{n}",
                    "name": f"A{n}",
                    "slug": f"a{n}",
                    "content": "c",
                    "content_html": "<p>c</p>",
                    "language": "en",
                    "status": "published",
                    "cms_collection": collection,
                }
                for n, collection in enumerate(named)
            ],
        )

    _run(fresh, insert)
    command.upgrade(config, "head")

    async def read(connection: Any) -> list[tuple[str, int | None]]:
        table = sa.table("article", sa.column("slug"), sa.column("cms_collection_id"))
        rows = await connection.execute(sa.select(table).order_by(table.c.slug))
        return [tuple(row) for row in rows]

    assert _run(fresh, read) == [("a0", 59), ("a1", None), ("a2", None)]

    command.downgrade(config, BEFORE)

    async def slugs(connection: Any) -> list[str]:
        rows = await connection.execute(sa.select(ARTICLE.c.slug).order_by(ARTICLE.c.slug))
        return [row.slug for row in rows]

    assert _run(fresh, slugs) == ["a0", "a1", "a2"]
