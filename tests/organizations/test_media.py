"""`images=true` and `videos=true` on organisations: the same Image (§6.3) and Video (§6.4)
objects as `GET /images` and `GET /videos` (without the video's `details`)."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from PIL import Image as PILImage

from tests.fixtures.builders import Actor
from tests.organizations.helpers import ORGANIZATIONS, org_url

IMAGES = "/api/v1/external/images"
VIDEOS = "/api/v1/external/videos"


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _add_media(client: httpx.AsyncClient, actor: Actor) -> None:
    image = await client.post(
        IMAGES,
        data={"organization_reference": actor.org, "name": "Team"},
        files={"file": ("team.png", _png(), "image/png")},
        headers=actor.headers,
    )
    assert image.status_code == 201, image.text
    video = await client.post(
        VIDEOS,
        json={
            "organization_reference": actor.org,
            "source": "youtube",
            "external_reference": "BMi_rlAnwIg",
            "name": "The one who started Dribbble",
            "details": {"kind": "youtube#video"},
        },
        headers=actor.headers,
    )
    assert video.status_code == 201, video.text


async def _listed(client: httpx.AsyncClient, actor: Actor, url: str) -> list[dict[str, Any]]:
    response = await client.get(
        url, params={"organization_reference": actor.org}, headers=actor.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


# A file link's token: ".<payload>.<time signed>.<signature>" (itsdangerous, compressed).
_SIGNED = re.compile(r"(/files/\.?[^./]+)\.[^./]+\.[^/]+/")


def _without_signatures(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Signed URLs carry the second they were signed at, which moves with the clock between
    two requests: compare what they point at (the token's payload) and their names."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str) and value.startswith("http://testserver/"):
            return _SIGNED.sub(r"\1/", value)
        return value

    return [strip(item) for item in items]


async def test_retrieve_includes_the_images_and_videos_objects(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    await _add_media(client, admin)

    response = await client.get(
        org_url(admin.org), params={"images": "true", "videos": "true"}, headers=admin.headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    images = await _listed(client, admin, IMAGES)
    videos = await _listed(client, admin, VIDEOS)
    assert len(body["images"]) == len(images) == 1
    assert len(body["videos"]) == len(videos) == 1
    assert _without_signatures(body["images"]) == _without_signatures(images)
    assert _without_signatures(body["videos"]) == _without_signatures(videos)
    assert "details" not in body["videos"][0]
    assert body["videos"][0]["reference"] == "BMi_rlAnwIg"
    assert body["images"][0]["name"] == "Team"


async def test_list_includes_each_organisations_own_media(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    await _add_media(client, outsider)

    response = await client.get(
        ORGANIZATIONS,
        params={"name": "org", "images": "true", "videos": "true", "per_page": "100"},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    by_reference = {item["reference"]: item for item in response.json()}
    assert by_reference[admin.org]["images"] == []
    assert by_reference[admin.org]["videos"] == []
    assert [i["name"] for i in by_reference[outsider.org]["images"]] == ["Team"]
    assert [v["reference"] for v in by_reference[outsider.org]["videos"]] == ["BMi_rlAnwIg"]
