"""Paging never returns fewer rows than asked without saying so (§15.3): ``per_page`` up to
``CANOPY_MAX_PER_PAGE`` (1000 unless configured) is honoured on every list, a larger value is
a 400 naming the maximum, and a page of jobs with every inclusion costs a fixed number of
statements even at the maximum."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Department, Job, JobOffice, JobWebsite, Stage
from tests.fixtures.apps import Apps, client_for
from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import JOBS, Actor, Builder
from tests.fixtures.queries import count_queries

DEPARTMENTS = "/api/v1/external/departments"
TOO_LARGE = "per_page is invalid: must be at most 1000"
EVERY_JOB_FLAG = {
    "stages": "true",
    "websites": "true",
    "office": "true",
    "offices": "true",
    "candidates_count": "true",
    "application_fields": "true",
    "organization": "true",
}


async def _departments(maker: async_sessionmaker[AsyncSession], actor: Actor, count: int) -> None:
    async with maker() as session:
        session.add_all(
            Department(
                organization_id=actor.organization.id, name=f"Team {n:03}", slug=f"team-{n:03}"
            )
            for n in range(count)
        )
        await session.commit()


async def test_asking_200_per_page_over_250_rows_gives_200_then_50_and_loses_nothing(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    await _departments(maker, admin, 250)
    params = {"organization_reference": admin.org, "per_page": "200"}

    first = await client.get(DEPARTMENTS, params={**params, "page": "1"}, headers=admin.headers)
    second = await client.get(DEPARTMENTS, params={**params, "page": "2"}, headers=admin.headers)

    assert first.status_code == second.status_code == 200, first.text + second.text
    assert len(first.json()) == 200
    assert len(second.json()) == 50
    assert first.headers["x-per-page"] == second.headers["x-per-page"] == "200"
    assert first.headers["x-total"] == "250"
    assert first.headers["x-total-pages"] == "2"
    assert first.headers["x-next-page"] == "2"
    assert second.headers["x-next-page"] == ""
    names = [item["name"] for item in first.json() + second.json()]
    assert names == [f"Team {n:03}" for n in range(250)]


async def test_a_page_of_the_maximum_size_is_honoured(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    await _departments(maker, admin, 1001)

    response = await client.get(
        DEPARTMENTS,
        params={"organization_reference": admin.org, "per_page": "1000"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert len(response.json()) == 1000
    assert response.headers["x-total-pages"] == "2"


def _list_parameters(
    admin: Actor, job_reference: str, candidate_reference: str
) -> dict[str, dict[str, str]]:
    """The parameters each list endpoint needs to answer."""
    organization = {"organization_reference": admin.org}
    return {
        "/api/v1/external/jobs": organization,
        "/api/v1/external/jobs/all": {},
        "/api/v1/external/departments": organization,
        "/api/v1/external/offices": organization,
        "/api/v1/external/candidates": {"job_reference": job_reference},
        "/api/v1/external/documents": {"candidate_reference": candidate_reference},
        "/api/v1/external/emails": {"candidate_reference": candidate_reference},
        "/api/v1/external/moves": organization,
        "/api/v1/external/organizations": {"name": admin.organization.name},
        "/api/v1/external/images": organization,
        "/api/v1/external/videos": organization,
        "/api/v1/external/tools": {},
        "/api/v1/external/cms/articles/all": {},
        "/api/v1/external/cms/collections": {},
        "/api/v1/external/cms/collection/categories": {},
    }


async def test_every_list_refuses_a_page_above_the_maximum_and_honours_one_at_it(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    candidate = await build.candidate(client, admin, job["reference"])
    lists = _list_parameters(admin, job["reference"], candidate["reference"])
    document = (await client.get("/openapi.json")).json()
    paged = {
        path
        for path, operations in document["paths"].items()
        if any(p["name"] == "per_page" for p in operations.get("get", {}).get("parameters", []))
    }
    # Every paged list of the application is checked here.
    assert paged == set(lists)

    for path, params in lists.items():
        for method in ("GET", "HEAD"):
            refused = await client.request(
                method, path, params={**params, "per_page": "1001"}, headers=admin.headers
            )
            honoured = await client.request(
                method, path, params={**params, "per_page": "1000"}, headers=admin.headers
            )
            assert refused.status_code == 400, (path, method, refused.text)
            if method == "GET":
                assert_error(refused, 400, "validation_failed", TOO_LARGE)
            assert honoured.status_code == 200, (path, method, honoured.text)
            assert honoured.headers["x-per-page"] == "1000", path


async def _many_jobs(
    maker: async_sessionmaker[AsyncSession], actor: Actor, office_id: int, count: int
) -> None:
    """``count`` jobs written straight to the database, each with a stage, a site and an
    office (the API would take minutes for a thousand)."""
    async with maker() as session:
        jobs = [
            Job(
                organization_id=actor.organization.id,
                slug=f"job-{n}",
                name=f"Job {n}",
                contract_type="FULL_TIME",
                language="en",
                office_id=office_id,
                stages=[Stage(name="New", reference="initial")],
                websites=[JobWebsite(reference="wttj_fr")],
                offices=[JobOffice(office_id=office_id)],
            )
            for n in range(count)
        ]
        session.add_all(jobs)
        await session.commit()


async def test_a_page_of_1000_jobs_with_every_inclusion_costs_the_statements_of_a_page_of_5(
    apps: Apps,
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    app = await apps.get(response_cache_bytes=0)
    office = await build.office(client, admin)
    await _many_jobs(maker, admin, office["id"], 1000)
    params: dict[str, Any] = {"organization_reference": admin.org, **EVERY_JOB_FLAG}

    async with client_for(app) as uncached:
        # Warm up: the token's first use records its last_used_at, a write of its own.
        await uncached.get(JOBS, params=params, headers=admin.headers)
        counts = {}
        for per_page in ("5", "1000"):
            with count_queries(app) as statements:
                response = await uncached.get(
                    JOBS, params={**params, "per_page": per_page}, headers=admin.headers
                )
            assert response.status_code == 200, response.text
            assert len(response.json()) == int(per_page)
            assert all(len(job["offices"]) == 1 for job in response.json()[1:])
            counts[per_page] = len(statements)

    assert counts["1000"] == counts["5"]
