"""``canopy org image add`` and ``canopy org video add``, run in-process (in a worker thread,
as the command runs its own event loop) on the suite's database and object store, then checked
through the API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner, Result

from canopy.config import Settings, get_settings
from canopy.images import commands as image_commands
from canopy.videos import commands as video_commands
from tests.fixtures.apps import object_keys
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, pdf
from tests.images.helpers import (
    IMAGES,
    VIDEOS,
    assert_no_metadata,
    decoded,
    exif,
    picture,
    served,
)


def _cli() -> typer.Typer:
    """``canopy`` with an ``org`` group holding what the modules register."""
    app = typer.Typer()
    org = typer.Typer()
    image_commands.register(org)
    video_commands.register(org)
    app.add_typer(org, name="org")

    @app.callback()
    def main() -> None:
        """Keeps ``org`` a sub-command."""

    return app


def _invoke(settings: Settings, *args: str) -> Result:
    env = {
        "CANOPY_ENV": "test",
        "CANOPY_DATABASE_URL": settings.database_url,
        "CANOPY_VAR_DIR": str(settings.var_dir),
        "CANOPY_SECRET_KEY": settings.secret_key,
        "CANOPY_PUBLIC_BASE_URL": settings.public_base_url,
        "CANOPY_FETCH_ALLOWED_NETWORKS": settings.fetch_allowed_networks,
        "CANOPY_FETCH_ALLOWED_PORTS": settings.fetch_allowed_ports,
    }
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(_cli(), list(args), env=env)
    finally:
        get_settings.cache_clear()


async def canopy(settings: Settings, *args: str) -> Result:
    return await asyncio.to_thread(_invoke, settings, *args)


def _json(result: Result) -> Any:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return json.loads(result.stdout)


def _refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "Office Photo.jpg"
    path.write_bytes(picture("JPEG", (1500, 1000), exif=exif(6)))
    return path


async def test_image_add_from_a_file(
    settings: Settings, client: httpx.AsyncClient, admin: Actor, photo: Path
) -> None:
    added = _json(
        await canopy(
            settings,
            *("org", "image", "add", admin.org, "--name", "Office"),
            *("--description", "Our space", "--file", str(photo), "--json"),
        )
    )

    assert added == {
        "id": added["id"],
        "organization_reference": admin.org,
        "name": "Office",
        "width": 1000,
        "height": 1500,
        "content_type": "image/jpeg",
    }
    assert await asyncio.to_thread(photo.exists), "the command never removes the given file"
    listed = await client.get(
        IMAGES, params={"organization_reference": admin.org}, headers=admin.headers
    )
    [image] = listed.json()
    assert (image["name"], image["description"]) == ("Office", "Our space")
    assert image["file"]["url"].endswith("/office-photo.jpg")
    medium = decoded((await served(client, image["file"]["medium"]["url"])).content)
    assert medium.size == (567, 850)
    assert_no_metadata(medium)


async def test_image_add_from_a_url_prints_a_line(
    settings: Settings, admin: Actor, remote: RemoteServer
) -> None:
    url = remote.file("/logo.png", picture("PNG", (30, 20)))

    result = await canopy(
        settings, "org", "image", "add", admin.org, "--name", "Logo", "--url", url
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("image ")
    assert result.stdout.endswith(f"(Logo, 30×20) added to {admin.org}\n")


async def test_image_add_refusals(
    app: Any, settings: Settings, admin: Actor, tmp_path: Path, photo: Path
) -> None:
    document = tmp_path / "cv.png"
    document.write_bytes(pdf())
    before = await object_keys(app, "images")
    add = ("org", "image", "add", admin.org, "--name", "X")

    _refused(await canopy(settings, *add), "give exactly one of --file and --url")
    _refused(
        await canopy(settings, *add, "--file", str(photo), "--url", "https://example.com/a.png"),
        "give exactly one of --file and --url",
    )
    _refused(
        await canopy(settings, *add, "--url", "http://10.0.0.1/a.png"),
        "--url (http://10.0.0.1/a.png) could not be downloaded: the host is not allowed",
    )
    _refused(
        await canopy(settings, *add, "--file", str(document)),
        "--file: the file type is not allowed (found application/pdf)",
    )
    _refused(
        await canopy(settings, *add, "--file", str(tmp_path / "missing.png")),
        f"--file {tmp_path / 'missing.png'} cannot be read",
    )
    _refused(
        await canopy(
            settings, "org", "image", "add", "nOsUcH1", "--name", "X", "--file", str(photo)
        ),
        "no organisation with reference nOsUcH1",
    )
    assert await object_keys(app, "images") == before


async def test_video_add(
    settings: Settings, client: httpx.AsyncClient, admin: Actor, remote: RemoteServer
) -> None:
    thumbnail = remote.file("/thumb.webp", picture("WEBP", (320, 180)))

    added = _json(
        await canopy(
            settings,
            *("org", "video", "add", admin.org, "--source", "youtube"),
            *("--url", "https://www.youtube.com/watch?v=BMi_rlAnwIg&t=1", "--name", "Talk"),
            *("--image-url", thumbnail, "--details", '{"kind": "youtube#video"}', "--json"),
        )
    )
    duplicate = await canopy(
        settings,
        *("org", "video", "add", admin.org, "--source", "youtube"),
        *("--external-reference", "BMi_rlAnwIg", "--name", "Again"),
    )

    assert added == {
        "id": added["id"],
        "organization_reference": admin.org,
        "source": "youtube",
        "external_reference": "BMi_rlAnwIg",
        "url": "https://www.youtube.com/watch?v=BMi_rlAnwIg",
        "image_id": added["image_id"],
    }
    _refused(duplicate, "external_reference has already been taken for this source")
    listed = await client.get(
        VIDEOS,
        params={"organization_reference": admin.org, "details": "true"},
        headers=admin.headers,
    )
    [video] = listed.json()
    assert video["details"] == {"kind": "youtube#video"}
    thumb = decoded((await served(client, video["image"]["thumb"]["url"])).content)
    assert (thumb.format, thumb.size) == ("WEBP", (200, 113))


async def test_video_add_refuses_an_unknown_source(settings: Settings, admin: Actor) -> None:
    result = await canopy(
        settings,
        *("org", "video", "add", admin.org, "--source", "vimeo"),
        *("--external-reference", "42", "--name", "Talk"),
    )

    _refused(
        result,
        "source is invalid: input should be 'youtube', 'dailymotion' or '360player'",
    )
