"""A page of jobs costs a fixed number of SQL statements, whatever its size and flags.

Counted on an app that keeps no responses (``response_cache_bytes=0``): every request renders.
The token and its memberships are one statement of the bare driver (``canopy.rawdb``), outside
the engine these counts watch; so are the cache versions."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.fixtures.apps import Apps, client_for
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.queries import count_queries
from tests.jobs.helpers import ALL, ALL_FLAGS, JOBS


async def _add_rich_jobs(
    client: httpx.AsyncClient, actor: Actor, build: Builder, count: int
) -> None:
    """``count`` jobs, each on two sites, in two offices, with candidates in two stages."""
    paris = await build.office(client, actor)
    lyon = await build.office(client, actor, name="Lyon", city="Lyon")
    # Concurrently, to keep the test fast; the jobs' order does not matter here.
    await asyncio.gather(
        *(
            build.job(
                client,
                actor,
                name=f"Job {n}",
                cms_sites_references="wttj_fr,smgo_fr",
                offices=[{"id": paris["id"]}, {"id": lyon["id"]}],
            )
            for n in range(count)
        )
    )
    listed = await client.get(
        JOBS,
        params={"organization_reference": actor.org, "stages": "true"},
        headers=actor.headers,
    )
    for job in listed.json():
        first, second = (stage["id"] for stage in job["stages"][:2])
        await build.candidates(job["reference"], [first, first, second])


async def _count(
    app: Any, client: httpx.AsyncClient, actor: Actor, url: str, params: dict[str, str]
) -> int:
    with count_queries(app) as statements:
        response = await client.get(url, params=params, headers=actor.headers)
    assert response.status_code == 200, response.text
    return len(statements)


async def test_list_page_costs_the_same_queries_for_1_and_30_jobs(
    apps: Apps, client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    app = await apps.get(response_cache_bytes=0)
    params = {"organization_reference": outsider.org, **ALL_FLAGS}
    async with client_for(app) as uncached:
        # Warm up: the token's first use records its last_used_at, a write of its own.
        await uncached.get(JOBS, params=params, headers=outsider.headers)
        await uncached.get(ALL, params=ALL_FLAGS, headers=admin.headers)

        one_job = await _count(app, uncached, outsider, JOBS, params)  # the spontaneous job
        one_job_all = await _count(app, uncached, admin, ALL, ALL_FLAGS)
        await _add_rich_jobs(client, outsider, build, 29)
        thirty_jobs = await _count(app, uncached, outsider, JOBS, params)
        many_jobs_all = await _count(app, uncached, admin, ALL, ALL_FLAGS)
        per_page_five = await _count(app, uncached, outsider, JOBS, {**params, "per_page": "5"})
        no_flags = await _count(
            app, uncached, outsider, JOBS, {"organization_reference": outsider.org}
        )

    # 6: organisation, count, jobs (organisation and office joined), then one each for
    # stages, websites and job offices (office joined). candidates_count reads counters kept
    # on the job and stage rows: no query of its own.
    assert one_job == thirty_jobs == per_page_five == 6
    # 5 for /jobs/all: the same without the organisation lookup.
    assert one_job_all == many_jobs_all == 5
    # 4 without flags: stages and job offices are not loaded at all.
    assert no_flags == 4


async def test_retrieve_costs_the_same_queries_whatever_the_job_holds(
    apps: Apps, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    app = await apps.get(response_cache_bytes=0)
    bare = await build.job(client, admin, name="Bare")
    await _add_rich_jobs(client, admin, build, 1)
    listed = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    rich = listed.json()[-1]
    assert rich["name"] == "Job 0"

    async with client_for(app) as uncached:
        bare_count = await _count(app, uncached, admin, f"{JOBS}/{bare['reference']}", ALL_FLAGS)
        rich_count = await _count(app, uncached, admin, f"{JOBS}/{rich['reference']}", ALL_FLAGS)

    # 4: job (organisation and office joined), stages, websites, job offices (office joined).
    assert bare_count == rich_count == 4
