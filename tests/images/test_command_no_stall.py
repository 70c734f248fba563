"""``canopy org image add --url`` and ``canopy org video add --image-url`` hold no transaction
while they download and render (§15.8): on the server's database, the API's writes go on
meanwhile. The remote server holds the file part way until the test releases it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.config import Settings
from tests.api.stalls import DEADLINE, no_transaction_open, other_organisation_writes, until_held
from tests.fixtures.builders import Actor
from tests.fixtures.remote import Hold, RemoteServer, Reply, image
from tests.images.helpers import IMAGES, VIDEOS
from tests.images.test_commands import canopy


async def _held_command(
    settings: Settings,
    maker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    outsider: Actor,
    remote: RemoteServer,
    *args: str,
) -> Any:
    """Run ``canopy`` with ``args`` (``{url}`` standing for the held image's URL) and check,
    while its download is held, that nothing waits on it."""
    hold = Hold()
    url = remote.add(
        "/held.png", Reply(body=image("PNG", (40, 30)), content_type="image/png", hold=hold)
    )
    command = asyncio.create_task(canopy(settings, *(arg.format(url=url) for arg in args)))
    try:
        await until_held(hold, command)
        await no_transaction_open(settings, maker)
        await other_organisation_writes(client, outsider)
        assert not command.done()
    finally:
        hold.release()
    result = await asyncio.wait_for(command, DEADLINE)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


async def test_image_add_from_a_url_lets_the_api_write_while_it_downloads(
    settings: Settings,
    maker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    remote: RemoteServer,
) -> None:
    await _held_command(
        settings, maker, client, outsider, remote,
        *("org", "image", "add", admin.org, "--name", "Held", "--url", "{url}"),
    )  # fmt: skip

    listed = await client.get(
        IMAGES, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert [item["name"] for item in listed.json()] == ["Held"]


async def test_video_add_with_a_thumbnail_lets_the_api_write_while_it_downloads(
    settings: Settings,
    maker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    remote: RemoteServer,
) -> None:
    await _held_command(
        settings, maker, client, outsider, remote,
        *("org", "video", "add", admin.org, "--source", "youtube", "--name", "Held"),
        *("--external-reference", "BMi_rlAnwIg", "--image-url", "{url}"),
    )  # fmt: skip

    listed = await client.get(
        VIDEOS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    [video] = listed.json()
    assert video["image"]["thumb"]["url"].startswith("http://testserver/files/")
