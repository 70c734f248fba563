"""`PUT /organizations/:reference` (§15.10): organisation admins change the profile; every
field is validated (§15.2)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from canopy.models import Role
from tests.fixtures.assertions import assert_error, assert_invalid, parse_time
from tests.fixtures.builders import Actor, Builder
from tests.organizations.helpers import contract_profile, org_url, put_profile

FORBIDDEN = "Only an admin of this organization may change it"


async def _put(client: httpx.AsyncClient, actor: Actor, org: str, **fields: Any) -> httpx.Response:
    return await client.put(org_url(org), json=fields, headers=actor.headers)


async def test_put_sets_every_profile_field_of_the_contract(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    profile = contract_profile()
    body = await put_profile(client, admin, **profile)

    for key, value in profile.items():
        assert body[key] == value, key
    again = (await client.get(org_url(admin.org), headers=admin.headers)).json()
    assert again == body


async def test_put_changes_only_the_given_fields(client: httpx.AsyncClient, admin: Actor) -> None:
    before = await put_profile(client, admin, description="Before", nb_employees=10)
    after = await put_profile(client, admin, nb_employees="185")

    assert after["nb_employees"] == 185
    assert after["description"] == "Before"
    assert {k: v for k, v in after.items() if k not in ("nb_employees", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("nb_employees", "updated_at")
    }
    assert parse_time(after["updated_at"]) >= parse_time(before["updated_at"])


async def test_a_form_body_sets_i18n_maps_and_sectors(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.put(
        org_url(admin.org),
        content=(
            "i18n_descriptions[fr]=Bonjour&i18n_descriptions[en]=Hello"
            "&sectors[]=saas-cloud-services&sectors[]=media-1&parity_women=62"
        ),
        headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["i18n_descriptions"] == {"fr": "Bonjour", "en": "Hello"}
    assert body["sectors"] == ["saas-cloud-services", "media-1"]
    assert body["parity_women"] == 62


async def test_i18n_maps_are_merged_and_null_removes_a_language(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    await put_profile(client, admin, i18n_looking_fors={"fr": "Des gens", "en": "People"})
    merged = await put_profile(client, admin, i18n_looking_fors={"es": "Gente", "en": None})
    assert merged["i18n_looking_fors"] == {"fr": "Des gens", "es": "Gente"}
    cleared = await put_profile(client, admin, i18n_looking_fors=None)
    assert cleared["i18n_looking_fors"] == {}


async def test_sectors_accept_a_comma_list_and_drop_repeats(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = await put_profile(client, admin, sectors="media-1, e-commerce-1,media-1")
    assert body["sectors"] == ["media-1", "e-commerce-1"]
    assert (await put_profile(client, admin, sectors=None))["sectors"] == []


async def test_empty_url_clears_and_empty_handle_is_kept(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    await put_profile(client, admin, logo_url="https://cdn.test/logo.png", media_instagram="x")
    body = await put_profile(client, admin, logo_url="", media_instagram="")
    assert body["logo_url"] is None
    assert body["media_instagram"] == ""


async def test_slug_can_change_but_must_be_free(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    body = await put_profile(client, admin, slug="acme-corp")
    assert body["slug"] == "acme-corp"
    assert (await put_profile(client, admin, slug="acme-corp"))["slug"] == "acme-corp"
    response = await _put(client, outsider, outsider.org, slug="acme-corp")
    assert_error(response, 400, "validation_failed", "slug has already been taken")


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"slug": "Not A Slug"}, "slug"),
    ({"default_language": "xx"}, "default_language"),
    ({"description": "x" * 20_001}, "description"),
    ({"media_website_url": "ftp://example.com"}, "media_website_url"),
    ({"media_website_url": "welcometothejungle.com"}, "media_website_url"),
    ({"logo_url": "javascript:alert(1)"}, "logo_url"),
    ({"cover_url": "https://exa mple.com/a.jpg"}, "cover_url"),
    ({"cover_url": "https://"}, "cover_url"),
    ({"media_twitter": "x" * 201}, "media_twitter"),
    ({"media_linkedin": "two\nlines"}, "media_linkedin"),
    ({"nb_employees": -1}, "nb_employees"),
    ({"nb_employees": "many"}, "nb_employees"),
    ({"average_age": 5}, "average_age"),
    ({"turnover": 101}, "turnover"),
    ({"creation_year": 1700}, "creation_year"),
    ({"creation_year": 3000}, "creation_year"),
    ({"parity_men": 101}, "parity_men"),
    ({"parity_women": -1}, "parity_women"),
    ({"revenue": "x" * 201}, "revenue"),
    ({"sectors": ["Not Valid"]}, "sectors"),
    ({"sectors": [f"s{n}" for n in range(31)]}, "sectors"),
    ({"i18n_descriptions": {"xx": "?"}}, "i18n_descriptions"),
    ({"i18n_descriptions": "text"}, "i18n_descriptions"),
    ({"i18n_good_to_knows": {"fr": ["a list"]}}, "i18n_good_to_knows.fr"),
    ({"i18n_covers": {"fr": "not a url"}}, "i18n_covers"),
    ({"i18n_covers": {"zz": "https://cdn.test/a.jpg"}}, "i18n_covers"),
    ({"parent_reference": "x" * 65}, "parent_reference"),
]


async def test_invalid_values_are_refused_naming_the_parameter(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # One organisation for every case: each request is refused, so none changes it.
    for fields, param in INVALID:
        response = await _put(client, admin, admin.org, **fields)
        assert response.status_code == 400, (fields, response.text)
        assert_invalid(response, param)


@pytest.mark.parametrize("name", ["name", "slug", "default_language"])
async def test_required_fields_cannot_be_null(
    client: httpx.AsyncClient, admin: Actor, name: str
) -> None:
    assert_error(
        await _put(client, admin, admin.org, **{name: None}),
        400,
        "validation_failed",
        f"{name} cannot be null",
    )


async def test_parity_must_not_add_up_to_more_than_100(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    message = "parity_men and parity_women must not add up to more than 100"
    assert_error(
        await _put(client, admin, admin.org, parity_men=60, parity_women=50),
        400,
        "validation_failed",
        message,
    )
    await put_profile(client, admin, parity_men=60, parity_women=40)
    # Checked against the stored value of the other field.
    assert_error(
        await _put(client, admin, admin.org, parity_women=41), 400, "validation_failed", message
    )
    body = await put_profile(client, admin, parity_men=None, parity_women=70)
    assert (body["parity_men"], body["parity_women"]) == (None, 70)


async def test_a_refused_update_changes_nothing(client: httpx.AsyncClient, admin: Actor) -> None:
    await put_profile(client, admin, description="Kept")
    response = await _put(client, admin, admin.org, description="Lost", parity_men=101)
    assert response.status_code == 400
    body = (await client.get(org_url(admin.org), headers=admin.headers)).json()
    assert body["description"] == "Kept"


# -- who may write --


@pytest.mark.parametrize("role", [Role.standard, Role.limited])
async def test_a_member_who_is_not_admin_is_forbidden(
    client: httpx.AsyncClient, admin: Actor, build: Builder, role: Role
) -> None:
    member = await build.actor(organization=admin.organization, role=role)
    assert_error(
        await _put(client, member, admin.org, description="Mine"), 403, "forbidden", FORBIDDEN
    )


async def test_writes_need_organizations_rw(client: httpx.AsyncClient, build: Builder) -> None:
    reader = await build.actor(["organizations_r", "su_organizations_r"])
    assert_error(
        await _put(client, reader, reader.org, description="x"),
        403,
        "invalid_scope",
        "This endpoint requires the organizations_rw scope",
    )


async def test_another_organisation_is_not_found_or_forbidden_to_a_partner(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    member = await build.actor(["organizations_rw"])
    assert_error(
        await _put(client, member, outsider.org, description="x"),
        404,
        "not_found",
        "Organization not found",
    )
    partner = await build.actor(["organizations_rw", "su_organizations_r"])
    assert_error(
        await _put(client, partner, outsider.org, description="x"), 403, "forbidden", FORBIDDEN
    )
    assert_error(
        await _put(client, partner, "Nope123", description="x"),
        404,
        "not_found",
        "Organization not found",
    )


# -- parent_reference --


async def test_parent_reference_makes_a_subsidiary_of_an_organisation_one_admins(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    child = await build.actor(organization=await build.organization("Child"), role=Role.admin)
    await build.member(child.organization, admin.user, Role.admin)

    await put_profile(client, admin, org=child.org, parent_reference=admin.org)

    parent = (await client.get(org_url(admin.org), headers=admin.headers)).json()
    assert parent["subsidiaries"] == [
        {"name": "Child", "slug": child.organization.slug, "reference": child.org}
    ]
    await put_profile(client, admin, org=child.org, parent_reference=None)
    parent = (await client.get(org_url(admin.org), headers=admin.headers)).json()
    assert parent["subsidiaries"] == []


async def test_parent_reference_must_be_an_organisation_one_admins(
    client: httpx.AsyncClient, admin: Actor, build: Builder, outsider: Actor
) -> None:
    standard_of = await build.organization("Standard")
    await build.member(standard_of, admin.user, Role.standard)
    message = "parent_reference is invalid: it must be an organization you are an admin of"
    for reference in (outsider.org, standard_of.reference, "Nope123"):
        assert_error(
            await _put(client, admin, admin.org, parent_reference=reference),
            400,
            "validation_failed",
            message,
        )


async def test_parent_reference_refuses_itself_and_cycles(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    middle = await build.organization("Middle")
    bottom = await build.organization("Bottom")
    for org in (middle, bottom):
        await build.member(org, admin.user, Role.admin)
    await put_profile(client, admin, org=middle.reference, parent_reference=admin.org)
    await put_profile(client, admin, org=bottom.reference, parent_reference=middle.reference)

    assert_error(
        await _put(client, admin, admin.org, parent_reference=admin.org),
        400,
        "validation_failed",
        "parent_reference is invalid: an organization cannot be its own parent",
    )
    assert_error(
        await _put(client, admin, admin.org, parent_reference=bottom.reference),
        400,
        "validation_failed",
        f"parent_reference is invalid: {bottom.reference} is a subsidiary of {admin.org}",
    )
