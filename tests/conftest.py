"""Fixtures: the app on a real SQLite file and on a real PostgreSQL database, built by the
migrations, called through httpx; rows are cleared after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy import migrate
from canopy.config import Settings
from canopy.main import create_app
from canopy.models import Base
from tests.fixtures import databases
from tests.fixtures.builders import Actor, Builder

pytest_plugins = [
    "tests.fixtures.remote",
    "tests.fixtures.s3",
    "tests.fixtures.apps",
    "tests.fixtures.smtp",
]


@pytest.fixture(scope="session", params=databases.backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    backend: str = request.param
    if backend == "sqlite":
        yield databases.sqlite_url(tmp_path_factory.mktemp("sqlite"))
        return
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip("PostgreSQL is not reachable")
    with databases.postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(
        env="test",
        database_url=database_url,
        var_dir=tmp_path_factory.mktemp("var"),
        secret_key="test-secret-key-0123456789abcdefghijklmnop",
        public_base_url="http://testserver",
        # The remote files the tests serve live on 127.0.0.1, on ports the system picks (never
        # below 1024, so a privileged port stays refused there: tests/files/test_fetch_hardening).
        fetch_allowed_networks="127.0.0.0/8",
        fetch_allowed_ports="1024-65535",
        # Small pools: two test processes, the apps some tests start beside this one and the
        # servers of the command-line tests share one PostgreSQL server's connections.
        database_pool_size=4,
        database_max_overflow=2,
        database_lookup_pool_size=1,
        # Generous limits: the suite goes through the limiter on every request without ever
        # meeting it; tests/limits sets tight ones.
        rate_limit_capacity=1_000_000,
        rate_limit_refill_per_second=10_000.0,
        rate_limit_download_capacity=1_000_000,
        rate_limit_download_refill_per_second=10_000.0,
        rate_limit_download_concurrency=1000,
        # The limits' racing tests open a hundred Redis connections at once on a busy event
        # loop; production's 1 s would let some requests through uncounted there.
        redis_timeout=10.0,
    )
    migrate.upgrade(settings)
    return settings


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[object]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def maker(app: object) -> async_sessionmaker[AsyncSession]:
    result: async_sessionmaker[AsyncSession] = app.state.write_sessionmaker  # type: ignore[attr-defined]
    return result


@pytest.fixture(autouse=True)
async def _clean_rows(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    # One DELETE per table on PostgreSQL too, not one TRUNCATE of them all: the tables hold a
    # few rows each, and TRUNCATE gives every table and index new files, measured at 0.4-0.8 s
    # a test against 0.01-0.05 s for the DELETEs (tests/jobs took 30 % longer). DELETE also
    # fires the row triggers that move cache_version on, as any write in production does.
    async with application.state.write_sessionmaker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def build(maker: async_sessionmaker[AsyncSession]) -> Builder:
    return Builder(maker)


@pytest.fixture
async def admin(build: Builder) -> Actor:
    """An admin of a fresh organisation, with a token holding every scope."""
    return await build.actor()


@pytest.fixture
async def outsider(build: Builder) -> Actor:
    """An admin of another organisation, with every scope."""
    return await build.actor()


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
