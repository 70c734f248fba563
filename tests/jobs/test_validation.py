"""POST /jobs refuses what the contract does not allow, with a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import JOBS, assert_error, assert_invalid, names


@pytest.fixture
async def valid(client: httpx.AsyncClient, admin: Actor, build: Builder) -> dict[str, Any]:
    """A complete, valid create request for the admin's organisation (office by id)."""
    office = await build.office(client, admin)
    return {
        "organization_reference": admin.org,
        "name": "Data Engineer",
        "description": "Pipelines.",
        "profile": "Rigorous.",
        "contract_type": "FULL_TIME",
        "language": "en",
        "office_id": office["id"],
    }


async def test_valid_request_of_the_fixture_is_created(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    response = await client.post(JOBS, json=valid, headers=admin.headers)

    assert response.status_code == 201, response.text


REQUIRED = ["organization_reference", "name", "description", "profile", "contract_type", "language"]

# (param, a value the contract does not allow). One test walks them all on one data set, to
# keep the suite fast; the failing case shows in the assertion message.
BAD_VALUES: list[tuple[str, Any]] = [
    ("contract_type", "CDI"),
    ("contract_type", "full_time"),
    ("language", "klingon"),
    ("education_level", "BAC_9"),
    ("experience_level", "FOREVER"),
    ("remote", "sometimes"),
    ("salary_currency", "BTC"),
    ("salary_period", "hourly"),
    ("cms_sites_references", "wttj_fr,nowhere_fr"),
    ("status", "deleted"),
    ("start_date", "2016-13-01"),
    ("start_date", "tomorrow"),
    ("apply_url", "ftp://company.com/apply"),
    ("apply_url", "javascript:alert(1)"),
    ("contract_duration_min", 0),
    ("contract_duration_min", 37),
    ("contract_duration_max", 0),
    ("contract_duration_max", "37"),
    ("salary_min", "lots"),
    ("salary_max", -1),
    ("is_remote", "perhaps"),
    ("office_id", "first"),
    ("office_id", 2**31),
    ("department_id", 2**40),
    ("office_country_code", "France"),
    ("name", ""),
]


async def test_each_missing_required_param_is_400_naming_it(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    for param in REQUIRED:
        body = {key: value for key, value in valid.items() if key != param}

        response = await client.post(JOBS, json=body, headers=admin.headers)

        assert_error(response, 400, "validation_failed", f"{param} is missing")


async def test_each_bad_value_is_400_naming_the_param_and_creates_nothing(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    for param, value in BAD_VALUES:
        response = await client.post(JOBS, json={**valid, param: value}, headers=admin.headers)

        assert_invalid(response, param)
    listed = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert names(listed) == ["Spontaneous application"]


async def test_text_past_its_length_limit_is_400_and_at_the_limit_is_accepted(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    for param, limit in (("name", 200), ("description", 10_000), ("company_description", 10_000)):
        too_long = await client.post(
            JOBS, json={**valid, param: "x" * (limit + 1)}, headers=admin.headers
        )
        at_limit = await client.post(
            JOBS, json={**valid, param: "x" * limit}, headers=admin.headers
        )

        assert_invalid(too_long, param)
        assert at_limit.status_code == 201, at_limit.text


async def test_contract_duration_bounds_1_and_36_are_accepted(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    body = {**valid, "contract_type": "TEMPORARY"}
    response = await client.post(
        JOBS,
        json={**body, "contract_duration_min": "1", "contract_duration_max": 36},
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["contract_duration_min"], job["contract_duration_max"]) == (1, 36)


async def test_contract_duration_min_above_max_is_400(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    body = {**valid, "contract_duration_min": 12, "contract_duration_max": 6}

    response = await client.post(JOBS, json=body, headers=admin.headers)

    assert_invalid(response, "contract_duration_min")


async def test_salary_min_above_max_is_400(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    body = {**valid, "salary_min": "50000", "salary_max": "40000"}

    response = await client.post(JOBS, json=body, headers=admin.headers)

    assert_invalid(response, "salary_min")


async def test_every_valid_enum_value_of_the_dependencies_is_accepted(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    dependencies = (await client.get(f"{JOBS}/dependencies", headers=admin.headers)).json()
    languages = (await client.get("/api/v1/external/languages", headers=admin.headers)).json()
    columns: dict[str, list[str]] = {
        "contract_type": [item["id"] for item in dependencies["contract_types"]],
        "education_level": [item["id"] for item in dependencies["education_levels"]],
        "experience_level": [item["id"] for item in dependencies["experience_levels"]],
        "remote": [item["id"] for item in dependencies["remote_levels"]],
        "salary_currency": dependencies["salary_currencies"],
        "salary_period": dependencies["salary_periods"],
        "language": [item["reference"] for item in languages],
        "cms_sites_references": dependencies["cms_sites_references"],
    }
    # Every value of every list but the (long) languages list, of which the first ones.
    rows = max(len(values) for param, values in columns.items() if param != "language")

    for n in range(rows):
        fields = {param: values[n % len(values)] for param, values in columns.items()}
        response = await client.post(
            JOBS, json={**valid, **fields, "name": f"Job {n}"}, headers=admin.headers
        )
        assert response.status_code == 201, (fields, response.text)
        job = response.json()
        assert job["contract_type"] == fields["contract_type"]
        assert job["salary"]["currency"] == fields["salary_currency"]
        assert job["cms_sites_references"] == fields["cms_sites_references"]


async def test_apply_url_accepts_http_and_https_and_empty_means_none(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    urls = ["http://ats.example/apply", "HTTPS://ats.example/apply", ""]
    answers = [
        await client.post(JOBS, json={**valid, "apply_url": url}, headers=admin.headers)
        for url in urls
    ]

    assert [r.status_code for r in answers] == [201, 201, 201]
    assert [r.json()["apply_url"] for r in answers] == [urls[0], urls[1], None]


async def test_external_reference_taken_in_the_organization_is_400(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    first = await client.post(
        JOBS, json={**valid, "external_reference": "EXT-1"}, headers=admin.headers
    )
    second = await client.post(
        JOBS, json={**valid, "external_reference": "EXT-1", "name": "Other"}, headers=admin.headers
    )

    assert first.status_code == 201
    assert_error(second, 400, "validation_failed", "external_reference has already been taken")
    listed = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert names(listed).count("Other") == 0


async def test_external_reference_of_another_organization_is_free(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    mine = await build.job(client, admin, external_reference="EXT-1")
    theirs = await build.job(client, outsider, external_reference="EXT-1")

    assert mine["external_reference"] == theirs["external_reference"] == "EXT-1"


async def test_jobs_without_external_reference_do_not_collide(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    first = await build.job(client, admin)
    second = await build.job(client, admin)

    assert first["external_reference"] is second["external_reference"] is None
    assert first["reference"] != second["reference"]


async def test_empty_external_reference_means_none_and_never_collides(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    answers = [
        await client.post(JOBS, json={**valid, "external_reference": ""}, headers=admin.headers)
        for _ in range(2)
    ]

    assert [r.status_code for r in answers] == [201, 201], answers[1].text
    assert [r.json()["external_reference"] for r in answers] == [None, None]


async def test_department_of_another_organization_is_400(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, valid: dict[str, Any]
) -> None:
    theirs = await client.post(
        "/api/v1/external/departments",
        json={"organization_reference": outsider.org, "name": "Tech"},
        headers=outsider.headers,
    )
    assert theirs.status_code == 201

    response = await client.post(
        JOBS, json={**valid, "department_id": theirs.json()["id"]}, headers=admin.headers
    )

    assert_invalid(response, "department_id")


async def test_department_of_the_organization_is_kept(
    client: httpx.AsyncClient, admin: Actor, valid: dict[str, Any]
) -> None:
    mine = await client.post(
        "/api/v1/external/departments",
        json={"organization_reference": admin.org, "name": "Tech"},
        headers=admin.headers,
    )

    response = await client.post(
        JOBS, json={**valid, "department_id": mine.json()["id"]}, headers=admin.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["department_id"] == mine.json()["id"]


async def test_malformed_json_body_is_400(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        JOBS,
        content=b'{"name": ',
        headers={**admin.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert set(response.json()) == {"error", "error_description"}
    assert response.json()["error"] == "validation_failed"
