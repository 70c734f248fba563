"""Requests that download remote files: a budget of their own, spent once per request that
downloads (and only by those), and a cap on how many of a token's downloads run at once,
whose slots come back however the request ends, or by themselves when a worker dies."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, update

from canopy.config import Settings
from canopy.models import DownloadLease
from tests.documents.helpers import DOCUMENTS, Target, document_count, new_target, remote_files
from tests.fixtures.apps import client_for
from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, Reply, pdf
from tests.limits.conftest import Launch, holder, limit_execute, limit_rows

SLOW = Reply(body=pdf("slow"), content_type="application/pdf", chunk_size=64, drip_interval=0.25)
STILL = {"rate_limit_download_refill_per_second": 0.001}


@pytest.fixture
async def target(client: httpx.AsyncClient, build: Builder, admin: Actor) -> Target:
    return await new_target(client, build, admin)


@pytest.fixture(params=["database", "redis"])
def counters(request: pytest.FixtureRequest, settings: Settings) -> dict[str, str]:
    """Where the download slots are counted. SQLite runs one write request at a time (each
    holds the database's write lock to its commit), so two downloads of one token can never
    overlap there: the cap is tested where they can."""
    if settings.is_sqlite:
        pytest.skip("SQLite runs one write request at a time")
    if request.param == "redis":
        redis: dict[str, str] = request.getfixturevalue("redis_settings")
        return redis
    return {}


async def _attach(
    client: httpx.AsyncClient, actor: Actor, target: Target, *urls: str
) -> httpx.Response:
    files = remote_files(*((f"file{i}.pdf", url) for i, url in enumerate(urls)))
    return await client.post(
        DOCUMENTS,
        json={"candidate_reference": target.reference, "remote_file_urls": files},
        headers=actor.headers,
    )


async def _until_requested(remote: RemoteServer, path: str) -> None:
    deadline = time.monotonic() + 10
    while not remote.seen(path):
        assert time.monotonic() < deadline, f"{path} was never requested"
        await asyncio.sleep(0.02)


async def _leases(app: FastAPI, actor: Actor) -> list[dict[str, Any]]:
    return [
        row for row in await limit_rows(app, "download_lease") if row["holder"] == holder(actor)
    ]


async def test_download_budget_answers_429_and_spares_requests_that_download_nothing(
    launch: Launch,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: Any,
) -> None:
    url = remote.file("/resume.pdf", pdf())
    app = await launch(rate_limit_download_capacity=2, **STILL)
    async with client_for(app) as client:
        # One request downloading three files spends one download.
        first = await _attach(client, admin, target, url, url, url)
        second = await _attach(client, admin, target, url)
        refused = await _attach(client, admin, target, url)
        uploaded = await client.post(
            DOCUMENTS,
            data={"candidate_reference": target.reference},
            files=[("files", ("letter.pdf", pdf("upload"), "application/pdf"))],
            headers=admin.headers,
        )

    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert first.headers["x-ratelimit-resource"] == "downloads"
    assert (first.headers["x-ratelimit-limit"], first.headers["x-ratelimit-remaining"]) == (
        "2",
        "1",
    )
    assert second.headers["x-ratelimit-remaining"] == "0"
    retry = refused.headers["retry-after"]
    assert_error(
        refused,
        429,
        "rate_limited",
        f"Too many downloads for this token (a burst of 2, then 0.001 per second): "
        f"retry in {retry} seconds",
    )
    assert 900 <= int(retry) <= 1000
    assert refused.headers["x-ratelimit-resource"] == "downloads"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    # An upload downloads nothing: the general budget only.
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.headers["x-ratelimit-resource"] == "api"
    assert await document_count(maker, target.reference) == 3 + 1 + 1
    assert len(remote.seen("/resume.pdf")) == 4
    assert await _leases(app, admin) == []


async def test_concurrent_downloads_of_a_token_are_capped(
    launch: Launch,
    admin: Actor,
    build: Builder,
    client: httpx.AsyncClient,
    remote: RemoteServer,
    counters: dict[str, str],
) -> None:
    slow, fast = remote.add("/slow.pdf", SLOW), remote.file("/fast.pdf", pdf())
    other = await new_target(client, build, admin)
    colleague = await build.actor(organization=admin.organization)
    busy, free = await new_target(client, build, admin), await new_target(client, build, admin)
    # A one-second lease: the running download must renew it to keep its slot.
    app = await launch(rate_limit_download_concurrency=1, rate_limit_lease_seconds=1, **counters)
    async with client_for(app) as one, client_for(app) as two:
        running = asyncio.create_task(_attach(one, admin, busy, slow))
        await _until_requested(remote, "/slow.pdf")
        await asyncio.sleep(1.5)
        refused = await _attach(two, admin, other, fast)
        elsewhere = await _attach(two, colleague, free, fast)
        assert not running.done()
        finished = await running
        after = await _attach(two, admin, other, fast)

    assert finished.status_code == 201, finished.text
    assert_error(
        refused,
        429,
        "rate_limited",
        "Too many downloads in progress for this token (at most 1 at once): "
        "retry once one has finished",
    )
    assert refused.headers["retry-after"] == "1"
    assert elsewhere.status_code == 201, elsewhere.text  # another token, another cap
    assert after.status_code == 201, after.text
    assert len(remote.seen("/fast.pdf")) == 2


async def test_download_slot_comes_back_after_a_failed_download(
    launch: Launch, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    missing, good = remote.url("/missing.pdf"), remote.file("/good.pdf", pdf())
    app = await launch(rate_limit_download_concurrency=1)
    async with client_for(app) as client:
        failed = await _attach(client, admin, target, missing)
        leases = await _leases(app, admin)
        again = await _attach(client, admin, target, good)

    assert failed.status_code == 400, failed.text
    assert leases == []
    assert again.status_code == 201, again.text


async def test_download_slot_comes_back_when_the_client_goes_away(
    launch: Launch, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    slow, good = remote.add("/slow.pdf", SLOW), remote.file("/good.pdf", pdf())
    app = await launch(rate_limit_download_concurrency=1)
    async with client_for(app) as client:
        abandoned = asyncio.create_task(_attach(client, admin, target, slow))
        await _until_requested(remote, "/slow.pdf")
        assert len(await _leases(app, admin)) == 1
        abandoned.cancel()
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        leases = await _leases(app, admin)
        again = await _attach(client, admin, target, good)

    assert leases == []
    assert again.status_code == 201, again.text


async def test_slot_of_a_worker_that_died_frees_itself(
    launch: Launch, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    good = remote.file("/good.pdf", pdf())
    app = await launch(rate_limit_download_concurrency=1)
    # The slot a dead worker took, its lease not yet run out.
    await limit_execute(
        app,
        insert(DownloadLease).values(
            holder=holder(admin), slot=0, lease_id="dead", expires_at=time.time() + 60
        ),
    )
    async with client_for(app) as client:
        held = await _attach(client, admin, target, good)
        await limit_execute(
            app,
            update(DownloadLease)
            .where(DownloadLease.lease_id == "dead")
            .values(expires_at=time.time() - 1),
        )
        freed = await _attach(client, admin, target, good)

    assert held.status_code == 429
    assert freed.status_code == 201, freed.text
    assert await _leases(app, admin) == []


async def test_slot_of_a_worker_that_died_frees_itself_in_redis(
    launch: Launch,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    redis_settings: dict[str, str],
) -> None:
    good = remote.file("/good.pdf", pdf())
    app = await launch(rate_limit_download_concurrency=1, **redis_settings)
    redis = app.state.limits.limiter.counters.client
    slots = f"{redis_settings['redis_prefix']}slots:{holder(admin)}"
    await redis.zadd(slots, {"dead": time.time() + 60})
    async with client_for(app) as client:
        held = await _attach(client, admin, target, good)
        await redis.zadd(slots, {"dead": time.time() - 1})
        freed = await _attach(client, admin, target, good)

    assert held.status_code == 429
    assert freed.status_code == 201, freed.text
    assert await redis.zcard(slots) == 0


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings that choose where the counters are: the database, or Redis."""
    if request.param == "redis":
        redis: dict[str, str] = request.getfixturevalue("redis_settings")
        return redis
    return {}


async def test_racing_requests_under_the_cap_all_get_a_slot(
    launch: Launch, store: dict[str, str]
) -> None:
    """Eight requests of two workers racing for eight slots: each race one of them loses is
    won by another, so every one of them ends with a slot of its own."""
    one, two = await launch(**store), await launch(**store)
    for attempt in range(10):
        holder_name = f"under-{attempt}-{time.time_ns()}"
        now = time.time()
        tried = [
            app.state.limits.limiter.counters.acquire(holder_name, 8, now, 30)
            for app in [one, two] * 4
        ]

        leases = await asyncio.gather(*tried)

        held = [lease for lease in leases if lease is not None]
        assert len(held) == 8, attempt
        assert len({lease.lease_id for lease in held}) == 8
        if not store:  # the database numbers its slots (Redis keeps a set of leases)
            assert sorted(lease.slot for lease in held) == list(range(8))


async def test_racing_requests_never_get_more_slots_than_the_cap(
    launch: Launch, store: dict[str, str]
) -> None:
    one, two = await launch(**store), await launch(**store)
    holder_name = f"race-{time.time_ns()}"
    now = time.time()
    tried = [
        app.state.limits.limiter.counters.acquire(holder_name, 3, now, 30)
        for app in [one, two] * 10
    ]

    leases = [lease for lease in await asyncio.gather(*tried) if lease is not None]

    assert len(leases) == 3
    await asyncio.gather(*(one.state.limits.limiter.counters.release(lease) for lease in leases))
    assert await one.state.limits.limiter.counters.acquire(holder_name, 3, now, 30) is not None
