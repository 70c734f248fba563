"""Per-token rate limits: every authenticated answer says where the token stands, a spent
budget answers 429 with Retry-After, the budget refills with time, and every worker (apps on
one database, or on one Redis) counts against the same budget."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from canopy.auth import CurrentPrincipal
from canopy.limits.redis import RedisCounters
from tests.fixtures.apps import client_for
from tests.fixtures.assertions import error
from tests.fixtures.builders import Actor, Builder
from tests.limits.conftest import Launch, holder, limit_rows

DEPARTMENTS = "/api/v1/external/departments"
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
# A budget that does not refill within a test.
STILL = {"rate_limit_refill_per_second": 0.001}


async def _list(client: httpx.AsyncClient, actor: Actor) -> httpx.Response:
    return await client.get(
        DEPARTMENTS, params={"organization_reference": actor.org}, headers=actor.headers
    )


def _figures(response: httpx.Response) -> tuple[int, int, int]:
    return tuple(int(response.headers[name]) for name in RATE_HEADERS)  # type: ignore[return-value]


async def test_every_authenticated_answer_carries_the_rate_limit_headers(
    launch: Launch, admin: Actor
) -> None:
    app = await launch(rate_limit_capacity=5, **STILL)
    async with client_for(app) as client:
        ok = await _list(client, admin)
        missing = await client.get("/api/v1/external/jobs/WTTJ_nothere", headers=admin.headers)
        refused = await client.get(DEPARTMENTS, headers=admin.headers)  # no organization
        not_allowed = await client.delete(DEPARTMENTS, headers=admin.headers)

    before = time.time()
    assert ok.status_code == 200
    limit, remaining, reset = _figures(ok)
    assert (limit, remaining) == (5, 4)
    # Full again once the one request spent has come back, at 0.001 per second.
    assert before + 900 <= reset <= before + 1001
    assert ok.headers["x-ratelimit-resource"] == "api"
    assert "retry-after" not in ok.headers
    assert missing.status_code == 404
    assert _figures(missing)[:2] == (5, 3)
    assert refused.status_code == 400
    assert _figures(refused)[:2] == (5, 2)
    assert not_allowed.status_code == 405  # the router refuses it before any token is read
    assert not set(RATE_HEADERS) & set(not_allowed.headers)


async def test_unauthenticated_requests_are_not_counted(launch: Launch, admin: Actor) -> None:
    app = await launch(rate_limit_capacity=1, **STILL)
    async with client_for(app) as client:
        no_token = await client.get(DEPARTMENTS)
        bad_token = await client.get(DEPARTMENTS, headers={"Authorization": "Bearer cnp_nope"})
        embed = await client.get("/api/v1/embed", params={"organization_reference": admin.org})
        health = await client.get("/healthz")
        counted = await _list(client, admin)

    for response in (no_token, bad_token):
        assert response.status_code == 401
        assert not set(RATE_HEADERS) & set(response.headers)
    for response in (embed, health):
        assert response.status_code == 200, response.text
        assert not set(RATE_HEADERS) & set(response.headers)
    assert counted.status_code == 200
    assert _figures(counted)[:2] == (1, 0)


async def test_spent_budget_answers_429_with_retry_after(launch: Launch, admin: Actor) -> None:
    app = await launch(rate_limit_capacity=3, rate_limit_refill_per_second=0.01)
    async with client_for(app) as client:
        answers = [await _list(client, admin) for _ in range(3)]
        refused = await _list(client, admin)
        write = await client.post(
            DEPARTMENTS,
            json={"organization_reference": admin.org, "name": "Ops"},
            headers=admin.headers,
        )

    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [_figures(r)[1] for r in answers] == [2, 1, 0]
    assert refused.status_code == 429
    assert refused.json() == error(
        "rate_limited",
        f"Too many requests for this token (a burst of 3, then 0.01 per second): retry in "
        f"{refused.headers['retry-after']} seconds",
    )
    # One request comes back every 100 seconds; a little of it is already there.
    assert 90 <= int(refused.headers["retry-after"]) <= 100
    limit, remaining, reset = _figures(refused)
    assert (limit, remaining) == (3, 0)
    assert reset >= time.time() + 290
    assert refused.headers["content-type"] == "application/json"
    # Writes are refused alike, and the refused one did nothing.
    assert write.status_code == 429
    assert write.json()["error"] == "rate_limited"


async def test_budget_refills_over_time(launch: Launch, admin: Actor) -> None:
    app = await launch(rate_limit_capacity=2, rate_limit_refill_per_second=4.0)
    async with client_for(app) as client:
        answers = [await _list(client, admin) for _ in range(3)]
        refused = next(r for r in answers if r.status_code == 429)
        assert refused.headers["retry-after"] == "1"  # a quarter of a second, rounded up
        await asyncio.sleep(0.3)
        again = await _list(client, admin)
        await asyncio.sleep(0.6)
        full = await _list(client, admin)

    assert [r.status_code for r in answers] == [200, 200, 429]
    assert again.status_code == 200
    assert again.headers["x-ratelimit-remaining"] == "0"
    assert full.status_code == 200
    assert full.headers["x-ratelimit-remaining"] == "1"  # refilled to 2, one spent


async def test_each_token_has_its_own_budget(launch: Launch, admin: Actor, build: Builder) -> None:
    colleague = await build.actor(organization=admin.organization)
    app = await launch(rate_limit_capacity=1, **STILL)
    async with client_for(app) as client:
        first = await _list(client, admin)
        refused = await _list(client, admin)
        other = await _list(client, colleague)

    assert (first.status_code, refused.status_code, other.status_code) == (200, 429, 200)


async def test_two_apps_on_one_database_share_the_budget(launch: Launch, admin: Actor) -> None:
    tight = {"rate_limit_capacity": 4, **STILL}
    one, two = await launch(**tight), await launch(**tight)
    async with client_for(one) as first, client_for(two) as second:
        answers = [await _list(client, admin) for client in (first, second, first, second, first)]

    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["3", "2", "1", "0", "0"]
    [bucket] = [
        row
        for row in await limit_rows(one, "rate_limit_bucket")
        if row["key"] == f"api:{holder(admin)}"
    ]
    assert bucket["tokens"] < 1


async def test_two_apps_on_one_redis_share_the_budget(
    launch: Launch, admin: Actor, redis_settings: dict[str, str]
) -> None:
    tight = {"rate_limit_capacity": 4, **STILL, **redis_settings}
    one, two = await launch(**tight), await launch(**tight)
    async with client_for(one) as first, client_for(two) as second:
        answers = [await _list(client, admin) for client in (first, second, first, second, first)]

    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["3", "2", "1", "0", "0"]
    redis = one.state.limits.limiter.counters.client
    prefix = redis_settings["redis_prefix"]
    assert await redis.exists(f"{prefix}bucket:api:{holder(admin)}") == 1
    # Nothing counted in the database.
    rows = await limit_rows(one, "rate_limit_bucket")
    assert not [row for row in rows if row["key"].endswith(holder(admin))]


async def test_unreachable_redis_lets_requests_through(
    launch: Launch, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    app = await launch(rate_limit_capacity=1, redis_url="redis://127.0.0.1:9/0", **STILL)
    async with client_for(app) as client:
        answers = [await _list(client, admin) for _ in range(2)]

    assert [r.status_code for r in answers] == [200, 200]
    assert not set(RATE_HEADERS) & set(answers[0].headers)
    assert "rate limit counters unreachable: let through" in caplog.text


async def test_a_redis_that_never_answers_lets_requests_through_after_the_timeout(
    launch: Launch, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts the connection, reads the commands, answers nothing
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        app = await launch(
            rate_limit_capacity=1,
            redis_url=f"redis://127.0.0.1:{port}/0",
            redis_timeout=0.2,
            **STILL,
        )
        counters = app.state.limits.limiter.counters
        assert isinstance(counters, RedisCounters)
        options = counters.client.connection_pool.connection_kwargs
        assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.2
        async with client_for(app) as client:
            answers = [await _list(client, admin) for _ in range(2)]
    finally:
        server.close()

    assert [r.status_code for r in answers] == [200, 200]
    assert not set(RATE_HEADERS) & set(answers[0].headers)
    assert "rate limit counters unreachable: let through" in caplog.text


async def test_zero_capacity_turns_the_limit_off(launch: Launch, admin: Actor) -> None:
    app = await launch(rate_limit_capacity=0)
    async with client_for(app) as client:
        response = await _list(client, admin)

    assert response.status_code == 200
    assert not set(RATE_HEADERS) & set(response.headers)


async def test_an_internal_error_still_carries_the_rate_limit_headers(
    launch: Launch, admin: Actor
) -> None:
    app = await launch(rate_limit_capacity=5, **STILL)

    async def explode(principal: CurrentPrincipal) -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/v1/external/explode", explode, methods=["POST"])
    async with client_for(app) as client:
        response = await client.post("/api/v1/external/explode", headers=admin.headers)

    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert _figures(response)[:2] == (5, 4)


async def test_write_requests_on_two_apps_do_not_wait_on_each_other_to_be_counted(
    launch: Launch, admin: Actor
) -> None:
    # Many writes at once across two workers: each is counted in its own short transaction,
    # outside the one its request holds, so none waits for another (or for itself).
    tight = {"rate_limit_capacity": 40, **STILL}
    one, two = await launch(**tight), await launch(**tight)
    async with client_for(one) as first, client_for(two) as second:
        answers = await asyncio.gather(
            *(
                client.post(
                    DEPARTMENTS,
                    json={"organization_reference": admin.org, "name": f"Team {i}"},
                    headers=admin.headers,
                )
                for i, client in enumerate([first, second] * 10)
            )
        )

    assert sorted(r.status_code for r in answers) == [201] * 20
    remaining = sorted(int(r.headers["x-ratelimit-remaining"]) for r in answers)
    assert remaining == list(range(20, 40))
