"""`POST /organizations/:reference/websites` (create or replace by reference) and
`DELETE …/websites/:website_reference`: organisation admins only (§15.10)."""

from __future__ import annotations

from typing import Any

import httpx

from canopy.models import Role
from tests.fixtures.assertions import assert_error, assert_invalid
from tests.fixtures.builders import Actor, Builder
from tests.organizations.helpers import org_url

CAREERS = {
    "reference": "wk-careers_acme",
    "name": "Acme Careers",
    "kind": "single",
    "root_url": "https://acme.welcomekit.co",
    "organization_url": "https://acme.welcomekit.co/acme",
    "cover_url": "https://cdn.test/cover.jpg",
}


async def _post(
    client: httpx.AsyncClient, actor: Actor, body: dict[str, Any], org: str | None = None
) -> httpx.Response:
    return await client.post(
        org_url(org or actor.org, "/websites"), json=body, headers=actor.headers
    )


async def _websites(client: httpx.AsyncClient, actor: Actor) -> list[dict[str, Any]]:
    body = (await client.get(org_url(actor.org), headers=actor.headers)).json()
    websites: list[dict[str, Any]] = body["websites"]
    return websites


async def test_post_creates_a_website_with_201(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await _post(client, admin, CAREERS)

    assert response.status_code == 201, response.text
    assert response.json() == CAREERS
    assert await _websites(client, admin) == [
        {
            "reference": "wk-careers_acme",
            "name": "Acme Careers",
            "root_url": "https://acme.welcomekit.co",
            "cover_url": "https://cdn.test/cover.jpg",
        }
    ]


async def test_post_with_a_known_reference_replaces_it_with_200(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    await _post(client, admin, CAREERS)
    await _post(client, admin, {"reference": "wttj_fr", "name": "WTTJ", "root_url": "https://a.b"})

    response = await _post(
        client,
        admin,
        {"reference": "wk-careers_acme", "name": "Renamed", "root_url": "http://new.test/"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "reference": "wk-careers_acme",
        "name": "Renamed",
        "kind": "single",
        "root_url": "http://new.test/",
        "organization_url": None,
        "cover_url": None,
    }
    # Replaced in place: the websites keep their order.
    assert [w["reference"] for w in await _websites(client, admin)] == [
        "wk-careers_acme",
        "wttj_fr",
    ]


async def test_the_same_reference_in_two_organisations_is_two_websites(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    assert (await _post(client, admin, CAREERS)).status_code == 201
    assert (await _post(client, outsider, CAREERS)).status_code == 201


async def test_invalid_websites_are_refused_naming_the_parameter(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"reference": None}, "reference"),
        ({"reference": "has space"}, "reference"),
        ({"reference": "x" * 65}, "reference"),
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"root_url": ""}, "root_url"),
        ({"root_url": "javascript:alert(1)"}, "root_url"),
        ({"kind": "bogus"}, "kind"),
        ({"organization_url": "ftp://x.test"}, "organization_url"),
        ({"cover_url": "not a url"}, "cover_url"),
    ]
    for change, param in cases:
        body = {k: v for k, v in {**CAREERS, **change}.items() if v is not None}
        response = await _post(client, admin, body)
        assert response.status_code == 400, (change, response.text)
        assert_invalid(response, param)
    assert_error(
        await _post(client, admin, {"name": "x", "root_url": "https://a.b"}),
        400,
        "validation_failed",
        "reference is missing",
    )
    assert await _websites(client, admin) == []


async def test_delete_removes_a_website_with_204(client: httpx.AsyncClient, admin: Actor) -> None:
    await _post(client, admin, CAREERS)

    response = await client.delete(
        org_url(admin.org, "/websites/wk-careers_acme"), headers=admin.headers
    )

    assert response.status_code == 204
    assert response.content == b""
    assert await _websites(client, admin) == []
    again = await client.delete(
        org_url(admin.org, "/websites/wk-careers_acme"), headers=admin.headers
    )
    assert_error(again, 404, "not_found", "Website not found")


async def test_only_admins_manage_websites(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await _post(client, admin, CAREERS)
    outsider = await build.actor(["organizations_rw"])
    standard = await build.actor(organization=admin.organization, role=Role.standard)
    forbidden = "Only an admin of this organization may change it"

    assert_error(await _post(client, standard, CAREERS), 403, "forbidden", forbidden)
    assert_error(
        await client.delete(
            org_url(admin.org, "/websites/wk-careers_acme"), headers=standard.headers
        ),
        403,
        "forbidden",
        forbidden,
    )
    assert_error(
        await _post(client, outsider, CAREERS, org=admin.org),
        404,
        "not_found",
        "Organization not found",
    )
    reader = await build.actor(["organizations_r"], organization=admin.organization)
    assert_error(
        await _post(client, reader, CAREERS),
        403,
        "invalid_scope",
        "This endpoint requires the organizations_rw scope",
    )
    assert len(await _websites(client, admin)) == 1
