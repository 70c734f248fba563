"""``GET /videos`` (§6.4) for members (``videos_r``) and partners (``su_videos_r``), with the
provider's payload on ``details=true``; beyond the original, ``POST``/``DELETE`` by admins,
with a thumbnail made by the images pipeline."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Role
from canopy.videos import service
from tests.fixtures.apps import object_keys
from tests.fixtures.assertions import TIMESTAMP, assert_error, assert_invalid
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer
from tests.images.helpers import IMAGES, VIDEOS, decoded, image_count, picture, served

ID = "BMi_rlAnwIg"
VIDEO_KEYS = {
    "source",
    "external_reference",
    "name",
    "description",
    "subtitle",
    "image",
    "url",
    "created_at",
    "updated_at",
    "reference",
}
DETAILS = {"kind": "youtube#video", "id": ID, "snippet": {"title": "Dribbble", "tags": ["a"]}}


async def _post(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> httpx.Response:
    body = {"organization_reference": actor.org, "source": "youtube", "name": "Talk", **fields}
    return await client.post(VIDEOS, json=body, headers=actor.headers)


async def _created(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    response = await _post(client, actor, **fields)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _list(client: httpx.AsyncClient, actor: Actor, org: str, **params: Any) -> httpx.Response:
    return await client.get(
        VIDEOS, params={"organization_reference": org, **params}, headers=actor.headers
    )


async def test_a_youtube_url_gives_the_reference_and_the_contract_object(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    created = await _created(
        client,
        admin,
        url=f"https://youtu.be/{ID}?t=4",
        name="The one who started Dribbble with 50 T-shirts",
        description="Dan Cederholm is the co-founder of Dribbble",
        subtitle="",
        details=DETAILS,
    )

    assert created == {
        "id": created["id"],
        "source": "youtube",
        "external_reference": ID,
        "name": "The one who started Dribbble with 50 T-shirts",
        "description": "Dan Cederholm is the co-founder of Dribbble",
        "subtitle": "",
        "image": None,
        "url": f"https://www.youtube.com/watch?v={ID}",
        "created_at": created["created_at"],
        "updated_at": created["updated_at"],
        "details": DETAILS,
        "reference": ID,
    }
    assert TIMESTAMP.match(created["created_at"])
    listed = (await _list(client, admin, admin.org)).json()
    assert listed == [{k: v for k, v in created.items() if k not in ("id", "details")}]
    assert set(listed[0]) == VIDEO_KEYS


async def test_details_are_listed_only_on_request(client: httpx.AsyncClient, admin: Actor) -> None:
    await _created(client, admin, external_reference=ID, details=DETAILS)
    await _created(client, admin, source="dailymotion", url="https://dai.ly/x8abc12")

    plain = (await _list(client, admin, admin.org)).json()
    detailed = (await _list(client, admin, admin.org, details="true")).json()
    explicit_false = (await _list(client, admin, admin.org, details="0")).json()

    assert all("details" not in item for item in plain)
    assert plain == explicit_false
    assert [item["details"] for item in detailed] == [DETAILS, {}]
    assert [item["url"] for item in detailed] == [
        f"https://www.youtube.com/watch?v={ID}",
        "https://www.dailymotion.com/video/x8abc12",
    ]


async def test_a_360player_video_needs_both_reference_and_url(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    missing = await _post(client, admin, source="360player", url="https://360.example/v/1")
    created = await _created(
        client,
        admin,
        source="360player",
        external_reference="tour-1",
        url="https://360.example/v/tour-1",
    )

    assert_invalid(missing, "external_reference")
    assert (created["reference"], created["url"]) == ("tour-1", "https://360.example/v/tour-1")


async def test_a_duplicate_is_refused_within_an_organisation_only(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    await _created(client, admin, external_reference=ID)

    duplicate = await _post(client, admin, url=f"https://www.youtube.com/watch?v={ID}")
    elsewhere = await _post(client, outsider, external_reference=ID)
    other_source = await _post(
        client, admin, source="360player", external_reference=ID, url="https://360.example/x"
    )

    assert_error(
        duplicate,
        400,
        "validation_failed",
        "external_reference has already been taken for this source",
    )
    assert elsewhere.status_code == 201, elsewhere.text
    assert other_source.status_code == 201, other_source.text


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"source": "vimeo", "external_reference": ID}, "source"),
        ({"source": None, "external_reference": ID}, "source"),
        ({"name": None, "external_reference": ID}, "name"),
        ({}, "external_reference"),
        ({"url": "https://vimeo.com/42"}, "url"),
        ({"external_reference": ID, "details": ["not", "an", "object"]}, "details"),
        ({"external_reference": ID, "details": {"blob": "x" * 70_000}}, "details"),
        ({"external_reference": ID, "subtitle": "s" * 501}, "subtitle"),
    ],
)
async def test_invalid_parameters_are_refused(
    client: httpx.AsyncClient, admin: Actor, fields: dict[str, Any], param: str
) -> None:
    body = {"organization_reference": admin.org, "source": "youtube", "name": "Talk", **fields}
    body = {key: value for key, value in body.items() if value is not None}

    response = await client.post(VIDEOS, json=body, headers=admin.headers)

    description = assert_invalid(response, param)
    if param == "details" and "blob" in fields.get("details", {}):
        assert description == "details is invalid: must be at most 64 KB of JSON"


async def test_details_may_come_as_json_text_in_a_form(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        VIDEOS,
        data={
            "organization_reference": admin.org,
            "source": "youtube",
            "external_reference": ID,
            "name": "Talk",
            "details": '{"kind": "youtube#video"}',
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["details"] == {"kind": "youtube#video"}


async def test_remote_image_url_makes_a_thumbnail_outside_the_image_gallery(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    remote.file("/thumbs/dribbble.gif", picture("GIF", (640, 360)))
    before = await object_keys(app, "images")

    created = await _created(
        client,
        admin,
        external_reference=ID,
        remote_image_url=remote.url("/thumbs/dribbble.gif"),
    )

    image = created["image"]
    assert set(image) == {"url", "small", "thumb"}
    assert image["small"]["url"].endswith("/small_dribbble.png")
    thumb = await served(client, image["thumb"]["url"])
    assert thumb.headers["content-type"] == "image/png"
    assert decoded(thumb.content).size == (200, 113)
    assert decoded((await served(client, image["url"])).content).size == (640, 360)
    listed = (await _list(client, admin, admin.org)).json()
    assert set(listed[0]["image"]) == {"url", "small", "thumb"}
    small = await served(client, listed[0]["image"]["small"]["url"])
    assert decoded(small.content).size == (640, 360)
    gallery = await client.get(
        IMAGES, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert gallery.json() == []
    assert len(await object_keys(app, "images") - before) == 5

    deleted = await client.delete(f"{VIDEOS}/{created['id']}", headers=admin.headers)

    assert deleted.status_code == 204, deleted.text
    assert await object_keys(app, "images") == before
    assert await image_count(maker) == 0
    assert (await _list(client, admin, admin.org)).json() == []


async def test_a_refused_thumbnail_stores_nothing(
    app: Any, client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    before = await object_keys(app, "images")

    response = await _post(
        client, admin, external_reference=ID, remote_image_url="http://10.0.0.1/thumb.png"
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "remote_image_url (http://10.0.0.1/thumb.png) could not be downloaded: "
        "the host is not allowed",
    )
    assert await object_keys(app, "images") == before
    assert await image_count(maker) == 0
    assert (await _list(client, admin, admin.org)).json() == []


async def test_a_duplicate_with_a_thumbnail_leaves_no_file_behind(
    app: Any, client: httpx.AsyncClient, admin: Actor, remote: RemoteServer
) -> None:
    url = remote.file("/t.png", picture("PNG", (20, 20)))
    await _created(client, admin, external_reference=ID)
    before = await object_keys(app, "images")

    response = await _post(client, admin, external_reference=ID, remote_image_url=url)

    assert response.status_code == 400, response.text
    assert await object_keys(app, "images") == before
    assert remote.seen("/t.png") == [], "checked before the download"


async def test_reading_needs_membership_or_su_videos_r(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await _created(client, admin, external_reference=ID)
    reader = await build.actor(("videos_r",), organization=admin.organization)
    outsider = await build.actor(("videos_r",))
    partner = await build.actor(("su_videos_r",))
    unscoped = await build.actor(("images_r",), organization=admin.organization)

    assert len((await _list(client, reader, admin.org)).json()) == 1
    assert len((await _list(client, partner, admin.org, details="true")).json()) == 1
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
        "This endpoint requires the videos_r or su_videos_r scope",
    )
    assert_error(
        await client.get(VIDEOS, headers=reader.headers),
        400,
        "validation_failed",
        "organization_reference is missing",
    )


async def test_writes_are_for_admin_members(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    video = await _created(client, admin, external_reference=ID)
    standard = await build.actor(organization=admin.organization, role=Role.standard)
    forbidden = "Only an admin of this organization may change its media"

    assert_error(
        await _post(client, standard, external_reference="AAAAAAAAAAA"),
        403,
        "forbidden",
        forbidden,
    )
    assert_error(
        await _post(
            client, outsider, organization_reference=admin.org, external_reference="A" * 11
        ),
        401,
        "unauthorized",
        "You are not member of this organization",
    )
    path = f"{VIDEOS}/{video['id']}"
    assert_error(await client.delete(path, headers=standard.headers), 403, "forbidden", forbidden)
    assert_error(
        await client.delete(path, headers=outsider.headers), 404, "not_found", "Video not found"
    )
    assert (await client.delete(path, headers=admin.headers)).status_code == 204
    assert_error(
        await client.delete(path, headers=admin.headers), 404, "not_found", "Video not found"
    )


async def test_pages_and_head(client: httpx.AsyncClient, admin: Actor) -> None:
    for reference in ("AAAAAAAAAAA", "BBBBBBBBBBB", "CCCCCCCCCCC"):
        await _created(client, admin, external_reference=reference)
    params = {"organization_reference": admin.org, "per_page": "2", "page": "2"}

    page = await client.get(VIDEOS, params=params, headers=admin.headers)
    head = await client.head(VIDEOS, params=params, headers=admin.headers)

    assert [item["reference"] for item in page.json()] == ["CCCCCCCCCCC"]
    for response in (page, head):
        assert response.headers["x-total"] == "3"
        assert response.headers["x-total-pages"] == "2"
    assert head.content == b""


async def test_read_many_groups_by_organisation_with_or_without_details(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    url = remote.file("/t.jpg", picture("JPEG", (300, 300)))
    await _created(client, admin, external_reference="AAAAAAAAAAA", remote_image_url=url)
    await _created(client, outsider, external_reference="BBBBBBBBBBB", details=DETAILS)
    ids = [admin.organization.id, outsider.organization.id]

    async with maker() as session:
        plain = await service.read_many(session, app.state.files, ids, details=False)
        detailed = await service.read_many(session, app.state.files, ids, details=True)

    assert [v.reference for v in plain[admin.organization.id]] == ["AAAAAAAAAAA"]
    first = plain[admin.organization.id][0].model_dump(mode="json", exclude_unset=True)
    assert set(first) == VIDEO_KEYS
    assert first["image"]["thumb"]["url"].startswith("http://testserver/files/")
    assert detailed[outsider.organization.id][0].details == DETAILS
    assert detailed[admin.organization.id][0].details == {}
