"""`canopy db upgrade`, and every command's refusal to run on a database behind the code."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from canopy import migrate
from tests.fixtures.processes import Canopy, assert_error

BEHIND = "the database is behind the code: run `canopy db upgrade`"

# Every command that touches the database, with valid arguments: only the schema is wrong.
COMMANDS = [
    ("org", "create", "--name", "Acme"),
    ("user", "create", "--email", "ada@example.com", "--name", "Ada"),
    ("member", "add", "--org", "AbCdEf1", "--user", "ada@example.com", "--role", "admin"),
    ("token", "create", "--user", "ada@example.com", "--scopes", "all"),
    ("token", "list"),
    ("token", "revoke", "1"),
    ("demo",),
]

pytestmark = pytest.mark.slow


def _assert_refused(canopy: Canopy, commands: list[tuple[str, ...]]) -> None:
    for result in canopy.run_all(commands):
        assert_error(result, BEHIND)


def test_db_upgrade_builds_the_schema_and_reports_the_head_revision(canopy: Canopy) -> None:
    settings = canopy.settings()
    head = migrate.head_revision(settings)

    assert canopy.json("db", "upgrade") == {"revision": head}
    assert migrate.current_revision(settings) == head
    assert not migrate.pending(settings)
    # Again: nothing to do, same answer; the human form names the revision too.
    assert canopy.ok("db", "upgrade").stdout == f"database at revision {head}\n"


def test_every_command_refuses_an_empty_database_naming_db_upgrade(canopy: Canopy) -> None:
    # Every command goes through the same check; only reading the revision depends on the
    # backend, so PostgreSQL runs a writing and a reading command, not all seven starts.
    _assert_refused(canopy, COMMANDS if canopy.database_url is None else [COMMANDS[0], COMMANDS[4]])


def test_commands_refuse_a_database_one_migration_behind_and_write_nothing(
    canopy: Canopy,
) -> None:
    settings = canopy.settings()
    script = ScriptDirectory.from_config(migrate.alembic_config(settings))
    head = script.get_revision("head")
    assert head is not None
    previous = head.down_revision
    if not isinstance(previous, str):
        pytest.skip("only one migration: an empty database is the only way to be behind")
    migrate.upgrade(settings, previous)

    _assert_refused(canopy, [("org", "create", "--name", "Acme"), ("token", "list")])
    assert canopy.rows("organization") == []
