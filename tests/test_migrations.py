"""The migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from canopy import migrate
from canopy.config import Settings
from canopy.db import create_engine
from canopy.models import Base
from tests.fixtures import databases

# SQLite cannot reflect expression indexes (lower(email)); PostgreSQL compares them.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based"),
]


def _differences(settings: Settings) -> list[object]:
    async def run() -> list[object]:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:

                def compare(sync: Connection) -> list[object]:
                    return list(compare_metadata(MigrationContext.configure(sync), Base.metadata))

                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrated_schema_matches_the_models(settings: Settings) -> None:
    assert migrate.current_revision(settings) == migrate.head_revision(settings)
    assert _differences(settings) == []


def test_migration_files_have_dated_names_and_one_head() -> None:
    folder = Path(migrate.MIGRATIONS) / "versions"
    names = sorted(p.name for p in folder.glob("*.py"))
    assert names, "no migrations"
    for name in names:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d-\d{4}_[a-z0-9_]+\.py", name), name
    script = ScriptDirectory.from_config(migrate.alembic_config(Settings()))
    assert len(script.get_heads()) == 1


@pytest.mark.parametrize("backend", databases.backends())
def test_migrations_downgrade_to_base_and_upgrade_again(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url = databases.sqlite_url(tmp_path)
        _round_trip(Settings(database_url=url, var_dir=tmp_path))
        return
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip("PostgreSQL is not reachable")
    with databases.postgres_database() as url:
        _round_trip(Settings(database_url=url, var_dir=tmp_path))


def _round_trip(settings: Settings) -> None:
    config = migrate.alembic_config(settings)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert migrate.current_revision(settings) is None
    command.upgrade(config, "head")
    assert _differences(settings) == []


def test_sqlite_batch_migrations_keep_the_rows_of_referencing_tables(tmp_path: Path) -> None:
    # The employer-branding migration rebuilds `organization` on SQLite; with foreign keys
    # enforced that would delete every department, job and candidate through the cascades.
    settings = Settings(database_url=databases.sqlite_url(tmp_path), var_dir=tmp_path)
    config = migrate.alembic_config(settings)
    command.upgrade(config, "0004")
    database = sqlite3.connect(tmp_path / "canopy.db")
    database.execute(
        "INSERT INTO organization (reference, name, slug, default_language, sectors, "
        "i18n_descriptions, i18n_looking_fors, i18n_good_to_knows, i18n_covers) "
        "VALUES ('abcdefg', 'Acme', 'acme', 'fr', '[]', '{}', '{}', '{}', '{}')"
    )
    database.execute(
        "INSERT INTO department (organization_id, name, slug, is_active) "
        "VALUES (1, 'Tech', 'tech', 1)"
    )
    database.commit()
    database.close()

    command.upgrade(config, "head")

    database = sqlite3.connect(tmp_path / "canopy.db")
    try:
        assert database.execute("SELECT name FROM department").fetchall() == [("Tech",)]
        assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        database.close()


@pytest.mark.parametrize("backend", databases.backends())
def test_concurrent_upgrades_run_one_after_the_other(backend: str, tmp_path: Path) -> None:
    # A deploy job and an administrator upgrading at the same moment: the second waits for the
    # first, then finds nothing to do; neither fails half-way through.
    if backend == "sqlite":
        _upgrade_twice_at_once(databases.sqlite_url(tmp_path), tmp_path)
        return
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip("PostgreSQL is not reachable")
    with databases.postgres_database() as url:
        _upgrade_twice_at_once(url, tmp_path)


def _upgrade_twice_at_once(url: str, var_dir: Path) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CANOPY_")},
        "CANOPY_DATABASE_URL": url,
        "CANOPY_VAR_DIR": str(var_dir),
    }
    canopy = Path(sys.executable).parent / "canopy"
    runs = [
        subprocess.Popen(
            [str(canopy), "db", "upgrade", "--json"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outcomes, strict=True):
        assert run.returncode == 0, err
        assert json.loads(out)["revision"] == migrate.head_revision(Settings())
    settings = Settings(database_url=url, var_dir=var_dir)
    assert _differences(settings) == []
