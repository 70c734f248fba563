"""GET /jobs/:reference and who may read or write a job."""

from __future__ import annotations

import httpx

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import JOB_KEYS, JOBS, assert_error


async def test_retrieve_returns_the_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.get(f"{JOBS}/{job['reference']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json() == job
    assert set(response.json()) == JOB_KEYS


async def test_retrieve_with_jobs_r_only(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    reader = await build.actor(["jobs_r"], organization=admin.organization)

    response = await client.get(f"{JOBS}/{job['reference']}", headers=reader.headers)

    assert response.status_code == 200
    assert response.json() == job


async def test_retrieve_with_the_token_in_the_query_string(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.get(f"{JOBS}/{job['reference']}", params={"access_token": admin.token})

    assert response.status_code == 200
    assert response.json() == job


async def test_retrieve_of_another_organizations_job_is_404(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    job = await build.job(client, outsider)
    member = await build.actor(["jobs_rw", "offices_rw"], organization=admin.organization)

    response = await client.get(f"{JOBS}/{job['reference']}", headers=member.headers)

    assert_error(response, 404, "not_found", "Job not found")


async def test_retrieve_of_an_unknown_job_is_404(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(f"{JOBS}/WTTJ_zzzzzzz", headers=admin.headers)

    assert_error(response, 404, "not_found", "Job not found")


async def test_su_jobs_r_reads_any_organizations_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    partner = await build.actor(["su_jobs_r"])

    response = await client.get(f"{JOBS}/{job['reference']}", headers=partner.headers)

    assert response.status_code == 200
    assert response.json() == job


async def test_su_jobs_r_cannot_write_another_organizations_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    partner = await build.actor(["su_jobs_r", "jobs_rw"])
    url = f"{JOBS}/{job['reference']}"

    updated = await client.put(url, json={"name": "Partner edit"}, headers=partner.headers)
    status = await client.put(
        f"{url}/update_status", json={"status": "archived"}, headers=partner.headers
    )

    assert_error(updated, 404, "not_found", "Job not found")
    assert_error(status, 404, "not_found", "Job not found")
    assert (await client.get(url, headers=admin.headers)).json() == job


async def test_retrieve_without_a_jobs_scope_is_403(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    for scopes in (["offices_rw"], ["candidates_rw", "me_r"]):
        actor = await build.actor(scopes, organization=admin.organization)

        response = await client.get(f"{JOBS}/{job['reference']}", headers=actor.headers)

        assert_error(
            response, 403, "invalid_scope", "This endpoint requires the jobs_r or su_jobs_r scope"
        )


async def test_retrieve_with_a_bad_token_is_401(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.get(
        f"{JOBS}/{job['reference']}", headers={"Authorization": "Bearer cnp_not_a_token"}
    )

    assert_error(response, 401, "unauthorized", "The access token is invalid")


async def test_delete_is_405_with_the_error_body(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.delete(f"{JOBS}/{job['reference']}", headers=admin.headers)

    assert_error(response, 405, "method_not_allowed", "Method not allowed on this endpoint")
