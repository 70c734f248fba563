"""Departments (§4.1): list, retrieve, create, update; scopes and tenancy (§15.2, §15.4)."""

from __future__ import annotations

from typing import Any

import httpx

from canopy.models import Role
from tests.api.helpers import assert_error
from tests.fixtures.builders import Actor, Builder

BASE = "/api/v1/external/departments"


async def _create(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        BASE, json={"organization_reference": actor.org, **fields}, headers=actor.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# -- create --


async def test_create_department_generates_slug(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        BASE,
        json={"organization_reference": admin.org, "name": "Tech & Data"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Tech & Data",
        "is_active": True,
        "slug": "tech-data",
        "description": None,
    }


async def test_create_department_returns_the_contract_object(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = await _create(client, admin, name="Tech", is_active=True, description="Foo bar")
    assert isinstance(body["id"], int)
    assert body == {
        "id": body["id"],
        "name": "Tech",
        "is_active": True,
        "slug": "tech",
        "description": "Foo bar",
    }


async def test_create_department_keeps_an_explicit_slug_and_is_active_false(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = await _create(client, admin, name="Research", slug="r-and-d", is_active=False)
    assert body["slug"] == "r-and-d"
    assert body["is_active"] is False


async def test_create_department_suffixes_a_generated_slug_already_taken(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    first = await _create(client, admin, name="Tech")
    second = await _create(client, admin, name="Tech")
    third = await _create(client, admin, name="TECH")
    assert [first["slug"], second["slug"], third["slug"]] == ["tech", "tech-2", "tech-3"]


async def test_create_department_allows_a_slug_used_by_another_organisation(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    await _create(client, outsider, name="Tech")
    body = await _create(client, admin, name="Tech", slug="tech")
    assert body["slug"] == "tech"


async def test_create_department_rejects_a_duplicate_explicit_slug(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    await _create(client, admin, name="Tech")
    response = await client.post(
        BASE,
        json={"organization_reference": admin.org, "name": "Other", "slug": "tech"},
        headers=admin.headers,
    )
    assert_error(response, 400, "validation_failed", "slug has already been taken")


async def test_create_department_rejects_a_missing_required_param(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for missing in ("organization_reference", "name"):
        params = {"organization_reference": admin.org, "name": "Tech"}
        del params[missing]
        response = await client.post(BASE, json=params, headers=admin.headers)
        assert_error(response, 400, "validation_failed", f"{missing} is missing")


BAD_CREATE_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"name": "x" * 201}, "name is invalid: string should have at most 200 characters"),
    ({"name": ""}, "name is invalid: string should have at least 1 character"),
    ({"name": None}, "name is invalid: input should be a valid string"),
    (
        {"name": "Tech", "slug": "Not A Slug"},
        "slug is invalid: may contain only lowercase letters, digits and single dashes",
    ),
    (
        {"name": "Tech", "slug": "double--dash"},
        "slug is invalid: may contain only lowercase letters, digits and single dashes",
    ),
    (
        {"name": "Tech", "is_active": "maybe"},
        "is_active is invalid: input should be a valid boolean, unable to interpret input",
    ),
]


async def test_create_department_rejects_a_bad_value_naming_the_param(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for fields, description in BAD_CREATE_VALUES:
        response = await client.post(
            BASE, json={"organization_reference": admin.org, **fields}, headers=admin.headers
        )
        assert_error(response, 400, "validation_failed", description)
    listed = await client.get(
        BASE, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert listed.json() == []


async def test_create_department_refuses_an_organisation_the_user_is_not_member_of(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    response = await client.post(
        BASE, json={"organization_reference": outsider.org, "name": "Tech"}, headers=admin.headers
    )
    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_create_department_answers_an_unknown_organisation_like_a_foreign_one(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        BASE, json={"organization_reference": "Nope123", "name": "Tech"}, headers=admin.headers
    )
    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_create_department_needs_departments_rw_not_departments_r(
    client: httpx.AsyncClient, build: Builder
) -> None:
    reader = await build.actor(scopes=["departments_r"])
    response = await client.post(
        BASE, json={"organization_reference": reader.org, "name": "Tech"}, headers=reader.headers
    )
    assert_error(response, 403, "invalid_scope", "This endpoint requires the departments_rw scope")


async def test_create_department_ignores_su_departments_r_for_another_organisation(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    partner = await build.actor(scopes=["departments_rw", "su_departments_r"])
    response = await client.post(
        BASE,
        json={"organization_reference": outsider.org, "name": "Tech"},
        headers=partner.headers,
    )
    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_create_department_is_allowed_to_a_limited_member_with_the_scope(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    limited = await build.actor(
        scopes=["departments_rw"], organization=admin.organization, role=Role.limited
    )
    body = await _create(client, limited, name="Ops")
    assert body["slug"] == "ops"


# -- retrieve --


async def test_get_department_returns_the_department(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech", description="Foo bar")
    response = await client.get(f"{BASE}/{created['id']}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json() == {
        "id": created["id"],
        "name": "Tech",
        "is_active": True,
        "slug": "tech",
        "description": "Foo bar",
    }


async def test_get_department_accepts_each_reading_scope(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech")
    for scope in ("departments_r", "departments_rw", "su_departments_r"):
        reader = await build.actor(scopes=[scope], organization=admin.organization)
        response = await client.get(f"{BASE}/{created['id']}", headers=reader.headers)
        assert response.status_code == 200, scope


async def test_get_department_refuses_a_token_without_a_department_scope(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech")
    reader = await build.actor(scopes=["offices_rw"], organization=admin.organization)
    response = await client.get(f"{BASE}/{created['id']}", headers=reader.headers)
    assert_error(
        response,
        403,
        "invalid_scope",
        "This endpoint requires the departments_r or su_departments_r scope",
    )


async def test_get_department_answers_not_found_for_an_unknown_id(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # 99999999999 does not fit the id column: still "not found", never a database error.
    for department_id in ("999999", "0", "-1", "99999999999"):
        response = await client.get(f"{BASE}/{department_id}", headers=admin.headers)
        assert_error(response, 404, "not_found", "Department not found")


async def test_get_department_rejects_a_non_integer_id(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(f"{BASE}/tech", headers=admin.headers)
    assert response.status_code == 400
    assert response.json()["error"] == "validation_failed"
    assert response.json()["error_description"].startswith("department_id is invalid")


async def test_get_department_of_another_organisation_is_not_found(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider, name="Secret")
    member = await build.actor(scopes=["departments_rw"])
    response = await client.get(f"{BASE}/{foreign['id']}", headers=member.headers)
    assert_error(response, 404, "not_found", "Department not found")


async def test_get_department_of_another_organisation_is_readable_with_su_departments_r(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider, name="Secret")
    partner = await build.actor(scopes=["su_departments_r"])
    response = await client.get(f"{BASE}/{foreign['id']}", headers=partner.headers)
    assert response.status_code == 200
    assert response.json() == foreign


# -- update --


async def test_update_department_renames_and_keeps_the_slug(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech", description="Foo bar")
    # The contract's example body.
    response = await client.put(
        f"{BASE}/{created['id']}", json={"name": "Whatever"}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    expected = {
        "id": created["id"],
        "name": "Whatever",
        "is_active": True,
        "slug": "tech",
        "description": "Foo bar",
    }
    assert response.json() == expected
    stored = await client.get(f"{BASE}/{created['id']}", headers=admin.headers)
    assert stored.json() == expected


async def test_update_department_changes_every_writable_field(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech", description="Foo bar")
    response = await client.put(
        f"{BASE}/{created['id']}",
        json={"name": "Data", "slug": "data", "is_active": False, "description": None},
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": created["id"],
        "name": "Data",
        "is_active": False,
        "slug": "data",
        "description": None,
    }


async def test_update_department_with_no_params_changes_nothing(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech", description="Foo bar")
    response = await client.put(f"{BASE}/{created['id']}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json() == created


async def test_update_department_accepts_its_own_slug(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech")
    response = await client.put(
        f"{BASE}/{created['id']}", json={"slug": "tech", "name": "Tech 2"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["slug"] == "tech"


async def test_update_department_rejects_a_slug_taken_in_the_organisation(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    await _create(client, admin, name="Tech")
    other = await _create(client, admin, name="Sales")
    response = await client.put(
        f"{BASE}/{other['id']}", json={"slug": "tech"}, headers=admin.headers
    )
    assert_error(response, 400, "validation_failed", "slug has already been taken")
    stored = await client.get(f"{BASE}/{other['id']}", headers=admin.headers)
    assert stored.json()["slug"] == "sales"


BAD_UPDATE_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"name": None}, "name cannot be null"),
    ({"is_active": None}, "is_active cannot be null"),
    ({"name": "x" * 201}, "name is invalid: string should have at most 200 characters"),
    ({"name": ""}, "name is invalid: string should have at least 1 character"),
    (
        {"slug": "Bad_Slug"},
        "slug is invalid: may contain only lowercase letters, digits and single dashes",
    ),
]


async def test_update_department_rejects_a_bad_value_naming_the_param(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech")
    for fields, description in BAD_UPDATE_VALUES:
        response = await client.put(f"{BASE}/{created['id']}", json=fields, headers=admin.headers)
        assert_error(response, 400, "validation_failed", description)
        stored = await client.get(f"{BASE}/{created['id']}", headers=admin.headers)
        assert stored.json() == created


async def test_update_department_answers_not_found_for_an_unknown_id(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.put(f"{BASE}/999999", json={"name": "X"}, headers=admin.headers)
    assert_error(response, 404, "not_found", "Department not found")


async def test_update_department_needs_departments_rw(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    created = await _create(client, admin, name="Tech")
    reader = await build.actor(scopes=["departments_r"], organization=admin.organization)
    response = await client.put(
        f"{BASE}/{created['id']}", json={"name": "X"}, headers=reader.headers
    )
    assert_error(response, 403, "invalid_scope", "This endpoint requires the departments_rw scope")


async def test_update_department_of_another_organisation_is_not_found(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider, name="Secret")
    member = await build.actor(scopes=["departments_rw"])
    response = await client.put(
        f"{BASE}/{foreign['id']}", json={"name": "Hacked"}, headers=member.headers
    )
    assert_error(response, 404, "not_found", "Department not found")
    stored = await client.get(f"{BASE}/{foreign['id']}", headers=outsider.headers)
    assert stored.json() == foreign


async def test_update_department_of_another_organisation_is_not_found_even_with_su_scope(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider, name="Secret")
    partner = await build.actor(scopes=["departments_rw", "su_departments_r"])
    assert (await client.get(f"{BASE}/{foreign['id']}", headers=partner.headers)).json() == foreign
    response = await client.put(
        f"{BASE}/{foreign['id']}", json={"name": "Hacked"}, headers=partner.headers
    )
    assert_error(response, 404, "not_found", "Department not found")
    stored = await client.get(f"{BASE}/{foreign['id']}", headers=outsider.headers)
    assert stored.json() == foreign


# -- list --


async def test_list_departments_returns_the_organisation_rows_oldest_first(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    tech = await _create(client, admin, name="Tech")
    await _create(client, outsider, name="Foreign")
    sales = await _create(client, admin, name="Sales", is_active=False)
    data = await _create(client, admin, name="Data", description="Numbers")
    response = await client.get(
        BASE, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json() == [tech, sales, data]
    assert response.headers["x-total"] == "3"


async def test_list_departments_of_an_organisation_without_departments_is_empty(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(
        BASE, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json() == []


async def test_list_departments_requires_organization_reference(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(BASE, headers=admin.headers)
    assert_error(response, 400, "validation_failed", "organization_reference is missing")


async def test_list_departments_refuses_an_organisation_the_user_is_not_member_of(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    await _create(client, outsider, name="Secret")
    member = await build.actor(scopes=["departments_rw"])
    response = await client.get(
        BASE, params={"organization_reference": outsider.org}, headers=member.headers
    )
    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_list_departments_of_another_organisation_with_su_departments_r(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider, name="Secret")
    partner = await build.actor(scopes=["su_departments_r"])
    await _create(client, await build.actor(organization=partner.organization), name="Own")
    response = await client.get(
        BASE, params={"organization_reference": outsider.org}, headers=partner.headers
    )
    assert response.status_code == 200
    assert response.json() == [foreign]


async def test_list_departments_refuses_a_token_without_a_department_scope(
    client: httpx.AsyncClient, build: Builder
) -> None:
    member = await build.actor(scopes=["offices_rw"])
    response = await client.get(
        BASE, params={"organization_reference": member.org}, headers=member.headers
    )
    assert_error(
        response,
        403,
        "invalid_scope",
        "This endpoint requires the departments_r or su_departments_r scope",
    )
