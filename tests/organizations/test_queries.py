"""A page of organisations costs a fixed number of SQL statements, whatever its size."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.offices import service as offices
from canopy.organizations import service as organizations
from canopy.organizations.schemas import WebsiteInput
from tests.fixtures.builders import Actor
from tests.fixtures.queries import count_queries
from tests.organizations.helpers import ORGANIZATIONS, org_url

ALL_FLAGS = {"offices": "true", "websites": "true", "images": "true", "videos": "true"}


async def _count(
    app: Any, client: httpx.AsyncClient, actor: Actor, url: str, params: dict[str, str]
) -> int:
    with count_queries(app) as statements:
        response = await client.get(url, params=params, headers=actor.headers)
    assert response.status_code == 200, response.text
    return len(statements)


async def _rich(maker: async_sessionmaker[AsyncSession], count: int) -> None:
    """``count`` organisations named "Rich …", each with two websites, two offices and a
    subsidiary (made in-process, through the services, to keep the test fast)."""
    async with maker() as session:
        for n in range(count):
            parent = await organizations.create(session, f"Rich {n}")
            for reference in ("wttj_fr", f"wk-careers_rich-{n}"):
                website = WebsiteInput(reference=reference, name="Site", root_url="https://a.b")
                await organizations.put_website(session, parent, website)
            for city in ("Paris", "Lyon"):
                await offices.create(session, parent, name=city, city=city, country_code="FR")
            child = await organizations.create(session, f"Sub {n}")
            await organizations.set_parent(session, child, parent)
        await session.commit()


async def test_list_page_costs_the_same_queries_for_1_and_12_organisations(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    params = {"name": "rich", **ALL_FLAGS}
    await client.get(ORGANIZATIONS, params=params, headers=admin.headers)  # token's last_used_at
    await _rich(maker, 1)
    one = await _count(app, client, admin, ORGANIZATIONS, params)
    await _rich(maker, 11)
    twelve = await _count(app, client, admin, ORGANIZATIONS, params)
    five = await _count(app, client, admin, ORGANIZATIONS, {**params, "per_page": "5"})
    plain = await _count(app, client, admin, ORGANIZATIONS, {"name": "rich"})

    # count, organisations, websites, subsidiaries, offices, images, videos (thumbnails
    # joined). The token and its memberships: one statement of the bare driver (canopy.rawdb),
    # not counted here.
    assert one == twelve == five == 7
    # Without flags: no offices, images or videos.
    assert plain == 4


async def test_retrieve_costs_the_same_queries_whatever_the_organisation_holds(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await client.get(org_url(admin.org), headers=admin.headers)  # token's last_used_at
    bare = await _count(app, client, admin, org_url(admin.org), ALL_FLAGS)
    await _rich(maker, 1)
    listed = await client.get(ORGANIZATIONS, params={"name": "rich"}, headers=admin.headers)
    rich = listed.json()[0]["reference"]
    full = await _count(app, client, admin, org_url(rich), ALL_FLAGS)

    # organisation, websites, subsidiaries, offices, images, videos (the token and its
    # memberships: one statement of the bare driver, not counted here).
    assert bare == full == 6
