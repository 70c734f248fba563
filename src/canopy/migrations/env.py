"""Alembic environment: async engine from Canopy's settings, batch mode for SQLite."""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from canopy.config import Settings, get_settings
from canopy.db import create_engine
from canopy.models import Base

config = context.config
settings: Settings = config.attributes.get("settings") or get_settings()


# Any constant shared by every Canopy process: the key of the advisory lock that serialises
# `canopy db upgrade` runs on one PostgreSQL database.
MIGRATION_LOCK_KEY = 0x63616E6F7079  # "canopy"


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration copies a table and drops the old one; with foreign keys enforced,
        # SQLite would first DELETE its rows and cascade that to every table referencing it.
        # The pragma only takes effect outside a transaction, so it goes before any.
        _pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
    finally:
        if sqlite:
            _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection: Connection, statement: str) -> None:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction(), _exclusive(connection):
        # Alembic reads the current revision inside run_migrations, after the lock: a second
        # upgrade started at the same time waits, then finds nothing left to do.
        context.run_migrations()


@contextmanager
def _exclusive(connection: Connection) -> Iterator[None]:
    """One migration run at a time per database, whatever starts them (a deploy job and a
    hurried administrator). PostgreSQL: a transaction-level advisory lock, released with the
    migration's own transaction. SQLite (one machine): an exclusive lock on a file beside the
    database."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        yield
        return
    database = make_url(str(connection.engine.url)).database
    if not database or database == ":memory:":
        yield
        return
    with Path(database + ".migrate-lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


async def _online() -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=settings.database_url, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
