"""``GET /users/current`` (§5.9, §15.9)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Role, User
from tests.api.helpers import assert_error
from tests.fixtures.builders import Actor, Builder

BASE = "/api/v1/external/users/current"


async def test_current_user_returns_name_avatar_and_email(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r"])
    response = await client.get(BASE, headers=actor.headers)
    assert response.status_code == 200
    assert response.json() == {
        "display_name": actor.user.display_name,
        "avatar_url": "http://testserver/assets/default-avatar.png",
        "email": actor.user.email,
    }


async def test_a_user_without_a_picture_gets_the_default_avatar_which_is_served(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r"])

    avatar = (await client.get(BASE, headers=actor.headers)).json()["avatar_url"]
    assert avatar == "http://testserver/assets/default-avatar.png"
    picture = await client.get(avatar.removeprefix("http://testserver"))

    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"
    assert picture.headers["x-content-type-options"] == "nosniff"
    assert picture.content.startswith(b"\x89PNG\r\n\x1a\n")
    head = await client.head(avatar.removeprefix("http://testserver"))
    assert head.status_code == 200
    assert head.content == b""


async def test_current_user_returns_the_avatar_url_when_set(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    actor = await build.actor(scopes=["me_r"])
    avatar = "https://www.welcomekit.co/uploads/user/image/GXj/J/avatar.jpg"
    async with maker() as session:
        await session.execute(
            update(User).where(User.id == actor.user.id).values(avatar_url=avatar)
        )
        await session.commit()
    response = await client.get(BASE, headers=actor.headers)
    assert response.json()["avatar_url"] == avatar


async def test_current_user_with_organizations_lists_each_membership_and_role(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r", "organizations_r"])
    second = await build.organization("Beta Corp")
    await build.member(second, actor.user, Role.limited)
    await build.organization("Not Mine")
    response = await client.get(BASE, params={"organizations": "true"}, headers=actor.headers)
    assert response.status_code == 200
    assert response.json() == {
        "display_name": actor.user.display_name,
        "avatar_url": "http://testserver/assets/default-avatar.png",
        "email": actor.user.email,
        "organizations": [
            {
                "reference": actor.org,
                "name": actor.organization.name,
                "slug": actor.organization.slug,
                "role": "admin",
            },
            {
                "reference": second.reference,
                "name": "Beta Corp",
                "slug": "beta-corp",
                "role": "limited",
            },
        ],
    }


@pytest.mark.parametrize("flag", ["1", "True"])
async def test_current_user_accepts_other_spellings_of_true(
    client: httpx.AsyncClient, build: Builder, flag: str
) -> None:
    actor = await build.actor(scopes=["me_r", "organizations_rw"])
    response = await client.get(BASE, params={"organizations": flag}, headers=actor.headers)
    assert response.status_code == 200
    assert [org["reference"] for org in response.json()["organizations"]] == [actor.org]


async def test_current_user_with_organizations_without_organizations_r_leaves_them_out(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r", "jobs_rw"])
    response = await client.get(BASE, params={"organizations": "true"}, headers=actor.headers)
    assert response.status_code == 200, response.text
    assert "organizations" not in response.json()
    assert response.json()["email"] == actor.user.email


@pytest.mark.parametrize("flag", ["false", "0"])
async def test_current_user_with_organizations_false_needs_no_organization_scope(
    client: httpx.AsyncClient, build: Builder, flag: str
) -> None:
    actor = await build.actor(scopes=["me_r"])
    response = await client.get(BASE, params={"organizations": flag}, headers=actor.headers)
    assert response.status_code == 200
    assert "organizations" not in response.json()


async def test_current_user_rejects_a_non_boolean_organizations_flag(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(BASE, params={"organizations": "please"}, headers=admin.headers)
    assert_error(
        response,
        400,
        "validation_failed",
        "organizations is invalid: input should be a valid boolean, unable to interpret input",
    )


async def test_current_user_needs_me_r(client: httpx.AsyncClient, build: Builder) -> None:
    actor = await build.actor(scopes=["organizations_rw", "jobs_rw"])
    response = await client.get(BASE, headers=actor.headers)
    assert_error(response, 403, "invalid_scope", "This endpoint requires the me_r scope")


async def test_current_user_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get(BASE)
    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_current_user_describes_the_token_owner_not_another_member(
    client: httpx.AsyncClient, build: Builder, admin: Actor
) -> None:
    colleague = await build.actor(scopes=["me_r"], organization=admin.organization)
    response = await client.get(BASE, headers=colleague.headers)
    assert response.json()["email"] == colleague.user.email
