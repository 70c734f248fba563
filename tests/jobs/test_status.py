"""Status transitions (§3.10, §15.6): each one to published or archived stamps its date."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import JOBS, assert_error, assert_invalid, parse_time


async def _set_status(
    client: httpx.AsyncClient, actor: Actor, reference: str, status: str
) -> dict[str, Any]:
    # Dates are rendered to the millisecond: keep successive transitions apart.
    await asyncio.sleep(0.002)
    response = await client.put(
        f"{JOBS}/{reference}/update_status", json={"status": status}, headers=actor.headers
    )
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


async def test_new_job_is_a_draft_without_status_dates(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    assert job["status"] == "draft"
    assert job["published_at"] is None
    assert job["archived_at"] is None


async def test_job_created_published_has_published_at_equal_to_created_at(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, status="published")

    assert job["status"] == "published"
    assert job["published_at"] == job["created_at"]
    assert job["archived_at"] is None


async def test_job_created_archived_has_archived_at_only(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, status="archived")

    assert job["archived_at"] == job["created_at"]
    assert job["published_at"] is None


async def test_each_transition_stamps_its_date_and_earlier_stamps_stay(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    reference = (await build.job(client, admin))["reference"]

    published = await _set_status(client, admin, reference, "published")
    assert published["status"] == "published"
    assert published["archived_at"] is None
    first_publication = parse_time(published["published_at"])
    assert first_publication >= parse_time(published["created_at"])
    assert published["updated_at"] == published["published_at"]

    archived = await _set_status(client, admin, reference, "archived")
    assert archived["status"] == "archived"
    assert archived["published_at"] == published["published_at"]
    first_archival = parse_time(archived["archived_at"])
    assert first_archival > first_publication

    drafted = await _set_status(client, admin, reference, "draft")
    assert drafted["status"] == "draft"
    assert drafted["published_at"] == published["published_at"]
    assert drafted["archived_at"] == archived["archived_at"]

    republished = await _set_status(client, admin, reference, "published")
    assert parse_time(republished["published_at"]) > first_archival
    assert republished["archived_at"] == archived["archived_at"]

    rearchived = await _set_status(client, admin, reference, "archived")
    assert parse_time(rearchived["archived_at"]) > parse_time(republished["published_at"])
    assert rearchived["published_at"] == republished["published_at"]


async def test_setting_the_same_status_again_is_no_transition(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, status="published")

    again = await _set_status(client, admin, job["reference"], "published")

    assert again["published_at"] == job["published_at"]


async def test_status_is_accepted_on_update_too(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    await asyncio.sleep(0.002)

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        json={"status": "published", "name": "Now public"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["status"] == "published"
    assert updated["name"] == "Now public"
    assert parse_time(updated["published_at"]) > parse_time(job["created_at"])


async def test_update_status_ignores_other_fields(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}/update_status",
        json={"status": "archived", "name": "Not renamed"},
        headers=admin.headers,
    )

    assert response.json()["name"] == job["name"]


async def test_missing_status_is_400(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}/update_status", json={}, headers=admin.headers
    )

    assert_error(response, 400, "validation_failed", "status is missing")


async def test_bad_status_is_400_and_changes_nothing(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    url = f"{JOBS}/{job['reference']}"

    for status in ("open", "PUBLISHED", "", "1"):
        response = await client.put(
            f"{url}/update_status", json={"status": status}, headers=admin.headers
        )

        assert_invalid(response, "status")
    assert (await client.get(url, headers=admin.headers)).json() == job


async def test_status_may_come_from_the_query_string(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}/update_status",
        params={"status": "published"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "published"


async def test_update_status_of_another_organizations_job_is_404(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}/update_status",
        json={"status": "archived"},
        headers=outsider.headers,
    )

    assert_error(response, 404, "not_found", "Job not found")


async def test_update_status_needs_jobs_rw(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    reader = await build.actor(["jobs_r", "su_jobs_r"], organization=admin.organization)

    response = await client.put(
        f"{JOBS}/{job['reference']}/update_status",
        json={"status": "archived"},
        headers=reader.headers,
    )

    assert_error(response, 403, "invalid_scope", "This endpoint requires the jobs_rw scope")
