"""Offices (§4.2): list, retrieve, create, update; scopes and tenancy (§15.2, §15.4)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import assert_error
from tests.fixtures.builders import Actor, Builder

BASE = "/api/v1/external/offices"
PARIS = {
    "name": "Paris",
    "address": "11 bis rue Bachaumont",
    "zip_code": "75002",
    "city": "Paris",
    "country_code": "FR",
    "is_headquarter": True,
}


async def _create(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    params = {"name": "Lyon", "city": "Lyon", "country_code": "FR", **fields}
    response = await client.post(
        BASE, json={"organization_reference": actor.org, **params}, headers=actor.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _get(client: httpx.AsyncClient, actor: Actor, office_id: int) -> dict[str, Any]:
    response = await client.get(f"{BASE}/{office_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- create --


async def test_create_office_returns_the_contract_object(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        BASE, json={"organization_reference": admin.org, **PARIS}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert isinstance(body["id"], int)
    assert body == {"id": body["id"], **PARIS}


async def test_create_office_with_only_the_required_params(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = await _create(client, admin, name="New York", city="New York", country_code="US")
    assert body == {
        "id": body["id"],
        "name": "New York",
        "address": None,
        "zip_code": None,
        "city": "New York",
        "country_code": "US",
        "is_headquarter": False,
    }


async def test_create_office_upper_cases_the_country_code(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = await _create(client, admin, country_code="fr")
    assert body["country_code"] == "FR"


async def test_create_office_takes_a_numeric_zip_code_as_text(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = await _create(client, admin, zip_code=69002)
    assert body["zip_code"] == "69002"


async def test_create_office_as_headquarter_demotes_the_previous_one(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    foreign_hq = await _create(client, outsider, is_headquarter=True)
    first = await _create(client, admin, name="Paris", is_headquarter=True)
    second = await _create(client, admin, name="Lyon", is_headquarter="true")
    assert second["is_headquarter"] is True
    assert (await _get(client, admin, first["id"]))["is_headquarter"] is False
    assert (await _get(client, outsider, foreign_hq["id"]))["is_headquarter"] is True


async def test_create_office_rejects_a_missing_required_param(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for missing in ("organization_reference", "name", "city", "country_code"):
        params = {"organization_reference": admin.org, **PARIS}
        del params[missing]
        response = await client.post(BASE, json=params, headers=admin.headers)
        assert_error(response, 400, "validation_failed", f"{missing} is missing")


async def test_create_office_rejects_unknown_country_code(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # Besides non-codes: CLDR groupings (EU, UN) and user-assigned codes (ZZ, XA, QO).
    for code in ("XX", "FRA", "F", "", "12", "ZZ", "EU", "UN", "XA", "QO"):
        response = await client.post(
            BASE,
            json={"organization_reference": admin.org, **PARIS, "country_code": code},
            headers=admin.headers,
        )
        assert_error(
            response,
            400,
            "validation_failed",
            f"country_code is invalid: {code!r} is not an ISO 3166-1 alpha-2 country code",
        )


async def test_create_office_accepts_kosovo_xk(client: httpx.AsyncClient, admin: Actor) -> None:
    body = await _create(client, admin, name="Pristina", city="Pristina", country_code="xk")
    assert body["country_code"] == "XK"


BAD_CREATE_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"name": "x" * 201}, "name is invalid: string should have at most 200 characters"),
    ({"name": ""}, "name is invalid: string should have at least 1 character"),
    ({"city": ""}, "city is invalid: string should have at least 1 character"),
    ({"zip_code": "1" * 21}, "zip_code is invalid: string should have at most 20 characters"),
    ({"address": "a" * 501}, "address is invalid: string should have at most 500 characters"),
    (
        {"is_headquarter": "sometimes"},
        "is_headquarter is invalid: input should be a valid boolean, unable to interpret input",
    ),
]


async def test_create_office_rejects_a_bad_value_naming_the_param(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for fields, description in BAD_CREATE_VALUES:
        response = await client.post(
            BASE,
            json={"organization_reference": admin.org, **PARIS, **fields},
            headers=admin.headers,
        )
        assert_error(response, 400, "validation_failed", description)


async def test_create_office_refuses_an_organisation_the_user_is_not_member_of(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    response = await client.post(
        BASE, json={"organization_reference": outsider.org, **PARIS}, headers=admin.headers
    )
    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_create_office_needs_offices_rw_not_offices_r(
    client: httpx.AsyncClient, build: Builder
) -> None:
    reader = await build.actor(scopes=["offices_r"])
    response = await client.post(
        BASE, json={"organization_reference": reader.org, **PARIS}, headers=reader.headers
    )
    assert_error(response, 403, "invalid_scope", "This endpoint requires the offices_rw scope")


async def test_create_office_ignores_su_offices_r_for_another_organisation(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    partner = await build.actor(scopes=["offices_rw", "su_offices_r"])
    response = await client.post(
        BASE, json={"organization_reference": outsider.org, **PARIS}, headers=partner.headers
    )
    assert_error(response, 401, "unauthorized", "You are not member of this organization")


# -- retrieve --


async def test_get_office_returns_the_office(client: httpx.AsyncClient, admin: Actor) -> None:
    created = await _create(client, admin, **PARIS)
    assert await _get(client, admin, created["id"]) == {"id": created["id"], **PARIS}


async def test_get_office_accepts_each_reading_scope(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    created = await _create(client, admin)
    for scope in ("offices_r", "offices_rw", "su_offices_r"):
        reader = await build.actor(scopes=[scope], organization=admin.organization)
        response = await client.get(f"{BASE}/{created['id']}", headers=reader.headers)
        assert response.status_code == 200, scope


async def test_get_office_refuses_a_token_without_an_office_scope(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    created = await _create(client, admin)
    reader = await build.actor(scopes=["departments_rw"], organization=admin.organization)
    response = await client.get(f"{BASE}/{created['id']}", headers=reader.headers)
    assert_error(
        response, 403, "invalid_scope", "This endpoint requires the offices_r or su_offices_r scope"
    )


async def test_get_office_answers_not_found_for_an_unknown_id(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # 99999999999 does not fit the id column: still "not found", never a database error.
    for office_id in ("999999", "0", "-5", "99999999999"):
        response = await client.get(f"{BASE}/{office_id}", headers=admin.headers)
        assert_error(response, 404, "not_found", "Office not found")


async def test_get_office_rejects_a_non_integer_id(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(f"{BASE}/paris", headers=admin.headers)
    assert response.status_code == 400
    assert response.json()["error"] == "validation_failed"
    assert response.json()["error_description"].startswith("office_id is invalid")


async def test_get_office_of_another_organisation_is_not_found(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider)
    member = await build.actor(scopes=["offices_rw"])
    response = await client.get(f"{BASE}/{foreign['id']}", headers=member.headers)
    assert_error(response, 404, "not_found", "Office not found")


async def test_get_office_of_another_organisation_is_readable_with_su_offices_r(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider)
    partner = await build.actor(scopes=["su_offices_r"])
    assert await _get(client, partner, foreign["id"]) == foreign


# -- update --


async def test_update_office_changes_only_the_given_params(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, **PARIS)
    response = await client.put(
        f"{BASE}/{created['id']}",
        json={"name": "Paris Sentier", "zip_code": "75009"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    expected = {**created, "name": "Paris Sentier", "zip_code": "75009"}
    assert response.json() == expected
    assert await _get(client, admin, created["id"]) == expected


async def test_update_office_changes_every_writable_field(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, **PARIS)
    changes = {
        "name": "New York",
        "address": None,
        "zip_code": None,
        "city": "New York",
        "country_code": "us",
        "is_headquarter": "false",
    }
    response = await client.put(f"{BASE}/{created['id']}", json=changes, headers=admin.headers)
    assert response.status_code == 200
    assert response.json() == {
        "id": created["id"],
        "name": "New York",
        "address": None,
        "zip_code": None,
        "city": "New York",
        "country_code": "US",
        "is_headquarter": False,
    }


async def test_update_office_to_headquarter_demotes_the_previous_one(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    paris = await _create(client, admin, **PARIS)
    lyon = await _create(client, admin)
    response = await client.put(
        f"{BASE}/{lyon['id']}", json={"is_headquarter": True}, headers=admin.headers
    )
    assert response.json()["is_headquarter"] is True
    assert (await _get(client, admin, paris["id"]))["is_headquarter"] is False


BAD_UPDATE_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"name": None}, "name cannot be null"),
    ({"city": None}, "city cannot be null"),
    ({"country_code": None}, "country_code cannot be null"),
    ({"is_headquarter": None}, "is_headquarter cannot be null"),
    (
        {"country_code": "ZZ"},
        "country_code is invalid: 'ZZ' is not an ISO 3166-1 alpha-2 country code",
    ),
    ({"name": "x" * 201}, "name is invalid: string should have at most 200 characters"),
]


async def test_update_office_rejects_a_bad_value_naming_the_param(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _create(client, admin, **PARIS)
    for fields, description in BAD_UPDATE_VALUES:
        response = await client.put(f"{BASE}/{created['id']}", json=fields, headers=admin.headers)
        assert_error(response, 400, "validation_failed", description)
        assert await _get(client, admin, created["id"]) == created


async def test_update_office_answers_not_found_for_an_unknown_id(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.put(f"{BASE}/999999", json={"name": "X"}, headers=admin.headers)
    assert_error(response, 404, "not_found", "Office not found")


async def test_update_office_needs_offices_rw(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    created = await _create(client, admin)
    reader = await build.actor(scopes=["offices_r"], organization=admin.organization)
    response = await client.put(
        f"{BASE}/{created['id']}", json={"name": "X"}, headers=reader.headers
    )
    assert_error(response, 403, "invalid_scope", "This endpoint requires the offices_rw scope")


async def test_update_office_of_another_organisation_is_not_found(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider, **PARIS)
    member = await build.actor(scopes=["offices_rw"])
    response = await client.put(
        f"{BASE}/{foreign['id']}", json={"name": "Hacked"}, headers=member.headers
    )
    assert_error(response, 404, "not_found", "Office not found")
    assert await _get(client, outsider, foreign["id"]) == foreign


async def test_update_office_of_another_organisation_is_not_found_even_with_su_scope(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider, **PARIS)
    partner = await build.actor(scopes=["offices_rw", "su_offices_r"])
    assert await _get(client, partner, foreign["id"]) == foreign
    response = await client.put(
        f"{BASE}/{foreign['id']}", json={"is_headquarter": False}, headers=partner.headers
    )
    assert_error(response, 404, "not_found", "Office not found")
    assert await _get(client, outsider, foreign["id"]) == foreign


# -- list --


async def test_list_offices_returns_the_organisation_rows_oldest_first(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    paris = await _create(client, admin, **PARIS)
    await _create(client, outsider, name="Foreign")
    lyon = await _create(client, admin)
    boston = await _create(client, admin, name="Boston", city="Boston", country_code="US")
    response = await client.get(
        BASE, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json() == [paris, lyon, boston]
    assert response.headers["x-total"] == "3"


async def test_list_offices_requires_organization_reference(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(BASE, headers=admin.headers)
    assert_error(response, 400, "validation_failed", "organization_reference is missing")


async def test_list_offices_refuses_an_organisation_the_user_is_not_member_of(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    member = await build.actor(scopes=["offices_rw"])
    response = await client.get(
        BASE, params={"organization_reference": outsider.org}, headers=member.headers
    )
    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_list_offices_of_another_organisation_with_su_offices_r(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    foreign = await _create(client, outsider)
    partner = await build.actor(scopes=["su_offices_r"])
    response = await client.get(
        BASE, params={"organization_reference": outsider.org}, headers=partner.headers
    )
    assert response.status_code == 200
    assert response.json() == [foreign]


async def test_list_offices_refuses_a_token_without_an_office_scope(
    client: httpx.AsyncClient, build: Builder
) -> None:
    member = await build.actor(scopes=["departments_rw"])
    response = await client.get(
        BASE, params={"organization_reference": member.org}, headers=member.headers
    )
    assert_error(
        response, 403, "invalid_scope", "This endpoint requires the offices_r or su_offices_r scope"
    )
