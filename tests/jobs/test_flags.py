"""Inclusion flags (§3.1): each adds exactly its documented object, and nothing without it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import (
    ALL,
    ALL_FLAGS,
    DEFAULT_PIPELINE,
    FLAG_KEYS,
    JOB_KEYS,
    JOBS,
)


@pytest.fixture
async def job(client: httpx.AsyncClient, admin: Actor, build: Builder) -> dict[str, Any]:
    """A published job on two sites and in two offices, Paris first."""
    paris = await build.office(client, admin, address="11 bis rue Bachaumont", zip_code="75002")
    lyon = await build.office(client, admin, name="Lyon", city="Lyon", is_headquarter=True)
    return await build.job(
        client,
        admin,
        name="Fake Job 2",
        status="published",
        cms_sites_references="wttj_fr,smgo_fr",
        offices=[{"id": paris["id"]}, {"id": lyon["id"]}],
    )


async def _get(
    client: httpx.AsyncClient, actor: Actor, reference: str, **flags: str
) -> dict[str, Any]:
    response = await client.get(f"{JOBS}/{reference}", params=flags, headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_without_flags_no_inclusion_key_is_present(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    retrieved = await _get(client, admin, job["reference"])
    listed = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    everywhere = await client.get(ALL, headers=admin.headers)

    assert set(retrieved) == JOB_KEYS
    assert all(set(item) == JOB_KEYS for item in listed.json())
    assert all(set(item) == JOB_KEYS for item in everywhere.json())


async def test_each_flag_adds_exactly_its_key(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    for flag, key in FLAG_KEYS.items():
        retrieved = await _get(client, admin, job["reference"], **{flag: "true"})
        listed = await client.get(
            JOBS, params={"organization_reference": admin.org, flag: "true"}, headers=admin.headers
        )

        assert set(retrieved) == JOB_KEYS | {key}, flag
        assert [set(item) for item in listed.json()] == [JOB_KEYS | {key}] * 2, flag


async def test_a_false_flag_adds_nothing(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    for value in ("false", "0", "False"):
        retrieved = await _get(client, admin, job["reference"], **dict.fromkeys(FLAG_KEYS, value))

        assert set(retrieved) == JOB_KEYS, value


async def test_a_true_flag_may_be_spelt_as_the_contract_allows(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    for value in ("1", "True", "true"):
        retrieved = await _get(client, admin, job["reference"], stages=value)

        assert "stages" in retrieved, value


async def test_a_flag_that_is_not_a_boolean_is_400(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    response = await client.get(
        f"{JOBS}/{job['reference']}", params={"stages": "maybe"}, headers=admin.headers
    )

    assert response.status_code == 400
    assert response.json()["error"] == "validation_failed"
    assert response.json()["error_description"].startswith("stages is invalid")


async def test_stages_are_the_default_pipeline_in_order(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    stages = (await _get(client, admin, job["reference"], stages="true"))["stages"]

    assert [(s["reference"], s["name"], s["visible"]) for s in stages] == DEFAULT_PIPELINE
    assert all(set(stage) == {"id", "name", "reference", "visible"} for stage in stages)
    assert all(isinstance(stage["id"], int) for stage in stages)
    assert len({stage["id"] for stage in stages}) == len(stages)


async def test_every_job_has_its_own_pipeline(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    other = await build.job(client, admin, name="Other")

    mine = (await _get(client, admin, job["reference"], stages="true"))["stages"]
    theirs = (await _get(client, admin, other["reference"], stages="true"))["stages"]

    assert {s["id"] for s in mine}.isdisjoint({s["id"] for s in theirs})


async def test_candidates_count_counts_on_the_job_and_on_each_stage(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    stages = (await _get(client, admin, job["reference"], stages="true"))["stages"]
    ids = {stage["reference"]: stage["id"] for stage in stages}
    await build.candidates(
        job["reference"],
        [ids["initial"]] * 4 + [ids["refused"]] * 2 + [ids["to_meet"]] + [None],
    )
    other = await build.job(client, admin, name="Other")
    await build.candidates(other["reference"], [None])

    body = await _get(client, admin, job["reference"], stages="true", candidates_count="true")

    assert body["candidates_count"] == 8
    assert {s["reference"]: s["candidates_count"] for s in body["stages"]} == {
        "initial": 4,
        "to_meet": 1,
        "interviewed": 0,
        "made_offer": 0,
        "hired": 0,
        "refused": 2,
        "archived": 0,
    }
    assert (await _get(client, admin, other["reference"], candidates_count="true"))[
        "candidates_count"
    ] == 1


async def test_candidates_count_is_zero_without_candidates(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    body = await _get(client, admin, job["reference"], stages="true", candidates_count="true")

    assert body["candidates_count"] == 0
    assert [stage["candidates_count"] for stage in body["stages"]] == [0] * 7


async def test_candidates_count_without_stages_counts_on_the_job_only(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    await build.candidates(job["reference"], [None, None])

    body = await _get(client, admin, job["reference"], candidates_count="true")

    assert body["candidates_count"] == 2
    assert "stages" not in body


async def test_stages_without_candidates_count_have_no_counts(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    await build.candidates(job["reference"], [None])

    body = await _get(client, admin, job["reference"], stages="true")

    assert "candidates_count" not in body
    assert all("candidates_count" not in stage for stage in body["stages"])


async def test_candidates_count_on_a_list_counts_each_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    await build.candidates(job["reference"], [None, None, None])

    response = await client.get(
        JOBS,
        params={"organization_reference": admin.org, "candidates_count": "true"},
        headers=admin.headers,
    )

    counts = {item["name"]: item["candidates_count"] for item in response.json()}
    assert counts == {"Spontaneous application": 0, "Fake Job 2": 3}


async def test_candidates_count_without_candidates_r_is_left_out_not_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    for scopes in (["jobs_r"], ["jobs_rw", "my_candidates_r", "offices_r"]):
        reader = await build.actor(scopes, organization=admin.organization)
        flags = {"candidates_count": "true", "stages": "true"}

        retrieved = await client.get(
            f"{JOBS}/{job['reference']}", params=flags, headers=reader.headers
        )
        listed = await client.get(
            JOBS, params={"organization_reference": admin.org, **flags}, headers=reader.headers
        )

        assert retrieved.status_code == 200, retrieved.text
        assert listed.status_code == 200, listed.text
        for item in (retrieved.json(), *listed.json()):
            assert "candidates_count" not in item
            # The stages are shown (no scope needed), without their counters either.
            assert item["stages"]
            assert all("candidates_count" not in stage for stage in item["stages"])


async def test_candidates_count_is_allowed_with_candidates_rw(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    reader = await build.actor(["jobs_r", "candidates_rw"], organization=admin.organization)

    body = await _get(client, reader, job["reference"], candidates_count="true")

    assert body["candidates_count"] == 0


async def test_websites_list_each_site_with_the_job_url(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    slug = admin.organization.slug

    websites = (await _get(client, admin, job["reference"], websites="true"))["websites"]

    assert websites == [
        {
            "reference": "wttj_fr",
            "name": "Welcome to the Jungle",
            "url": f"https://www.welcometothejungle.com/companies/{slug}/jobs/fake-job-2_paris",
        },
        {
            "reference": "smgo_fr",
            "name": "Show Must Go On",
            "url": f"https://www.showmustgoon.co/companies/{slug}/jobs/fake-job-2_paris",
        },
    ]


async def test_websites_of_a_job_on_no_site_is_empty(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    assert (await _get(client, admin, job["reference"], websites="true"))["websites"] == []


async def test_office_is_the_first_office_as_the_offices_api_shows_it(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    office = (await _get(client, admin, job["reference"], office="true"))["office"]
    shown = await client.get(f"/api/v1/external/offices/{job['office_id']}", headers=admin.headers)

    assert office == shown.json()
    assert office == {
        "id": job["office_id"],
        "name": "Paris",
        "address": "11 bis rue Bachaumont",
        "zip_code": "75002",
        "city": "Paris",
        "country_code": "FR",
        "is_headquarter": False,
    }


async def test_offices_lists_every_office_in_order(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    offices = (await _get(client, admin, job["reference"], offices="true"))["offices"]
    listed = await client.get(
        "/api/v1/external/offices",
        params={"organization_reference": admin.org},
        headers=admin.headers,
    )

    assert offices == listed.json()
    assert [(o["city"], o["is_headquarter"]) for o in offices] == [("Paris", False), ("Lyon", True)]


async def test_office_of_the_spontaneous_job_is_null_and_its_offices_empty(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    listed = await client.get(
        JOBS,
        params={"organization_reference": admin.org, "office": "true", "offices": "true"},
        headers=admin.headers,
    )

    [spontaneous] = listed.json()
    assert spontaneous["office_id"] is None
    assert spontaneous["office"] is None
    assert spontaneous["offices"] == []


async def test_office_flags_without_offices_r_are_left_out_not_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    reader = await build.actor(["jobs_rw", "candidates_rw"], organization=admin.organization)

    for flag in ("office", "offices"):
        retrieved = await client.get(
            f"{JOBS}/{job['reference']}",
            params={flag: "true", "candidates_count": "true"},
            headers=reader.headers,
        )
        listed = await client.get(
            JOBS,
            params={"organization_reference": admin.org, flag: "true"},
            headers=reader.headers,
        )

        assert retrieved.status_code == 200, retrieved.text
        assert listed.status_code == 200, listed.text
        assert flag not in retrieved.json()
        # The flags the token may use still apply.
        assert retrieved.json()["candidates_count"] == 0
        assert all(flag not in item for item in listed.json())


async def test_application_fields_list_named_fields_with_a_mode(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    fields = (await _get(client, admin, job["reference"], application_fields="true"))[
        "application_fields"
    ]

    assert fields[:2] == [
        {"name": "resume", "mode": "mandatory"},
        {"name": "portfolio", "mode": "disabled"},
    ]
    assert all(set(field) == {"name", "mode"} for field in fields)
    assert {field["mode"] for field in fields} <= {"mandatory", "optional", "disabled"}
    assert len({field["name"] for field in fields}) == len(fields)


async def test_organization_is_the_documented_object(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    organization = (await _get(client, admin, job["reference"], organization="true"))[
        "organization"
    ]

    assert organization == {
        "name": admin.organization.name,
        "slug": admin.organization.slug,
        "description": None,
        "logo": None,
    }


async def test_all_flags_together_add_all_keys_on_every_endpoint(
    client: httpx.AsyncClient, admin: Actor, job: dict[str, Any]
) -> None:
    expected = JOB_KEYS | set(FLAG_KEYS.values())

    retrieved = await _get(client, admin, job["reference"], **ALL_FLAGS)
    listed = await client.get(
        JOBS, params={"organization_reference": admin.org, **ALL_FLAGS}, headers=admin.headers
    )
    everywhere = await client.get(ALL, params=ALL_FLAGS, headers=admin.headers)

    assert set(retrieved) == expected
    for response in (listed, everywhere):
        assert response.status_code == 200, response.text
        assert [set(item) for item in response.json()] == [expected, expected]
    assert listed.json()[1] == retrieved
