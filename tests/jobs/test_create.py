"""POST /jobs: the Job object of §3.1 from the request of §3.8, and what create fills in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import (
    ALL_FLAGS,
    CONTRACT_CREATE,
    CONTRACT_JOB,
    DEFAULT_PIPELINE,
    FLAG_KEYS,
    JOB_KEYS,
    JOB_REFERENCE,
    JOBS,
    assert_error,
    parse_time,
)


async def test_contract_example_request_returns_the_contract_job_object(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    office = await build.office(
        client, admin, name="Paris", address="11 bis rue Bachaumont", zip_code="75002"
    )
    request = {**CONTRACT_CREATE, "organization_reference": admin.org}
    before = datetime.now(UTC)

    response = await client.post(JOBS, json=request, headers=admin.headers)

    assert response.status_code == 201, response.text
    job = response.json()
    assert set(job) == JOB_KEYS
    assert "id" not in job
    # Every documented field has the documented JSON type.
    for key, example in CONTRACT_JOB.items():
        if example is not None and job[key] is not None:
            assert type(job[key]) is type(example), key
    assert JOB_REFERENCE.match(job["reference"])
    created = parse_time(job["created_at"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
    assert job == {
        "name": "Fake Job",
        "external_reference": "PROVIDER_REFERENCE",
        "organization_reference": admin.org,
        "status": "published",
        "profile": "Fake Job Profile",
        "apply_url": "http://company.com/jobs/superjob/apply/",
        "company_description": "Fake Company Description.",
        "recruitment_process": None,
        "contract_duration_min": None,
        "experience_level": "1_TO_2_YEARS",
        "department_id": None,
        "profession_reference": "sales",
        "cms_sites_references": "wttj_fr,smgo_fr",
        "contract_duration_max": None,
        "start_date": "2016-09-01T00:00:00.000+02:00",
        "description": "Fake Job Description.",
        "contract_type": "FULL_TIME",
        "language": "en",
        "salary": {"min": "30000", "max": "40000", "currency": "EUR", "period": "yearly"},
        "remote": "fulltime",
        "office_id": office["id"],
        "reference": job["reference"],
        "education_level": "BAC_5",
        "created_at": job["created_at"],
        "updated_at": job["created_at"],
        "published_at": job["created_at"],
        "archived_at": None,
    }


async def test_created_job_reads_back_identically(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.office(client, admin, zip_code="75002")
    created = await client.post(
        JOBS, json={**CONTRACT_CREATE, "organization_reference": admin.org}, headers=admin.headers
    )

    fetched = await client.get(f"{JOBS}/{created.json()['reference']}", headers=admin.headers)

    assert fetched.status_code == 200
    assert fetched.json() == created.json()


async def test_minimal_create_is_a_draft_with_empty_optional_fields(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    assert set(job) == JOB_KEYS
    assert job["status"] == "draft"
    assert job["published_at"] is None
    assert job["archived_at"] is None
    assert job["profession_reference"] is None
    assert job["cms_sites_references"] == ""
    assert job["salary"] == {"min": None, "max": None, "currency": None, "period": None}
    assert job["start_date"] is None
    assert job["remote"] is None
    parse_time(job["created_at"])
    parse_time(job["updated_at"])


async def test_start_date_renders_as_paris_midnight_in_winter_too(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, start_date="2017-01-15")

    assert job["start_date"] == "2017-01-15T00:00:00.000+01:00"


async def test_profession_reference_is_optional_and_returned_when_given(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    without = await build.job(client, admin)
    with_it = await build.job(client, admin, name="Sales", profession_reference="sales")

    assert without["profession_reference"] is None
    assert with_it["profession_reference"] == "sales"


async def test_deprecated_is_remote_maps_to_remote_unless_remote_is_given(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"is_remote": True}, "fulltime"),
        ({"is_remote": "true"}, "fulltime"),
        ({"is_remote": False}, "no"),
        ({"is_remote": "false"}, "no"),
        ({"is_remote": True, "remote": "partial"}, "partial"),
        ({"is_remote": False, "remote": "punctual"}, "punctual"),
        ({"remote": "no"}, "no"),
    ]
    for fields, remote in cases:
        job = await build.job(client, admin, **fields)

        assert job["remote"] == remote, fields
        assert "is_remote" not in job


async def test_create_accepts_a_form_encoded_body_with_string_values(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")
    form = {
        "organization_reference": admin.org,
        "name": "Form Job",
        "description": "d",
        "profile": "p",
        "contract_type": "TEMPORARY",
        "language": "fr",
        "contract_duration_min": "3",
        "contract_duration_max": "6",
        "salary_min": "100",
        "is_remote": "1",
        "offices[][id]": str(lyon["id"]),
    }

    response = await client.post(JOBS, data=form, headers=admin.headers)

    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["contract_duration_min"], job["contract_duration_max"]) == (3, 6)
    assert job["salary"]["min"] == "100"
    assert job["remote"] == "fulltime"
    assert job["office_id"] == lyon["id"]


async def test_create_answers_with_the_inclusions_its_flags_ask_for(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    office = await build.office(client, admin)
    body = {
        "organization_reference": admin.org,
        "name": "Flagged",
        "description": "d",
        "profile": "p",
        "contract_type": "FULL_TIME",
        "language": "en",
        "office_id": office["id"],
    }

    response = await client.post(JOBS, params=ALL_FLAGS, json=body, headers=admin.headers)

    assert response.status_code == 201, response.text
    job = response.json()
    assert set(job) == JOB_KEYS | set(FLAG_KEYS.values())
    assert [(s["reference"], s["name"], s["visible"]) for s in job["stages"]] == DEFAULT_PIPELINE
    assert job["candidates_count"] == 0
    assert [o["id"] for o in job["offices"]] == [office["id"]]


async def test_create_with_the_offices_array_and_the_offices_flag_lists_them(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    # The body's `offices` is the offices to set; the query's `offices=true` the inclusion.
    paris = await build.office(client, admin)
    body = {
        "organization_reference": admin.org,
        "name": "Multi",
        "description": "d",
        "profile": "p",
        "contract_type": "FULL_TIME",
        "language": "en",
        "offices": [{"id": paris["id"]}, {"city": "Lyon", "country_code": "FR"}],
    }

    response = await client.post(JOBS, params={"offices": "true"}, json=body, headers=admin.headers)

    assert response.status_code == 201, response.text
    job = response.json()
    assert [o["city"] for o in job["offices"]] == ["Paris", "Lyon"]
    assert job["office_id"] == paris["id"]


async def test_create_requires_jobs_rw(client: httpx.AsyncClient, build: Builder) -> None:
    reader = await build.actor(["jobs_r", "offices_rw"])

    response = await client.post(
        JOBS,
        json={**CONTRACT_CREATE, "organization_reference": reader.org},
        headers=reader.headers,
    )

    assert_error(response, 403, "invalid_scope", "This endpoint requires the jobs_rw scope")


async def test_create_in_an_organization_of_which_the_user_is_not_member_is_401(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.office(client, outsider, zip_code="75002")

    response = await client.post(
        JOBS,
        json={**CONTRACT_CREATE, "organization_reference": outsider.org},
        headers=admin.headers,
    )

    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_create_without_a_token_is_401(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        JOBS, json={**CONTRACT_CREATE, "organization_reference": admin.org}
    )

    assert_error(response, 401, "unauthorized", "The access token is missing")
