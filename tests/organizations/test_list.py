"""`GET /organizations` (§6.2): partners only, exactly one search parameter, date filters,
flags with partnership scopes, paging and HEAD (§15.3)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Role
from tests.api.helpers import links, paging
from tests.fixtures.assertions import assert_error, assert_invalid
from tests.fixtures.builders import Actor, Builder
from tests.organizations.helpers import (
    ORGANIZATION_KEYS,
    ORGANIZATIONS,
    put_profile,
    put_website,
    set_times,
)

ONE_OF = "one and only one of name, media_website_url, cms_sites_references is required"


async def _list(client: httpx.AsyncClient, actor: Actor, **params: str) -> httpx.Response:
    return await client.get(ORGANIZATIONS, params=params, headers=actor.headers)


def _refs(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["reference"] for item in response.json()]


async def _named(build: Builder, *names: str) -> list[Actor]:
    return [await build.actor(organization=await build.organization(name)) for name in names]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"name": ""},
        {"name": "  ", "media_website_url": ""},
        {"name": "a", "media_website_url": "b"},
        {"name": "a", "cms_sites_references": "wttj_fr"},
        {"media_website_url": "a", "cms_sites_references": "wttj_fr"},
        {"name": "a", "media_website_url": "b", "cms_sites_references": "c"},
        {"cms_sites_references": ","},
    ],
)
async def test_exactly_one_search_parameter_is_required(
    client: httpx.AsyncClient, admin: Actor, params: dict[str, str]
) -> None:
    assert_error(await _list(client, admin, **params), 400, "validation_failed", ONE_OF)


async def test_list_needs_su_organizations_r(client: httpx.AsyncClient, build: Builder) -> None:
    member = await build.actor(["organizations_rw", "offices_r", "images_r", "videos_r"])
    assert_error(
        await _list(client, member, name="org"),
        403,
        "invalid_scope",
        "This endpoint requires the su_organizations_r scope",
    )


async def test_authentication_comes_before_the_search_rule(client: httpx.AsyncClient) -> None:
    assert_error(
        await client.get(ORGANIZATIONS), 401, "unauthorized", "The access token is missing"
    )


async def test_name_matches_a_case_insensitive_substring_of_any_organisation(
    client: httpx.AsyncClient, build: Builder
) -> None:
    wttj, cz, other = await _named(build, "Welcome To The Jungle", "WELCOME cz", "Acme")
    partner = await build.actor(["su_organizations_r"])

    assert _refs(await _list(client, partner, name="welcome")) == [wttj.org, cz.org]
    assert _refs(await _list(client, partner, name="ACME")) == [other.org]
    assert _refs(await _list(client, partner, name="jungle")) == [wttj.org]
    # LIKE wildcards are literal characters.
    assert _refs(await _list(client, partner, name="%")) == []
    assert _refs(await _list(client, partner, name="_")) == []


async def test_media_website_url_matches_a_substring(
    client: httpx.AsyncClient, build: Builder
) -> None:
    wttj, track, _ = await _named(build, "WTTJ", "WelcomeTrack", "No site")
    await put_profile(client, wttj, media_website_url="https://www.welcometothejungle.com/")
    await put_profile(client, track, media_website_url="https://www.WelcomeTrack.com")
    partner = await build.actor(["su_organizations_r"])

    assert _refs(await _list(client, partner, media_website_url="welcometothejungle")) == [wttj.org]
    assert _refs(await _list(client, partner, media_website_url="welcome")) == [
        wttj.org,
        track.org,
    ]
    assert _refs(await _list(client, partner, media_website_url="nowhere")) == []


async def test_cms_sites_references_lists_organisations_with_one_of_those_websites(
    client: httpx.AsyncClient, build: Builder
) -> None:
    wttj, jungle, both, none = await _named(build, "A", "B", "C", "D")
    await put_website(client, wttj, reference="wttj_fr")
    await put_website(client, jungle, reference="jungle")
    await put_website(client, both, reference="jungle")
    await put_website(client, both, reference="wttj_fr")
    await put_website(client, none, reference="welcometrack")
    partner = await build.actor(["su_organizations_r"])

    assert _refs(await _list(client, partner, cms_sites_references="wttj_fr,jungle")) == [
        wttj.org,
        jungle.org,
        both.org,
    ]
    assert _refs(await _list(client, partner, cms_sites_references=" wttj_fr ")) == [
        wttj.org,
        both.org,
    ]
    assert _refs(await _list(client, partner, cms_sites_references="nope")) == []


async def test_items_carry_the_full_field_set_and_no_inclusions_by_default(
    client: httpx.AsyncClient, build: Builder
) -> None:
    (acme,) = await _named(build, "Acme")
    await put_website(client, acme, reference="wttj_fr", cover_url="https://cdn.test/a.jpg")
    partner = await build.actor(["su_organizations_r"])

    (item,) = (await _list(client, partner, name="acme")).json()
    single = (await client.get(f"{ORGANIZATIONS}/{acme.org}", headers=partner.headers)).json()

    assert set(item) == ORGANIZATION_KEYS
    assert item == single
    assert item["websites"] == [
        {
            "reference": "wttj_fr",
            "name": "WTTJ",
            "root_url": "https://wttj.co",
            "cover_url": "https://cdn.test/a.jpg",
        }
    ]


@pytest.mark.parametrize(
    ("flag", "member_scope", "partner_scope"),
    [
        ("offices", "offices_rw", "su_offices_r"),
        ("images", "images_r", "su_images_r"),
        ("videos", "videos_r", "su_videos_r"),
    ],
)
async def test_list_flags_show_each_organisation_what_the_scopes_allow_there(
    client: httpx.AsyncClient,
    build: Builder,
    flag: str,
    member_scope: str,
    partner_scope: str,
) -> None:
    member_only = await build.actor(["su_organizations_r", member_scope])
    partner = await build.actor(["su_organizations_r", partner_scope])
    # The member scope shows the block on the token's own organisation only; the answer is
    # never refused for a flag.
    response = await _list(client, member_only, name="org", **{flag: "true"})
    assert response.status_code == 200, response.text
    assert _refs(response) == [member_only.org, partner.org]
    own, other = response.json()
    assert own[flag] == []
    assert flag not in other

    response = await _list(client, partner, name="org", **{flag: "true"})
    assert response.status_code == 200, response.text
    assert _refs(response) == [member_only.org, partner.org]
    assert [item[flag] for item in response.json()] == [[], []]


async def test_su_offices_rw_implies_su_offices_r_for_the_offices_flag(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    office = await build.office(client, admin)
    partner = await build.actor(["su_organizations_r", "su_offices_rw"])
    response = await _list(client, partner, name=admin.organization.name, offices="true")
    assert response.status_code == 200, response.text
    assert [item["offices"] for item in response.json()] == [[office]]


async def test_created_after_and_updated_after(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    old, new = await _named(build, "Filter Old", "Filter New")
    await set_times(
        maker,
        old.org,
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
        updated_at=datetime(2020, 6, 1, tzinfo=UTC),
    )
    await set_times(
        maker,
        new.org,
        created_at=datetime(2021, 1, 1, tzinfo=UTC),
        updated_at=datetime(2021, 6, 1, tzinfo=UTC),
    )
    partner = await build.actor(["su_organizations_r"])

    # Creation order, oldest first, not insertion order.
    assert _refs(await _list(client, partner, name="filter")) == [old.org, new.org]
    assert _refs(await _list(client, partner, name="filter", created_after="2020-06-01")) == [
        new.org
    ]
    assert _refs(await _list(client, partner, name="filter", updated_after="2020-06-01")) == [
        old.org,
        new.org,
    ]
    assert _refs(
        await _list(client, partner, name="filter", updated_after="2020-06-01T03:00:00+02:00")
    ) == [new.org]
    assert_invalid(
        await _list(client, partner, name="filter", created_after="yesterday"), "created_after"
    )


async def test_paging_headers_links_and_head(client: httpx.AsyncClient, build: Builder) -> None:
    actors = await _named(build, "Page 1", "Page 2", "Page 3")
    partner = await build.actor(["su_organizations_r"])

    first = await _list(client, partner, name="page", per_page="2")
    second = await _list(client, partner, name="page", per_page="2", page="2")
    head = await client.head(
        ORGANIZATIONS, params={"name": "page", "per_page": "2"}, headers=partner.headers
    )

    assert _refs(first) + _refs(second) == [a.org for a in actors]
    assert paging(first) == {
        "x-total": "3",
        "x-total-pages": "2",
        "x-per-page": "2",
        "x-page": "1",
        "x-offset": "0",
        "x-next-page": "2",
        "x-prev-page": "",
    }
    assert paging(second)["x-prev-page"] == "1"
    assert links(first)["next"] == (
        ORGANIZATIONS,
        {"name": "page", "per_page": "2", "page": "2"},
    )
    assert head.status_code == 200
    assert head.content == b""
    assert paging(head) == paging(first)


async def test_per_page_is_honoured_up_to_the_maximum_and_refused_beyond(
    client: httpx.AsyncClient, build: Builder
) -> None:
    partner = await build.actor(["su_organizations_r"])
    response = await _list(client, partner, name="org", per_page="500")
    assert response.status_code == 200
    assert response.headers["x-per-page"] == "500"
    response = await _list(client, partner, name="org", per_page="1001")
    assert_error(response, 400, "validation_failed", "per_page is invalid: must be at most 1000")


async def test_website_and_subsidiary_changes_move_updated_at(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    parent, child = await _named(build, "Moved Parent", "Moved Child")
    await build.member(child.organization, parent.user, Role.admin)
    past = datetime(2020, 1, 1, tzinfo=UTC)
    partner = await build.actor(["su_organizations_r"])

    async def changed() -> list[str]:
        return _refs(await _list(client, partner, name="moved", updated_after="2021-01-01"))

    for reference in (parent.org, child.org):
        await set_times(maker, reference, updated_at=past)
    await put_website(client, parent)
    assert await changed() == [parent.org]

    for reference in (parent.org, child.org):
        await set_times(maker, reference, updated_at=past)
    await put_profile(client, parent, org=child.org, parent_reference=parent.org)
    assert await changed() == [parent.org, child.org]

    await set_times(maker, parent.org, updated_at=past)
    await put_profile(client, parent, org=child.org, name="Moved Child Renamed")
    assert await changed() == [parent.org, child.org]

    await set_times(maker, parent.org, updated_at=past)
    response = await client.delete(
        f"{ORGANIZATIONS}/{parent.org}/websites/wttj_fr", headers=parent.headers
    )
    assert response.status_code == 204
    assert parent.org in await changed()
