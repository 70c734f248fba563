"""The store is bounded in bytes (least recently used out first), never keeps what could fill
it alone, and drops entries whose signed URLs would expire; an app with a tiny store still
answers right."""

from __future__ import annotations

import time
from typing import Any

import httpx

from canopy.cache import Entry, ResponseCache, etag
from canopy.cache.store import ENTRY_OVERHEAD
from tests.cache.helpers import EMBED, ok
from tests.fixtures.apps import Apps, client_for
from tests.fixtures.builders import JOBS, Actor, Builder


def _entry(size: int, **fields: Any) -> Entry:
    body = b"x" * size
    return Entry(body=body, etag=etag(body), **fields)


def test_the_store_evicts_the_least_recently_used_to_stay_within_its_bytes() -> None:
    each = 1000
    store = ResponseCache(max_bytes=4 * (each + ENTRY_OVERHEAD))
    for key in "abcd":
        assert store.put(key, _entry(each))
    assert store.bytes == 4 * (each + ENTRY_OVERHEAD)
    assert store.get("a") is not None  # "a" is now the most recently used
    store.put("e", _entry(each))

    assert store.get("b") is None  # the least recently used went first
    assert [k for k in "acde" if store.get(k) is not None] == list("acde")
    assert store.bytes <= store.max_bytes
    assert store.stats.evictions == 1


def test_the_store_keeps_no_entry_that_would_take_more_than_a_quarter_of_it() -> None:
    store = ResponseCache(max_bytes=10_000)
    assert not store.put("big", _entry(3000))
    assert store.get("big") is None
    assert store.bytes == 0
    assert not ResponseCache(0).put("any", _entry(1))


def test_replacing_an_entry_counts_its_bytes_once() -> None:
    store = ResponseCache(max_bytes=100_000)
    store.put("k", _entry(1000))
    store.put("k", _entry(2000))
    assert store.bytes == 2000 + ENTRY_OVERHEAD
    assert len(store) == 1


def test_an_entry_past_its_expiry_is_never_served() -> None:
    store = ResponseCache(max_bytes=100_000)
    store.put("old", _entry(10, expires=time.monotonic() - 1))
    store.put("new", _entry(10, expires=time.monotonic() + 60))
    assert store.get("old") is None
    assert store.get("new") is not None
    assert store.bytes == 10 + ENTRY_OVERHEAD


async def test_an_app_with_a_tiny_store_answers_right(
    apps: Apps, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    # About 2 kB a job: ten of them do not fit; the embed (more than a quarter) is never kept.
    tiny = await apps.get(response_cache_bytes=10 * 1024)
    jobs = [await build.job(client, admin, name=f"Job {n}", status="published") for n in range(10)]
    async with client_for(tiny) as small:
        for _ in range(2):
            for job in jobs:
                got = await ok(small.get(f"{JOBS}/{job['reference']}", headers=admin.headers))
                assert got.json()["name"] == job["name"]
            embed = await ok(small.get(EMBED, params={"organization_reference": admin.org}))
            assert len(embed.json()["jobs"]) == 11  # with the spontaneous job
        await ok(
            small.put(
                f"{JOBS}/{jobs[0]['reference']}", json={"name": "Renamed"}, headers=admin.headers
            )
        )
        got = await ok(small.get(f"{JOBS}/{jobs[0]['reference']}", headers=admin.headers))
        assert got.json()["name"] == "Renamed"
    store: ResponseCache = tiny.state.response_cache
    assert 0 < store.bytes <= 10 * 1024
    assert store.stats.evictions > 0
