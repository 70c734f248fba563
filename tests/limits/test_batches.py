"""A worker counts most requests of a token from units it claimed from the shared bucket in a
batch: across workers no more requests are admitted than the bucket holds, units held still
count when the bucket refills, and they go back when idle, at shutdown, or by themselves once
the token is quiet when the worker that held them died."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from canopy.config import Settings
from canopy.limits.direct import SQLiteCounters
from canopy.limits.redis import RedisCounters
from canopy.limits.service import Limits
from canopy.limits.store import QUIET_SECONDS, Change, DatabaseCounters, side_file_url
from canopy.models import RateLimitBucket
from tests.fixtures.apps import client_for
from tests.fixtures.builders import Actor, Builder
from tests.limits.conftest import Launch, bucket, holder, limit_execute, started

DEPARTMENTS = "/api/v1/external/departments"
# A bucket that does not refill within a test, claimed 4 units at a time when full (64 / 16).
ROOMY = {"rate_limit_capacity": 64, "rate_limit_refill_per_second": 0.001}


@pytest.fixture(params=["database", "redis"])
def where(request: pytest.FixtureRequest) -> dict[str, str]:
    """Where the buckets are kept: the database (the side file on SQLite), or Redis."""
    if request.param == "redis":
        redis: dict[str, str] = request.getfixturevalue("redis_settings")
        return redis
    return {}


async def _list(client: httpx.AsyncClient, actor: Actor) -> httpx.Response:
    return await client.get(
        DEPARTMENTS, params={"organization_reference": actor.org}, headers=actor.headers
    )


def _remaining(responses: list[httpx.Response]) -> list[int]:
    return [int(r.headers["x-ratelimit-remaining"]) for r in responses]


async def test_a_worker_claims_a_batch_and_counts_the_next_requests_itself(
    launch: Launch, admin: Actor, where: dict[str, str]
) -> None:
    app = await launch(**ROOMY, **where)
    async with client_for(app) as client:
        first = await _list(client, admin)
        claimed = await bucket(app, admin)
        spent_here = [await _list(client, admin) for _ in range(3)]
        untouched = await bucket(app, admin)
        next_claim = await _list(client, admin)
        claimed_again = await bucket(app, admin)

    assert [r.status_code for r in [first, *spent_here, next_claim]] == [200] * 5
    # Four units taken, one spent, three lent to the worker…
    assert claimed == pytest.approx((60, 3), abs=0.01)
    # … which the next three requests spend without a write.
    assert untouched == claimed
    assert _remaining([first, *spent_here, next_claim]) == [63, 62, 61, 60, 59]
    # The next claim reports them spent: 60 // 16 = 3 taken, two of them lent.
    assert claimed_again == pytest.approx((57, 2), abs=0.01)


async def test_two_workers_admit_exactly_the_capacity_between_them(
    launch: Launch, admin: Actor, where: dict[str, str]
) -> None:
    # Batches of 16 when the bucket is full, one unit at a time once it holds under 32.
    budget = {"rate_limit_capacity": 256, "rate_limit_refill_per_second": 0.001, **where}
    one, two = await launch(**budget), await launch(**budget)
    async with client_for(one) as first, client_for(two) as second:
        answers: list[httpx.Response] = []
        for _ in range(3):
            answers += await asyncio.gather(*(_list(c, admin) for c in [first, second] * 60))
        last = [await _list(c, admin) for c in (first, second)]

    statuses = [r.status_code for r in answers]
    assert statuses.count(200) == 256
    assert statuses.count(429) == 3 * 120 - 256
    assert [r.status_code for r in last] == [429, 429]
    for response in [*answers, *last]:
        assert response.headers["x-ratelimit-limit"] == "256"
        assert 0 <= int(response.headers["x-ratelimit-remaining"]) < 256
        if response.status_code == 429:
            assert response.headers["x-ratelimit-remaining"] == "0"
            assert int(response.headers["retry-after"]) > 900


async def test_units_a_worker_holds_still_count_when_the_bucket_refills(
    launch: Launch, admin: Actor, where: dict[str, str]
) -> None:
    fast = {"rate_limit_capacity": 64, "rate_limit_refill_per_second": 100.0, **where}
    one, two = await launch(**fast), await launch(**fast)
    async with client_for(one) as first, client_for(two) as second:
        assert (await _list(first, admin)).status_code == 200  # one spent, three held
        await asyncio.sleep(0.3)  # refilled by 30 units: full again
        assert (await _list(second, admin)).status_code == 200  # one spent, two held
        state = await bucket(two, admin)

    assert state is not None
    tokens, lent = state
    # Full, less what was spent since it was (the second request's unit): the units the
    # first worker holds were not refilled under it, so both workers together can spend
    # no more than a full bucket.
    assert tokens + lent == pytest.approx(63, abs=0.01)
    assert lent >= 2


async def test_units_a_worker_does_not_use_go_back_after_a_second(
    launch: Launch, admin: Actor, where: dict[str, str]
) -> None:
    app = await launch(**ROOMY, **where)
    async with client_for(app) as client:
        first = await _list(client, admin)
        assert await bucket(app, admin) == pytest.approx((60, 3), abs=0.01)
        deadline = time.monotonic() + 5
        while (state := await bucket(app, admin)) is not None and state[1] > 0:
            assert time.monotonic() < deadline, f"units never given back: {state}"
            await asyncio.sleep(0.1)

    assert first.status_code == 200
    assert state == pytest.approx((63, 0), abs=0.01)


async def test_a_stopping_worker_gives_its_units_back(
    settings: Settings, launch: Launch, admin: Actor, where: dict[str, str]
) -> None:
    async with started(settings, **ROOMY, **where) as stopping, client_for(stopping) as client:
        assert (await _list(client, admin)).status_code == 200
        assert await bucket(stopping, admin) == pytest.approx((60, 3), abs=0.01)
    other = await launch(**ROOMY, **where)

    assert await bucket(other, admin) == pytest.approx((63, 0), abs=0.01)


async def test_units_of_a_worker_that_died_come_back_once_the_token_is_quiet(
    launch: Launch, admin: Actor, build: Builder, where: dict[str, str]
) -> None:
    colleague = await build.actor(organization=admin.organization)
    app = await launch(rate_limit_capacity=64, rate_limit_refill_per_second=100.0, **where)
    now = time.time()
    # Two buckets a worker left 14 units lent from, refilled as far as they could be: one
    # untouched for longer than QUIET_SECONDS, one still busy.
    for actor, stamp in ((admin, now - QUIET_SECONDS - 1), (colleague, now - 1)):
        key = f"api:{holder(actor)}"
        counters = app.state.limits.limiter.counters
        if isinstance(counters, RedisCounters):
            await counters.client.hset(
                f"{counters.prefix}bucket:{key}",
                mapping={"tokens": "50", "stamp": repr(stamp), "lent": "14"},
            )
        else:
            await limit_execute(
                app,
                insert(RateLimitBucket).values(
                    key=key, tokens=50.0, stamp=stamp, lent=14.0, refused=False
                ),
            )
    async with client_for(app) as client:
        quiet = await _list(client, admin)
        busy = await _list(client, colleague)

    assert quiet.headers["x-ratelimit-remaining"] == "63"  # all 64 back, one spent
    assert busy.headers["x-ratelimit-remaining"] == "49"  # the 14 still out, one spent


async def test_a_side_file_made_before_lent_units_were_counted_gets_the_column(
    tmp_path: Path,
) -> None:
    main = tmp_path / "canopy.db"
    side = tmp_path / "canopy-limits.db"
    with closing(sqlite3.connect(side)) as connection:
        connection.execute(
            "CREATE TABLE rate_limit_bucket (key VARCHAR(80) PRIMARY KEY, tokens FLOAT NOT NULL, "
            "stamp FLOAT NOT NULL, refused BOOLEAN NOT NULL)"
        )
        connection.execute("INSERT INTO rate_limit_bucket VALUES ('api:old', 3.0, 1.0, 0)")
        connection.commit()
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{main}")
    limits = await Limits.open(settings)
    try:
        taken = await limits.limiter.counters.apply("api:old", 5, 1.0, Change(2, 1), time.time())
    finally:
        await limits.aclose()

    assert taken == (True, pytest.approx(3.0))  # refilled to 5, two taken
    with closing(sqlite3.connect(side)) as connection:
        row = connection.execute("SELECT tokens, lent FROM rate_limit_bucket").fetchone()
    assert row == (pytest.approx(3.0), 1.0)


async def test_the_engine_and_the_driver_run_the_same_bucket_statement(
    launch: Launch, admin: Actor
) -> None:
    app = await launch()
    limits: Limits = app.state.limits
    direct = limits.limiter.counters  # straight to the driver (canopy.limits.direct)
    engine = DatabaseCounters(limits.engine)  # through SQLAlchemy, for other drivers
    now = time.time()
    answers: dict[str, list[tuple[bool, float]]] = {"direct": [], "engine": []}
    for name, counters in (("direct", direct), ("engine", engine)):
        key = f"api:{name}-{holder(admin)}"
        for second, change in enumerate(
            [Change(4, 3), Change(1, spent=3), Change(0, back=2), Change(100, 99)]
        ):
            answers[name].append(await counters.apply(key, 64, 0.001, change, now + second))

    assert answers["direct"] == [
        (True, pytest.approx(60)),  # four taken, three lent
        (True, pytest.approx(59.001)),  # the three reported spent, refilled, one taken
        (True, pytest.approx(61.002)),  # two given back, within the capacity
        (False, pytest.approx(61.003)),  # more than it holds: nothing taken
    ]
    assert answers["engine"] == answers["direct"]


async def test_a_token_whose_requests_wait_for_a_claim_gets_its_next_batch_claimed_ahead(
    launch: Launch, admin: Actor, where: dict[str, str], settings: Settings
) -> None:
    if settings.is_sqlite and not where:
        pytest.skip("claims on the SQLite side file run on the event loop: none is waited for")
    # Claims of 16 (the batch; 1024 // 16 is more).
    app = await launch(rate_limit_capacity=1024, rate_limit_refill_per_second=0.001, **where)
    async with client_for(app) as client:
        # 24 at once: one request claims 16 and the others wait for it. The token has been
        # waited for: from now on its next batch is claimed while the current one is spent.
        burst = await asyncio.gather(*(_list(client, admin) for _ in range(24)))
        await asyncio.sleep(0.2)
        after_burst = await bucket(app, admin)
        # One at a time, past several batches: every change to the bucket is a claim ahead.
        steps: list[httpx.Response] = []
        changes: list[tuple[float, float]] = []
        for _ in range(40):
            steps.append(await _list(client, admin))
            await asyncio.sleep(0.02)  # the claim ahead, if one went out, lands
            steps_bucket = await bucket(app, admin)
            assert steps_bucket is not None
            changes.append(steps_bucket)

    assert [r.status_code for r in [*burst, *steps]] == [200] * 64
    assert after_burst is not None
    # Without claiming ahead: two claims of 16 for the burst, the bucket at 992.
    assert after_burst[0] <= 976 + 0.1
    seen = [after_burst, *changes]
    deltas = {(round(b[0] - a[0]), round(b[1] - a[1])) for a, b in pairwise(seen)}
    # A claim ahead takes 16 and lends all 16, reporting nothing; a claim made by a waiting
    # request would lend 15 and report what was spent.
    assert deltas <= {(0, 0), (-16, 16)}
    assert (-16, 16) in deltas
    remaining = _remaining(steps)
    assert remaining == list(range(remaining[0], remaining[0] - 40, -1))


async def test_a_count_on_a_locked_side_file_waits_in_its_thread_not_on_the_loop(
    launch: Launch, settings: Settings
) -> None:
    """On SQLite a change to a bucket runs on the event loop's thread, without waiting for a
    lock there: when another worker holds the side file, it waits in the counters' thread,
    and the loop goes on."""
    if not settings.is_sqlite:
        pytest.skip("the side file is SQLite's")
    app = await launch(rate_limit_capacity=10, rate_limit_refill_per_second=0.001)
    counters = app.state.limits.limiter.counters
    assert isinstance(counters, SQLiteCounters)
    path = make_url(side_file_url(app.state.settings)).database
    assert path is not None
    key = f"api:locked-{time.time_ns()}"
    assert await counters.apply(key, 10, 0.001, Change(), time.time()) == (True, 9)

    with closing(sqlite3.connect(path, isolation_level=None)) as other_worker:
        other_worker.execute("BEGIN IMMEDIATE")
        counting = asyncio.create_task(counters.apply(key, 10, 0.001, Change(), time.time()))
        await asyncio.sleep(0.3)  # the loop is free meanwhile
        assert not counting.done()
        other_worker.execute("ROLLBACK")
        allowed, tokens = await asyncio.wait_for(counting, 30)

    assert allowed
    assert tokens == pytest.approx(8, abs=0.01)
