"""PUT /jobs/:reference: a partial update that changes only what it is given."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import ALL_FLAGS, JOBS, assert_error, assert_invalid, parse_time

FULL: dict[str, Any] = {
    "name": "Fake Job",
    "company_description": "Company.",
    "description": "Description.",
    "profile": "Profile.",
    "recruitment_process": "Two interviews.",
    "contract_type": "TEMPORARY",
    "contract_duration_min": 3,
    "contract_duration_max": 6,
    "language": "fr",
    "salary_min": 30000,
    "salary_max": 40000,
    "salary_currency": "EUR",
    "salary_period": "yearly",
    "remote": "partial",
    "education_level": "BAC_5",
    "experience_level": "1_TO_2_YEARS",
    "apply_url": "https://ats.example/apply",
    "start_date": "2016-09-01",
    "external_reference": "EXT-1",
    "profession_reference": "sales",
    "cms_sites_references": "wttj_fr,smgo_fr",
}


async def _get(client: httpx.AsyncClient, actor: Actor, reference: str) -> dict[str, Any]:
    response = await client.get(f"{JOBS}/{reference}", params=ALL_FLAGS, headers=actor.headers)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


async def test_update_changes_only_the_given_fields(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, **FULL)
    before = await _get(client, admin, job["reference"])
    await asyncio.sleep(0.002)  # a distinct updated_at at millisecond resolution

    response = await client.put(
        f"{JOBS}/{job['reference']}", json={"profile": "New profile."}, headers=admin.headers
    )

    assert response.status_code == 200, response.text
    after = await _get(client, admin, job["reference"])
    assert response.json() == {key: after[key] for key in response.json()}
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"profile", "updated_at"}
    assert after["profile"] == "New profile."
    assert parse_time(after["updated_at"]) > parse_time(before["updated_at"])


async def test_update_regenerates_nothing_unasked(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    # Reference, slug (in the website URLs), stages, status dates and offices all stay.
    job = await build.job(client, admin, status="published", **FULL)
    before = await _get(client, admin, job["reference"])

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        json={"name": "Renamed Job", "description": "Other."},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    after = await _get(client, admin, job["reference"])
    assert after["name"] == "Renamed Job"
    for key in (
        "reference",
        "websites",
        "stages",
        "created_at",
        "published_at",
        "archived_at",
        "status",
        "office_id",
        "offices",
        "application_fields",
        "cms_sites_references",
        "external_reference",
    ):
        assert after[key] == before[key], key
    assert after["websites"][0]["url"].endswith("/jobs/fake-job_paris")


async def test_update_with_every_field_sets_every_field(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    changes = {**FULL, "salary_min": "1000", "salary_max": "2000", "salary_period": "monthly"}

    response = await client.put(f"{JOBS}/{job['reference']}", json=changes, headers=admin.headers)

    assert response.status_code == 200, response.text
    updated = response.json()
    for key in set(FULL) - {"salary_min", "salary_max", "salary_currency", "salary_period"}:
        if key != "start_date":
            assert updated[key] == FULL[key], key
    assert updated["start_date"] == "2016-09-01T00:00:00.000+02:00"
    assert updated["salary"] == {
        "min": "1000",
        "max": "2000",
        "currency": "EUR",
        "period": "monthly",
    }


async def test_update_can_clear_optional_fields_with_null(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, **FULL)
    cleared = [
        "company_description",
        "recruitment_process",
        "contract_duration_min",
        "contract_duration_max",
        "salary_min",
        "education_level",
        "apply_url",
        "start_date",
        "external_reference",
    ]

    response = await client.put(
        f"{JOBS}/{job['reference']}", json=dict.fromkeys(cleared), headers=admin.headers
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    for key in cleared:
        if key == "salary_min":
            assert updated["salary"]["min"] is None
        else:
            assert updated[key] is None, key
    assert updated["salary"]["max"] == "40000"


async def test_null_required_field_on_update_is_400(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    for param in ("name", "description", "profile", "contract_type", "language", "status"):
        response = await client.put(
            f"{JOBS}/{job['reference']}", json={param: None}, headers=admin.headers
        )

        assert_error(response, 400, "validation_failed", f"{param} cannot be null")


BAD_VALUES: list[tuple[str, Any]] = [
    ("name", "x" * 201),
    ("name", ""),
    ("description", "x" * 10_001),
    ("contract_type", "CDI"),
    ("language", "xx"),
    ("remote", "always"),
    ("contract_duration_max", 40),
    ("cms_sites_references", "unknown_site"),
    ("apply_url", "mailto:jobs@example.com"),
    ("start_date", "01/09/2016"),
    ("department_id", 0),
]


async def test_bad_value_on_update_is_400_and_changes_nothing(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, **FULL)
    before = await _get(client, admin, job["reference"])

    for param, value in BAD_VALUES:
        response = await client.put(
            f"{JOBS}/{job['reference']}",
            json={"profile": "Changed.", param: value},
            headers=admin.headers,
        )

        assert_invalid(response, param)
    assert await _get(client, admin, job["reference"]) == before


async def test_update_ranges_are_checked_against_the_stored_values(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, **FULL)  # duration 3–6 months, salary 30000–40000

    duration = await client.put(
        f"{JOBS}/{job['reference']}", json={"contract_duration_min": 12}, headers=admin.headers
    )
    salary = await client.put(
        f"{JOBS}/{job['reference']}", json={"salary_max": "20000"}, headers=admin.headers
    )

    assert_error(
        duration,
        400,
        "validation_failed",
        "contract_duration_min must not exceed contract_duration_max",
    )
    assert_error(salary, 400, "validation_failed", "salary_min must not exceed salary_max")


async def test_cms_sites_references_are_replaced_on_update(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, cms_sites_references="wttj_fr,smgo_fr")
    url = f"{JOBS}/{job['reference']}"

    swapped = await client.put(
        url, json={"cms_sites_references": "smgo_fr,jungle,wttj_fr"}, headers=admin.headers
    )
    emptied = await client.put(url, json={"cms_sites_references": ""}, headers=admin.headers)

    assert swapped.json()["cms_sites_references"] == "smgo_fr,jungle,wttj_fr"
    assert emptied.json()["cms_sites_references"] == ""
    fetched = await client.get(url, params={"websites": "true"}, headers=admin.headers)
    assert fetched.json()["websites"] == []


async def test_cms_sites_references_accept_an_array_and_drop_duplicates(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        json={"cms_sites_references": ["smgo_fr", "wttj_fr", "smgo_fr"]},
        headers=admin.headers,
    )

    assert response.json()["cms_sites_references"] == "smgo_fr,wttj_fr"


async def test_is_remote_on_update_maps_to_remote(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, remote="partial")
    url = f"{JOBS}/{job['reference']}"

    off = await client.put(url, json={"is_remote": "false"}, headers=admin.headers)
    both = await client.put(
        url, json={"is_remote": True, "remote": "punctual"}, headers=admin.headers
    )
    on = await client.put(url, json={"is_remote": True}, headers=admin.headers)

    assert [r.json()["remote"] for r in (off, both, on)] == ["no", "punctual", "fulltime"]


async def test_update_to_an_external_reference_taken_in_the_organization_is_400(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.job(client, admin, external_reference="TAKEN")
    job = await build.job(client, admin, external_reference="MINE")

    response = await client.put(
        f"{JOBS}/{job['reference']}", json={"external_reference": "TAKEN"}, headers=admin.headers
    )

    assert_error(response, 400, "validation_failed", "external_reference has already been taken")
    assert (await _get(client, admin, job["reference"]))["external_reference"] == "MINE"


async def test_update_keeping_its_own_external_reference_is_fine(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, external_reference="MINE")

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        json={"external_reference": "MINE", "name": "Same ref"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text


async def test_update_to_an_external_reference_used_in_another_organization_is_fine(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.job(client, outsider, external_reference="SHARED")
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}", json={"external_reference": "SHARED"}, headers=admin.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["external_reference"] == "SHARED"


async def test_update_to_a_department_of_another_organization_is_400(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    theirs = await client.post(
        "/api/v1/external/departments",
        json={"organization_reference": outsider.org, "name": "Sales"},
        headers=outsider.headers,
    )

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        json={"department_id": theirs.json()["id"]},
        headers=admin.headers,
    )

    assert_invalid(response, "department_id")


async def test_update_of_another_organizations_job_is_404(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    # The outsider's token holds every scope, su_jobs_r included: reading is not writing.
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}", json={"name": "Hijacked"}, headers=outsider.headers
    )

    assert_error(response, 404, "not_found", "Job not found")
    assert (await _get(client, admin, job["reference"]))["name"] == job["name"]


async def test_update_needs_jobs_rw(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    reader = await build.actor(["jobs_r"], organization=admin.organization)

    response = await client.put(
        f"{JOBS}/{job['reference']}", json={"name": "Nope"}, headers=reader.headers
    )

    assert_error(response, 403, "invalid_scope", "This endpoint requires the jobs_rw scope")


async def test_update_of_an_unknown_job_is_404(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.put(f"{JOBS}/WTTJ_unknown", json={"name": "x"}, headers=admin.headers)

    assert_error(response, 404, "not_found", "Job not found")


async def test_update_answers_with_the_inclusions_its_flags_ask_for(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        params={"stages": "true", "organization": "true"},
        json={"name": "With flags"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert len(response.json()["stages"]) == 7
    assert response.json()["organization"]["slug"] == admin.organization.slug
    assert "websites" not in response.json()
