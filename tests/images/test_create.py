"""Beyond the original (§15.10): ``POST /images`` from an upload or ``remote_image_url`` by an
organisation's admins, ``DELETE /images/:id``; what is refused leaves nothing behind."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Role
from tests.fixtures.apps import object_keys
from tests.fixtures.assertions import assert_error, assert_invalid
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, pdf
from tests.images.helpers import (
    IMAGES,
    assert_image_shape,
    created,
    decoded,
    image_count,
    picture,
    png_header_only,
    served,
    temp_files,
    upload,
    urls,
)

FORBIDDEN = "Only an admin of this organization may change its media"


async def _refused_leaves_nothing(
    app: Any,
    maker: async_sessionmaker[AsyncSession],
    response: httpx.Response,
    before: set[str],
) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "validation_failed"
    assert await object_keys(app, "images") == before
    assert await image_count(maker) == 0
    assert temp_files(app) == set()
    description: str = body["error_description"]
    return description


async def test_an_uploaded_image_is_created_with_its_name_and_description(
    app: Any, client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await upload(
        client, admin, picture("PNG", (30, 20)), name="Our office", description="The open space"
    )

    assert response.status_code == 201, response.text
    image = response.json()
    assert_image_shape(image, with_id=True)
    assert type(image["id"]) is int
    assert (image["name"], image["description"]) == ("Our office", "The open space")
    listed = await client.get(
        IMAGES, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert [item["name"] for item in listed.json()] == ["Our office"]
    assert temp_files(app) == set()


async def test_remote_image_url_is_fetched_through_the_safe_downloader(
    app: Any, client: httpx.AsyncClient, admin: Actor, remote: RemoteServer
) -> None:
    remote.file("/media/wttj-team.jpg", picture("JPEG", (1300, 700)))

    response = await client.post(
        IMAGES,
        json={
            "organization_reference": admin.org,
            "name": "WTTJ team",
            "description": "Welcome To The Jungle team",
            "remote_image_url": remote.url("/media/wttj-team.jpg"),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    image = response.json()
    assert image["file"]["url"].endswith("/wttj-team.jpg")
    assert image["file"]["large"]["url"].endswith("/large_wttj-team.jpg")
    large = decoded((await served(client, image["file"]["large"]["url"])).content)
    assert large.size == (1200, 646)
    assert len(remote.seen("/media/wttj-team.jpg")) == 1
    assert temp_files(app) == set()


async def test_a_private_address_is_refused(
    app: Any, client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    before = await object_keys(app, "images")

    response = await client.post(
        IMAGES,
        json={
            "organization_reference": admin.org,
            "name": "Internal",
            "remote_image_url": "http://10.0.0.1/team.png",
        },
        headers=admin.headers,
    )

    assert await _refused_leaves_nothing(app, maker, response, before) == (
        "remote_image_url (http://10.0.0.1/team.png) could not be downloaded: "
        "the host is not allowed"
    )


async def test_a_remote_file_that_is_not_an_image_is_refused(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    maker: async_sessionmaker[AsyncSession],
    remote: RemoteServer,
) -> None:
    url = remote.file("/team.png", pdf(), content_type="image/png")
    before = await object_keys(app, "images")

    response = await client.post(
        IMAGES,
        json={"organization_reference": admin.org, "name": "Team", "remote_image_url": url},
        headers=admin.headers,
    )

    assert await _refused_leaves_nothing(app, maker, response, before) == (
        f"remote_image_url ({url}) could not be downloaded: "
        "the file type is not allowed (found application/pdf)"
    )


async def test_an_uploaded_pdf_is_refused(
    app: Any, client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    before = await object_keys(app, "images")

    response = await upload(client, admin, pdf(), filename="team.png", content_type="image/png")

    assert await _refused_leaves_nothing(app, maker, response, before) == (
        "file: the file type is not allowed (found application/pdf)"
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        # Declares 20000×20000 (400 megapixels) over a few bytes: Pillow's own guard.
        (png_header_only(20_000, 20_000), "the image is too large"),
        # A real, valid 8000×6000 picture of one colour: 48 megapixels in under 20 KB.
        (
            picture("PNG", (8000, 6000), mode="1"),
            "the image is too large (8000×6000 pixels; at most 40 megapixels)",
        ),
    ],
    ids=["declared", "real"],
)
async def test_a_decompression_bomb_is_refused_and_nothing_is_stored(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    maker: async_sessionmaker[AsyncSession],
    body: bytes,
    reason: str,
) -> None:
    assert len(body) < 32 * 1024
    before = await object_keys(app, "images")

    response = await upload(client, admin, body, filename="bomb.png")

    description = await _refused_leaves_nothing(app, maker, response, before)
    assert description == f"file is not a usable image: {reason}"


async def test_a_truncated_image_is_refused(
    app: Any, client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    body = picture("JPEG", (400, 300), split=True)
    before = await object_keys(app, "images")

    response = await upload(client, admin, body[: len(body) // 2], filename="cut.jpg")

    description = await _refused_leaves_nothing(app, maker, response, before)
    assert description == "file is not a usable image: the image could not be read"


async def test_an_image_larger_than_10_mb_is_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    body = picture("PNG", (16, 16)) + b"\0" * (10 * 1024 * 1024)

    response = await upload(client, admin, body)

    assert_error(response, 400, "validation_failed", "file is larger than 10 MB")


@pytest.mark.parametrize(
    ("fields", "param", "description"),
    [
        ({}, "remote_image_url", "remote_image_url is missing (or upload a file)"),
        ({"name": ""}, "name", None),
        ({"name": None}, "name", "name is missing"),
        ({"organization_reference": None}, "organization_reference", None),
        ({"remote_image_url": "ftp://example.com/a.png"}, "remote_image_url", None),
    ],
)
async def test_invalid_parameters_are_refused(
    client: httpx.AsyncClient,
    admin: Actor,
    fields: dict[str, Any],
    param: str,
    description: str | None,
) -> None:
    body = {"organization_reference": admin.org, "name": "Team", **fields}
    body = {key: value for key, value in body.items() if value is not None}

    response = await client.post(IMAGES, json=body, headers=admin.headers)

    found = assert_invalid(response, param)
    if description is not None:
        assert found == description


async def test_both_an_upload_and_a_remote_url_are_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await upload(
        client, admin, picture(), remote_image_url="https://example.com/team.png"
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "remote_image_url and an uploaded file cannot both be given",
    )


async def test_only_an_admin_member_may_create(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    standard = await build.actor(organization=admin.organization, role=Role.standard)
    reader = await build.actor(("images_r",), organization=admin.organization)

    as_standard = await upload(client, standard, picture())
    assert_error(as_standard, 403, "forbidden", FORBIDDEN)

    without_scope = await upload(client, reader, picture())
    assert_error(
        without_scope, 403, "invalid_scope", "This endpoint requires the organizations_rw scope"
    )

    as_outsider = await client.post(
        IMAGES,
        data={"organization_reference": admin.org, "name": "Team"},
        files={"file": ("team.png", picture(), "image/png")},
        headers=outsider.headers,
    )
    assert_error(as_outsider, 401, "unauthorized", "You are not member of this organization")


async def test_delete_removes_the_row_and_every_file(
    app: Any, client: httpx.AsyncClient, admin: Actor
) -> None:
    before = await object_keys(app, "images")
    image = await created(client, admin, picture("PNG", (300, 300)))
    assert len(await object_keys(app, "images") - before) == 5

    response = await client.delete(f"{IMAGES}/{image['id']}", headers=admin.headers)

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert await object_keys(app, "images") == before
    listed = await client.get(
        IMAGES, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert listed.json() == []
    gone = await client.get(urls(image)["thumb"])
    assert_error(gone, 404, "not_found", "File not found")
    again = await client.delete(f"{IMAGES}/{image['id']}", headers=admin.headers)
    assert_error(again, 404, "not_found", "Image not found")


async def test_delete_is_for_admins_of_the_image_organisation(
    app: Any, client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    image = await created(client, admin)
    standard = await build.actor(organization=admin.organization, role=Role.standard)
    path = f"{IMAGES}/{image['id']}"
    keys = await object_keys(app, "images")

    assert_error(await client.delete(path, headers=standard.headers), 403, "forbidden", FORBIDDEN)
    assert_error(
        await client.delete(path, headers=outsider.headers), 404, "not_found", "Image not found"
    )
    assert_error(
        await client.delete(f"{IMAGES}/{2**40}", headers=admin.headers),
        404,
        "not_found",
        "Image not found",
    )
    assert await object_keys(app, "images") == keys
