"""The installed ``canopy`` executable, started from a new interpreter, and the forked commands
the rest of the suite runs (tests/fixtures/processes.py): both must answer alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from canopy import migrate
from tests.fixtures.processes import Canopy

pytestmark = pytest.mark.slow


@pytest.fixture
def installation(tmp_path: Path) -> Canopy:
    """A SQLite installation at head: what is checked here is how a command starts, which
    does not depend on the database."""
    canopy = Canopy(tmp_path / "var")
    migrate.upgrade(canopy.settings())
    (canopy.var_dir / "files").mkdir()
    return canopy


def test_the_executable_runs_each_kind_of_command_from_a_new_interpreter(
    installation: Canopy,
) -> None:
    # A command imports what it needs when it runs: a fork of a process that has imported
    # everything would not notice an import that fails in a new interpreter.
    results = [
        installation.run(*args, fresh=True)
        for args in [
            ("--help",),
            ("db", "upgrade", "--json"),
            ("user", "create", "--email", "ada@example.com", "--name", "Ada", "--json"),
            ("org", "create", "--name", "Acme", "--json"),
            ("token", "list", "--json"),
            ("storage", "check", "--json"),
        ]
    ]

    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    assert "Usage: canopy" in results[0].stdout
    assert "token" in results[0].stdout
    assert results[1].stdout.startswith('{"revision"')
    assert '"ada@example.com"' in results[2].stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--help",), id="help"),
        pytest.param(("token", "create", "--user", "nobody@example.com"), id="usage-error"),
        pytest.param(
            ("token", "create", "--user", "nobody@example.com", "--scopes", "all"),
            id="refused",
        ),
        pytest.param(("token", "list", "--json"), id="json"),
        pytest.param(("member", "add", "--role", "boss"), id="bad-choice"),
    ],
)
def test_a_forked_command_answers_exactly_as_the_executable(
    installation: Canopy, args: tuple[str, ...]
) -> None:
    forked = installation.run(*args)
    fresh = installation.run(*args, fresh=True)

    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode,
        fresh.stdout,
        fresh.stderr,
    )


def test_a_forked_command_sees_only_the_environment_it_is_given(installation: Canopy) -> None:
    # The installation's settings, and one changed for this command alone.
    bad = {"CANOPY_TIMEZONE": "Nowhere/Atlantis"}
    forked = installation.run("token", "list", env=bad)
    fresh = installation.run("token", "list", env=bad, fresh=True)

    assert forked.returncode == fresh.returncode == 1
    assert "Nowhere/Atlantis" in forked.stderr
    assert forked.stderr == fresh.stderr
    assert installation.run("token", "list").returncode == 0
