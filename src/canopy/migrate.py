"""Alembic, driven from code: ``canopy db upgrade`` and the start-up check of ``canopy serve``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from canopy.config import Settings
from canopy.db import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def head_revision(settings: Settings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


async def _current(settings: Settings) -> str | None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:

            def read(sync: Connection) -> str | None:
                return MigrationContext.configure(sync).get_current_revision()

            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def current_revision(settings: Settings) -> str | None:
    return asyncio.run(_current(settings))


def pending(settings: Settings) -> bool:
    """True when the database is behind the code."""
    return current_revision(settings) != head_revision(settings)
