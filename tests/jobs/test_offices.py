"""A job's offices (§3.8 office rule): found by id or by address, created when allowed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import JOBS, OFFICES, assert_error, assert_invalid

NEEDS_OFFICES_RW = (
    "no office matches the given office fields, and creating one requires the offices_rw scope"
)
NEEDS_CITY_AND_COUNTRY = (
    "no office matches the given office fields; office_city and office_country_code are "
    "needed to create one"
)


def _job_body(actor: Actor, **fields: Any) -> dict[str, Any]:
    return {
        "organization_reference": actor.org,
        "name": "Office Job",
        "description": "d",
        "profile": "p",
        "contract_type": "FULL_TIME",
        "language": "en",
        **fields,
    }


async def _offices(client: httpx.AsyncClient, actor: Actor) -> list[dict[str, Any]]:
    response = await client.get(
        OFFICES, params={"organization_reference": actor.org}, headers=actor.headers
    )
    assert response.status_code == 200, response.text
    offices: list[dict[str, Any]] = response.json()
    return offices


async def test_create_without_any_office_field_is_400(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(JOBS, json=_job_body(admin), headers=admin.headers)

    assert_invalid(response, "office")
    assert response.json()["error_description"].startswith("office is missing")


async def test_offices_array_of_blank_entries_is_no_office_and_400(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for offices in ([{}], [{"city": "", "zip_code": None}], []):
        response = await client.post(
            JOBS, json=_job_body(admin, offices=offices), headers=admin.headers
        )

        assert_invalid(response, "office")
        assert response.json()["error_description"].startswith("office is missing"), offices


async def test_office_id_of_the_organization_is_used(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.office(client, admin, name="Paris")
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")

    response = await client.post(
        JOBS, json=_job_body(admin, office_id=str(lyon["id"])), headers=admin.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["office_id"] == lyon["id"]


async def test_office_id_of_another_organization_is_400_and_creates_nothing(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    theirs = await build.office(client, outsider)

    response = await client.post(
        JOBS, json=_job_body(admin, office_id=theirs["id"]), headers=admin.headers
    )

    assert_invalid(response, "office_id")
    assert await _offices(client, admin) == []


async def test_unknown_office_id_is_400(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        JOBS, json=_job_body(admin, office_id=999_999), headers=admin.headers
    )

    assert_invalid(response, "office_id")


async def test_office_fields_matching_an_existing_office_reuse_it_case_insensitively(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin, address="11 bis rue Bachaumont", zip_code="75002")

    for fields in (
        {"office_zip_code": "75002"},
        {"office_city": "PARIS"},
        {"office_city": " paris ", "office_country_code": "fr"},
        {"office_address": "11 BIS RUE BACHAUMONT", "office_zip_code": "75002"},
        {"office_country_code": "FR"},
    ):
        response = await client.post(JOBS, json=_job_body(admin, **fields), headers=admin.headers)

        assert response.status_code == 201, (fields, response.text)
        assert response.json()["office_id"] == paris["id"], fields
    assert await _offices(client, admin) == [paris]


async def test_unmatched_office_fields_create_an_office_with_offices_rw(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    fields = {
        "office_address": "3 place Bellecour",
        "office_zip_code": "69002",
        "office_city": "Lyon",
        "office_country_code": "fr",
    }

    response = await client.post(
        JOBS, params={"office": "true"}, json=_job_body(admin, **fields), headers=admin.headers
    )

    assert response.status_code == 201, response.text
    offices = await _offices(client, admin)
    assert offices[0] == paris
    assert len(offices) == 2
    lyon = offices[1]
    assert lyon == {
        "id": lyon["id"],
        "name": "Lyon",
        "address": "3 place Bellecour",
        "zip_code": "69002",
        "city": "Lyon",
        "country_code": "FR",
        "is_headquarter": False,
    }
    assert response.json()["office_id"] == lyon["id"]
    assert response.json()["office"] == lyon


async def test_unmatched_office_fields_without_offices_rw_are_400_and_create_nothing(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["jobs_rw", "offices_r"])
    fields = {"office_city": "Lyon", "office_country_code": "FR"}

    response = await client.post(JOBS, json=_job_body(actor, **fields), headers=actor.headers)

    assert_error(response, 400, "validation_failed", NEEDS_OFFICES_RW)
    assert await _offices(client, actor) == []


async def test_matching_office_fields_need_no_offices_rw(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    writer = await build.actor(["jobs_rw"], organization=admin.organization)

    response = await client.post(
        JOBS, json=_job_body(writer, office_city="Paris"), headers=writer.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["office_id"] == paris["id"]


async def test_unmatched_office_fields_without_city_and_country_are_400(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)

    for fields in (
        {"office_city": "Lyon"},
        {"office_country_code": "DE"},
        {"office_zip_code": "69002"},
        {"office_address": "3 place Bellecour", "office_city": "Lyon"},
    ):
        response = await client.post(JOBS, json=_job_body(admin, **fields), headers=admin.headers)

        assert_error(response, 400, "validation_failed", NEEDS_CITY_AND_COUNTRY)
    assert await _offices(client, admin) == [paris]


async def test_offices_array_gives_several_offices_the_first_being_office_id(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    offices = [{"id": paris["id"]}, {"city": "Lyon", "country_code": "FR"}]

    created = await client.post(JOBS, json=_job_body(admin, offices=offices), headers=admin.headers)
    assert created.status_code == 201, created.text
    fetched = await client.get(
        f"{JOBS}/{created.json()['reference']}",
        params={"offices": "true", "office": "true"},
        headers=admin.headers,
    )

    job = fetched.json()
    assert job["office_id"] == paris["id"]
    assert job["office"] == paris
    assert [office["city"] for office in job["offices"]] == ["Paris", "Lyon"]
    assert job["offices"] == await _offices(client, admin)


async def test_office_fields_and_offices_array_combine_without_duplicates(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")
    body = _job_body(
        admin,
        office_city="Lyon",
        offices=[{"id": paris["id"]}, {"id": lyon["id"]}, {"zip_code": None, "city": "lyon"}],
    )

    response = await client.post(JOBS, params={"offices": "1"}, json=body, headers=admin.headers)

    assert response.status_code == 201, response.text
    job = response.json()
    assert job["office_id"] == lyon["id"]
    assert [office["id"] for office in job["offices"]] == [lyon["id"], paris["id"]]


async def test_offices_array_entry_of_another_organization_is_400(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    theirs = await build.office(client, outsider)

    response = await client.post(
        JOBS,
        json=_job_body(admin, offices=[{"id": paris["id"]}, {"id": theirs["id"]}]),
        headers=admin.headers,
    )

    assert_invalid(response, "office_id")


async def test_update_replaces_the_offices(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")
    job = await build.job(client, admin, offices=[{"id": paris["id"]}, {"id": lyon["id"]}])

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        params={"offices": "true"},
        json={"offices": [{"id": lyon["id"]}, {"city": "Nantes", "country_code": "FR"}]},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["office_id"] == lyon["id"]
    assert [office["city"] for office in updated["offices"]] == ["Lyon", "Nantes"]


async def test_update_with_office_id_alone_makes_it_the_only_office(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")
    job = await build.job(client, admin, offices=[{"id": paris["id"]}, {"id": lyon["id"]}])

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        params={"offices": "true", "office": "true"},
        json={"office_id": lyon["id"]},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["office"] == lyon
    assert response.json()["offices"] == [lyon]


async def test_update_without_office_fields_keeps_the_offices(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")
    job = await build.job(client, admin, offices=[{"id": paris["id"]}, {"id": lyon["id"]}])

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        params={"offices": "true"},
        json={"name": "Renamed"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["office_id"] == paris["id"]
    assert response.json()["offices"] == [paris, lyon]


async def test_update_to_an_office_of_another_organization_is_400_and_changes_nothing(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    theirs = await build.office(client, outsider)

    response = await client.put(
        f"{JOBS}/{job['reference']}", json={"office_id": theirs["id"]}, headers=admin.headers
    )

    assert_invalid(response, "office_id")
    fetched = await client.get(f"{JOBS}/{job['reference']}", headers=admin.headers)
    assert fetched.json()["office_id"] == job["office_id"]


async def test_update_creating_an_office_without_offices_rw_is_400(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    writer = await build.actor(["jobs_rw", "offices_r"], organization=admin.organization)

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        json={"office_city": "Lille", "office_country_code": "FR"},
        headers=writer.headers,
    )

    assert_error(response, 400, "validation_failed", NEEDS_OFFICES_RW)
    assert [office["city"] for office in await _offices(client, admin)] == ["Paris"]


async def test_office_flag_without_offices_r_creates_the_job_and_leaves_the_office_out(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(client, admin)
    writer = await build.actor(["jobs_rw"], organization=admin.organization)

    response = await client.post(
        JOBS,
        params={"office": "true", "stages": "true"},
        json=_job_body(writer, office_city="Paris", office_country_code="FR"),
        headers=writer.headers,
    )

    assert response.status_code == 201, response.text
    assert "office" not in response.json()
    assert response.json()["office_id"] == paris["id"]
    assert response.json()["stages"][0]["reference"] == "initial"
