"""``GET /images`` (§6.3): an organisation's images for its members (``images_r``) or anyone's
(``su_images_r``), paged, oldest first; and ``read_many`` for the organisations endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.images import service
from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import Actor, Builder
from tests.images.helpers import IMAGES, assert_image_shape, created, decoded, picture, served


async def _list(client: httpx.AsyncClient, actor: Actor, org: str, **params: Any) -> httpx.Response:
    return await client.get(
        IMAGES, params={"organization_reference": org, **params}, headers=actor.headers
    )


async def test_list_returns_the_contract_object_oldest_first(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    first = await created(client, admin, picture("PNG", (10, 10)), name="First")
    second = await created(client, admin, picture("JPEG", (10, 10)), name="Second")

    response = await _list(client, admin, admin.org)

    assert response.status_code == 200, response.text
    items = response.json()
    assert [item["name"] for item in items] == ["First", "Second"]
    for item, made in zip(items, (first, second), strict=True):
        assert_image_shape(item)
        assert item["description"] is None
        assert item["created_at"] == made["created_at"]
        body = (await served(client, item["file"]["small"]["url"])).content
        assert decoded(body).size == (10, 10)


async def test_members_read_with_images_r_and_partners_with_su_images_r(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await created(client, admin)
    reader = await build.actor(("images_r",), organization=admin.organization)
    outsider = await build.actor(("images_r",))
    partner = await build.actor(("su_images_r",))
    unscoped = await build.actor(("videos_r",), organization=admin.organization)

    assert len((await _list(client, reader, admin.org)).json()) == 1
    assert len((await _list(client, partner, admin.org)).json()) == 1
    assert_error(
        await _list(client, outsider, admin.org),
        401,
        "unauthorized",
        "You are not member of this organization",
    )
    assert_error(
        await _list(client, unscoped, admin.org),
        403,
        "invalid_scope",
        "This endpoint requires the images_r or su_images_r scope",
    )
    assert_error(
        await _list(client, reader, "nOsUcH1"),
        401,
        "unauthorized",
        "You are not member of this organization",
    )


async def test_organization_reference_is_required(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(IMAGES, headers=admin.headers)

    assert_error(response, 400, "validation_failed", "organization_reference is missing")


async def test_pages_and_head(client: httpx.AsyncClient, admin: Actor) -> None:
    for name in ("A", "B", "C"):
        await created(client, admin, name=name)
    params = {"organization_reference": admin.org, "per_page": "2", "page": "2"}

    page = await client.get(IMAGES, params=params, headers=admin.headers)
    head = await client.head(IMAGES, params=params, headers=admin.headers)

    assert page.status_code == 200, page.text
    assert [item["name"] for item in page.json()] == ["C"]
    expected = {"x-total": "3", "x-total-pages": "2", "x-per-page": "2", "x-page": "2"}
    for response in (page, head):
        assert {k: response.headers[k] for k in expected} == expected
    assert head.status_code == 200
    assert head.content == b""


async def test_other_organisations_images_are_not_listed(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    await created(client, outsider, name="Theirs")
    await created(client, admin, name="Ours")

    assert [item["name"] for item in (await _list(client, admin, admin.org)).json()] == ["Ours"]


@pytest.fixture
def statements(app: Any) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs meanwhile."""
    seen: list[str] = []
    engine = app.state.engine.sync_engine

    def record(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def test_read_many_groups_by_organisation_in_one_query(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    statements: list[str],
) -> None:
    await created(client, admin, name="A1")
    await created(client, outsider, name="B1")
    await created(client, admin, name="A2")
    empty = await build.organization()
    ids = [admin.organization.id, outsider.organization.id, empty.id]

    async with maker() as session:
        statements.clear()
        found = await service.read_many(session, app.state.files, ids)
        assert len(statements) == 1

    assert {org_id: [image.name for image in images] for org_id, images in found.items()} == {
        admin.organization.id: ["A1", "A2"],
        outsider.organization.id: ["B1"],
        empty.id: [],
    }
    rendered = found[admin.organization.id][0].model_dump(mode="json")
    assert_image_shape(rendered)
    async with maker() as session:
        assert await service.read_many(session, app.state.files, []) == {}
