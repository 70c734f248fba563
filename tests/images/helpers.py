"""What the images tests share: the path, pictures built with Pillow, small checks."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import httpx
from PIL import Image, ImageCms
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Image as ImageRow
from tests.fixtures.assertions import TIMESTAMP
from tests.fixtures.builders import Actor

IMAGES = "/api/v1/external/images"
VIDEOS = "/api/v1/external/videos"
VARIANTS = ("large", "medium", "small", "thumb")
BOXES = {
    "original": (2000, 3000),
    "large": (1200, 2000),
    "medium": (850, 850),
    "small": (650, 650),
    "thumb": (200, 200),
}
IMAGE_KEYS = {"name", "description", "file", "created_at", "updated_at"}
RED = (220, 20, 20)
BLUE = (20, 20, 220)
# The GPS position of an upload: nothing of it may reach a stored file.
GPS = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}


def picture(
    kind: str = "PNG",
    size: tuple[int, int] = (40, 30),
    *,
    mode: str = "RGB",
    split: bool = False,
    **save: Any,
) -> bytes:
    """A picture encoded by Pillow: one colour, or red on the left half and blue on the right
    (``split``), to tell orientations apart."""
    image = Image.new(mode, size, RED if mode == "RGB" else 128)
    if split:
        image.paste(Image.new(mode, (size[0] - size[0] // 2, size[1]), BLUE), (size[0] // 2, 0))
    out = io.BytesIO()
    image.save(out, format=kind, **save)
    return out.getvalue()


def exif(orientation: int | None = None, *, gps: bool = True) -> bytes:
    """EXIF with a camera, an orientation and a GPS position."""
    data = Image.Exif()
    data[0x010F] = "Canopy Camera"  # Make
    if orientation is not None:
        data[0x0112] = orientation
    if gps:
        data.get_ifd(0x8825).update(GPS)
    return data.tobytes()


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` with (almost) no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


async def upload(
    client: httpx.AsyncClient,
    actor: Actor,
    body: bytes,
    filename: str = "team.png",
    content_type: str = "application/octet-stream",
    **fields: str,
) -> httpx.Response:
    data = {"organization_reference": actor.org, "name": "Team", **fields}
    return await client.post(
        IMAGES,
        data=data,
        files={"file": (filename, body, content_type)},
        headers=actor.headers,
    )


async def created(
    client: httpx.AsyncClient, actor: Actor, body: bytes | None = None, **fields: str
) -> dict[str, Any]:
    response = await upload(client, actor, body or picture(), **fields)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def urls(image: dict[str, Any]) -> dict[str, str]:
    """The signed URL of the original and of each variant, by name."""
    found = {"original": image["file"]["url"]}
    found.update({name: image["file"][name]["url"] for name in VARIANTS})
    return found


async def served(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """The bytes behind a signed URL, fetched without a token."""
    assert url.startswith("http://testserver/files/"), url
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response


def decoded(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def assert_image_shape(image: dict[str, Any], *, with_id: bool = False) -> None:
    """The Image object of §6.3: exactly its fields, each URL signed and absolute."""
    assert set(image) == IMAGE_KEYS | ({"id"} if with_id else set())
    assert set(image["file"]) == {"url", *VARIANTS}
    for name in VARIANTS:
        assert set(image["file"][name]) == {"url"}
    assert TIMESTAMP.match(image["created_at"]), image["created_at"]
    assert TIMESTAMP.match(image["updated_at"]), image["updated_at"]
    for url in urls(image).values():
        assert url.startswith("http://testserver/files/"), url


def assert_no_metadata(picture: Image.Image) -> None:
    """No EXIF (GPS included), XMP, ICC profile or comment came through."""
    assert not picture.getexif(), dict(picture.getexif())
    for key in (
        "exif",
        "icc_profile",
        "xmp",
        "XML:com.adobe.xmp",
        "comment",
        "Raw profile type exif",
    ):
        assert key not in picture.info, (key, picture.info.get(key))


def temp_files(app: Any) -> set[str]:
    """Canopy's temporary files in the app's own temporary folder (downloads, uploads,
    renditions): none may outlive a request."""
    folder = app.state.files.downloader.policy.temp_dir
    return {path.name for path in folder.iterdir() if path.name.startswith("canopy-")}


async def image_count(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        return await session.scalar(select(func.count()).select_from(ImageRow)) or 0
