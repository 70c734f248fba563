"""The Departments and Offices examples of the docs (§4)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.compat.documented import assert_documented
from tests.compat.helpers import BASE, bearer, json_headers, ok
from tests.fixtures.builders import Actor

DEPARTMENTS = f"{BASE}/departments"
OFFICES = f"{BASE}/offices"

# §4.1: the Department object.
DEPARTMENT: dict[str, Any] = {
    "id": 42,
    "name": "Tech",
    "is_active": True,
    "slug": "tech",
    "description": "Foo bar",
}

# §4.2: the Office object.
OFFICE: dict[str, Any] = {
    "id": 42,
    "name": "Paris",
    "address": "11 bis rue Bachaumont",
    "zip_code": "75002",
    "city": "Paris",
    "country_code": "FR",
    "is_headquarter": True,
}


async def _department(client: httpx.AsyncClient, admin: Actor) -> dict[str, Any]:
    # §4.1's create example: organization_reference, name, is_active, description (the slug
    # "is automatically generated from the department's name").
    response = await client.post(
        DEPARTMENTS,
        json={
            "organization_reference": admin.org,
            "name": "Tech",
            "is_active": True,
            "description": "Foo bar",
        },
        headers=json_headers(admin),
    )
    created: dict[str, Any] = ok(response, 201)
    return created


async def _office(client: httpx.AsyncClient, admin: Actor) -> dict[str, Any]:
    # §4.2's create parameters, with the values of its object.
    body = {"organization_reference": admin.org, **{k: v for k, v in OFFICE.items() if k != "id"}}
    created: dict[str, Any] = ok(
        await client.post(OFFICES, json=body, headers=json_headers(admin)), 201
    )
    return created


async def test_create_department_example_answers_the_documented_department(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _department(client, admin)

    assert_documented(DEPARTMENT, created, shape_only=("id",))


async def test_list_departments_example_answers_documented_departments(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _department(client, admin)

    # curl -X GET -G ".../departments" -d "organization_reference=Pg4eV6k"
    response = await client.get(
        DEPARTMENTS, params={"organization_reference": admin.org}, headers=bearer(admin)
    )

    assert_documented([{**DEPARTMENT, "id": created["id"]}], ok(response))


async def test_retrieve_department_example_answers_the_documented_department(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _department(client, admin)

    response = await client.get(f"{DEPARTMENTS}/{created['id']}", headers=json_headers(admin))

    assert_documented({**DEPARTMENT, "id": created["id"]}, ok(response))


async def test_update_department_example_renames_and_keeps_the_slug(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _department(client, admin)

    # The docs' body is `{"name": "Whatever",}`: the trailing comma the contract points out
    # (§4.1) is dropped.
    response = await client.put(
        f"{DEPARTMENTS}/{created['id']}", json={"name": "Whatever"}, headers=json_headers(admin)
    )

    assert_documented({**DEPARTMENT, "id": created["id"], "name": "Whatever"}, ok(response))


async def test_create_office_example_answers_the_documented_office(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _office(client, admin)

    assert_documented(OFFICE, created, shape_only=("id",))


async def test_list_offices_example_answers_documented_offices(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _office(client, admin)

    # curl -X GET -G ".../offices" -d "organization_reference=Pg4eV6k"
    response = await client.get(
        OFFICES, params={"organization_reference": admin.org}, headers=bearer(admin)
    )

    assert_documented([{**OFFICE, "id": created["id"]}], ok(response))


async def test_retrieve_office_example_answers_the_documented_office(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _office(client, admin)

    response = await client.get(f"{OFFICES}/{created['id']}", headers=json_headers(admin))

    assert_documented({**OFFICE, "id": created["id"]}, ok(response))


async def test_update_office_example_renames_the_office(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _office(client, admin)

    # The Slate source's update example: {"name": "France"}.
    response = await client.put(
        f"{OFFICES}/{created['id']}", json={"name": "France"}, headers=json_headers(admin)
    )

    assert_documented({**OFFICE, "id": created["id"], "name": "France"}, ok(response))
