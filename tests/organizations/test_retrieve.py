"""`GET /organizations/:reference` (§6.1): the full profile, member and partner reach, and the
scopes of the offices/images/videos inclusions (§15.2, §15.4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Role
from canopy.organizations import service as organizations
from tests.fixtures.assertions import TIMESTAMP, assert_error
from tests.fixtures.builders import Actor, Builder
from tests.organizations.helpers import (
    CONTRACT_ORGANIZATION,
    ORGANIZATION_KEYS,
    contract_profile,
    org_url,
    put_profile,
    put_website,
)


async def _get(
    client: httpx.AsyncClient, actor: Actor, reference: str, **params: str
) -> httpx.Response:
    return await client.get(org_url(reference), params=params, headers=actor.headers)


async def test_retrieve_returns_every_field_of_the_contract_example(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    await put_profile(client, admin, **contract_profile())
    example_site = CONTRACT_ORGANIZATION["websites"][0]
    await put_website(client, admin, **example_site)
    async with maker() as session:
        parent = await organizations.by_reference(session, admin.org)
        assert parent is not None
        child = await organizations.create(
            session, "Welcome To The Jungle Czech Republic and Slovakia", slug="wttj-cz"
        )
        await organizations.set_parent(session, child, parent)
        await session.commit()
        child_reference = child.reference

    response = await _get(client, admin, admin.org)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ORGANIZATION_KEYS
    for key, expected in CONTRACT_ORGANIZATION.items():
        if key == "reference":
            assert body[key] == admin.org
        elif key == "subsidiaries":
            assert body[key] == [{**expected[0], "reference": child_reference}]
        elif key in ("updated_at",):
            assert TIMESTAMP.match(body[key]), body[key]
        else:
            assert body[key] == expected, key
    assert TIMESTAMP.match(body["created_at"])


async def test_a_new_organisation_has_empty_collections_and_null_profile(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = (await _get(client, admin, admin.org)).json()

    assert set(body) == ORGANIZATION_KEYS
    assert body["reference"] == admin.org
    assert body["name"] == admin.organization.name
    assert body["default_language"] == "fr"
    for key in ("subsidiaries", "sectors", "websites"):
        assert body[key] == []
    for key in ("i18n_descriptions", "i18n_looking_fors", "i18n_good_to_knows", "i18n_covers"):
        assert body[key] == {}
    for key in ("nb_employees", "parity_men", "media_twitter", "logo_url", "description"):
        assert body[key] is None


async def test_member_reads_with_organizations_r_and_any_role(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    limited = await build.actor(
        ["organizations_r"], organization=admin.organization, role=Role.limited
    )
    response = await _get(client, limited, admin.org)
    assert response.status_code == 200, response.text
    assert response.json()["reference"] == admin.org


async def test_non_member_gets_404_without_su_organizations_r(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    member_only = await build.actor(["organizations_rw"])
    assert_error(
        await _get(client, member_only, outsider.org), 404, "not_found", "Organization not found"
    )
    assert_error(
        await _get(client, member_only, "Nope123"), 404, "not_found", "Organization not found"
    )


async def test_su_organizations_r_reads_any_organisation_and_only_existing_ones(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    partner = await build.actor(["su_organizations_r"])
    response = await _get(client, partner, outsider.org)
    assert response.status_code == 200, response.text
    assert response.json()["reference"] == outsider.org
    own = await _get(client, partner, partner.org)
    assert own.status_code == 200
    assert_error(await _get(client, partner, "Nope123"), 404, "not_found", "Organization not found")


async def test_retrieve_needs_an_organizations_scope(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["jobs_r", "offices_r"])
    assert_error(
        await _get(client, actor, actor.org),
        403,
        "invalid_scope",
        "This endpoint requires the organizations_r or su_organizations_r scope",
    )


async def test_retrieve_without_a_token_is_401(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(org_url(admin.org))
    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_offices_flag_adds_the_office_objects(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    paris = await build.office(
        client,
        admin,
        name="WTTJ HQ",
        address="15 rue Commines",
        zip_code="75003",
        is_headquarter=True,
    )
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")

    body = (await _get(client, admin, admin.org, offices="true")).json()

    assert set(body) == ORGANIZATION_KEYS | {"offices"}
    assert body["offices"] == [paris, lyon]
    assert paris == {
        "id": paris["id"],
        "name": "WTTJ HQ",
        "address": "15 rue Commines",
        "zip_code": "75003",
        "city": "Paris",
        "country_code": "FR",
        "is_headquarter": True,
    }
    without = (await _get(client, admin, admin.org, offices="false")).json()
    assert "offices" not in without


async def test_websites_flag_needs_no_scope_and_websites_are_always_listed(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await put_website(client, admin, reference="wk-careers_acme", name="Careers")
    await put_website(client, admin, reference="wttj_fr", cover_url="https://cdn.test/c.jpg")
    reader = await build.actor(["organizations_r"], organization=admin.organization)

    flagged = (await _get(client, reader, admin.org, websites="true")).json()
    plain = (await _get(client, reader, admin.org)).json()

    expected = [
        {
            "reference": "wk-careers_acme",
            "name": "Careers",
            "root_url": "https://wttj.co",
            "cover_url": None,
        },
        {
            "reference": "wttj_fr",
            "name": "WTTJ",
            "root_url": "https://wttj.co",
            "cover_url": "https://cdn.test/c.jpg",
        },
    ]
    assert flagged["websites"] == plain["websites"] == expected
    assert set(flagged) == ORGANIZATION_KEYS


@pytest.mark.parametrize(
    ("flag", "own", "partner"),
    [
        ("offices", "offices_r", "su_offices_r"),
        ("images", "images_r", "su_images_r"),
        ("videos", "videos_r", "su_videos_r"),
    ],
)
async def test_each_flag_needs_its_scope_on_a_member_organisation(
    client: httpx.AsyncClient, build: Builder, flag: str, own: str, partner: str
) -> None:
    bare = await build.actor(["organizations_r"])
    # Without the scope the block is left out; the answer is not refused for it.
    response = await _get(client, bare, bare.org, **{flag: "true"})
    assert response.status_code == 200, response.text
    assert flag not in response.json()
    assert response.json()["reference"] == bare.org
    for scopes in (["organizations_r", own], ["organizations_r", partner]):
        actor = await build.actor(scopes, organization=bare.organization)
        response = await _get(client, actor, bare.org, **{flag: "true"})
        assert response.status_code == 200, response.text
        assert response.json()[flag] == []


@pytest.mark.parametrize(
    ("flag", "own", "partner"),
    [
        ("offices", "offices_rw", "su_offices_r"),
        ("images", "images_r", "su_images_r"),
        ("videos", "videos_r", "su_videos_r"),
    ],
)
async def test_a_partner_flag_on_another_organisation_needs_the_su_scope(
    client: httpx.AsyncClient, build: Builder, outsider: Actor, flag: str, own: str, partner: str
) -> None:
    member_scope = await build.actor(["su_organizations_r", own])
    response = await _get(client, member_scope, outsider.org, **{flag: "true"})
    assert response.status_code == 200, response.text
    assert flag not in response.json()
    # On its own organisation the member scope is enough.
    response = await _get(client, member_scope, member_scope.org, **{flag: "true"})
    assert response.status_code == 200, response.text
    assert response.json()[flag] == []
    su_scope = await build.actor(["su_organizations_r", partner])
    response = await _get(client, su_scope, outsider.org, **{flag: "true"})
    assert response.status_code == 200, response.text
    assert response.json()[flag] == []


async def test_a_flag_without_its_scope_on_an_unknown_organisation_is_not_found(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["organizations_r"])
    response = await _get(client, actor, "Nope123", offices="true")
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"


async def test_an_invalid_flag_is_a_validation_error(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await _get(client, admin, admin.org, offices="maybe")
    assert response.status_code == 400
    assert response.json()["error_description"].startswith("offices is invalid")


async def test_subsidiaries_are_listed_oldest_first_and_visible_to_the_parent_reader(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    async with maker() as session:
        parent = await organizations.by_reference(session, admin.org)
        assert parent is not None
        children: list[Any] = []
        for name in ("Alpha Sub", "Beta Sub"):
            child = await organizations.create(session, name)
            await organizations.set_parent(session, child, parent)
            children.append(child)
        await session.commit()

    body = (await _get(client, admin, admin.org)).json()

    assert body["subsidiaries"] == [
        {"name": c.name, "slug": c.slug, "reference": c.reference} for c in children
    ]
