"""The command line as a user runs it: ``canopy`` in a subprocess, on a fresh SQLite var
folder or a fresh PostgreSQL database per test, with the API called in-process on the same
database to check what the commands did."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from canopy import migrate
from canopy.main import create_app
from tests.fixtures import databases
from tests.fixtures.processes import Account, Canopy


@pytest.fixture(params=databases.backends())
def canopy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Canopy]:
    """An installation whose database is empty: not even migrated."""
    var_dir = tmp_path / "var"  # not created: the commands must create it
    if request.param == "sqlite":
        yield Canopy(var_dir)
        return
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip("PostgreSQL is not reachable")
    with databases.postgres_database() as url:
        yield Canopy(var_dir, database_url=url)


@pytest.fixture
def migrated(canopy: Canopy) -> Canopy:
    """The installation with its schema at head (in-process: `canopy db upgrade` has its own
    tests, and each command start costs a second)."""
    migrate.upgrade(canopy.settings())
    return canopy


@pytest.fixture
async def api(migrated: Canopy) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the installation's database."""
    application = create_app(migrated.settings())
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
def member(migrated: Canopy) -> Account:
    """An admin of an organisation, made in-process: `org create`, `user create` and
    `member add` have their own tests, and each command start costs a second."""
    return migrated.seed()
