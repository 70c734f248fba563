"""The limits' tests: apps started with tight limits on the suite's database (two of them when
a test needs two workers), Redis under a key prefix of the test's own, and the limits' rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text

from canopy.auth import token_digest
from canopy.config import Settings
from canopy.limits.redis import RedisCounters
from canopy.limits.service import SCOPE_LENGTH, Limits
from canopy.main import create_app
from tests.fixtures import databases
from tests.fixtures.builders import Actor

REDIS_URL = os.environ.get("CANOPY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

Launch = Callable[..., Awaitable[FastAPI]]


@asynccontextmanager
async def started(settings: Settings, **changes: Any) -> AsyncIterator[FastAPI]:
    """An app on ``settings`` with some of them changed, running until the block ends."""
    app = create_app(Settings(**{**settings.model_dump(), **changes}))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def launch(settings: Settings) -> AsyncIterator[Launch]:
    """Start a new app on the suite's database with some settings changed; each call is a new
    app (a worker of its own), stopped after the test.

    The suite's own app is another worker on the same buckets, with a budget of a million: a
    token it has just used has units lent to it (``canopy.limits.claims``), which a tight
    budget here counts as out until they come back, a second later. Tests of exact counts use
    tokens the suite's app has not used (the builder's actors, before any request)."""
    async with AsyncExitStack() as stack:

        async def start(**changes: Any) -> FastAPI:
            return await stack.enter_async_context(started(settings, **changes))

        yield start


@pytest.fixture
async def redis_settings() -> AsyncIterator[dict[str, str]]:
    """The settings that put the counters in Redis, under a prefix of this test's own, whose
    keys are deleted afterwards."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError):
        await client.aclose()
        if databases.postgres_required():
            pytest.fail("Redis is required in CI but is not reachable")
        pytest.skip("Redis is not reachable")
    prefix = f"canopy-test:{uuid.uuid4().hex}:"
    try:
        yield {"redis_url": REDIS_URL, "redis_prefix": prefix}
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def holder(actor: Actor) -> str:
    """What the limits call the actor's token: the start of its digest."""
    return token_digest(actor.token)[:SCOPE_LENGTH]


async def limit_rows(app: FastAPI, table: str) -> list[dict[str, Any]]:
    """Every row of one of the limits' tables, where the app keeps them."""
    limits: Limits = app.state.limits
    async with limits.engine.begin() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
        return [dict(row) for row in result.mappings()]


async def bucket(app: FastAPI, actor: Actor) -> tuple[float, float] | None:
    """The actor's api bucket where the app keeps it, Redis or the database: its tokens and
    the units lent to workers, as of its last change (not refilled since); None when absent."""
    limits: Limits = app.state.limits
    key = f"api:{holder(actor)}"
    counters = limits.limiter.counters
    if isinstance(counters, RedisCounters):
        tokens, lent = await counters.client.hmget(
            f"{counters.prefix}bucket:{key}", "tokens", "lent"
        )
        return None if tokens is None else (float(tokens), float(lent or 0))
    for row in await limit_rows(app, "rate_limit_bucket"):
        if row["key"] == key:
            return float(row["tokens"]), float(row["lent"])
    return None


async def limit_execute(app: FastAPI, statement: Any) -> None:
    limits: Limits = app.state.limits
    async with limits.engine.begin() as connection:
        await connection.execute(statement)
