"""What Canopy makes of an uploaded picture (§6.3, §15.10): the original re-encoded and four
variants, each fitting its box without upscaling, in the original's format (PNG for a GIF),
turned upright by its EXIF orientation, and with none of its metadata."""

from __future__ import annotations

import io

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.images import variants
from canopy.models import Image as ImageRow
from tests.fixtures.apps import Apps, client_for, object_keys, s3_settings
from tests.fixtures.builders import Actor
from tests.fixtures.s3 import S3Server
from tests.images.helpers import (
    BLUE,
    BOXES,
    IMAGES,
    RED,
    assert_image_shape,
    assert_no_metadata,
    created,
    decoded,
    exif,
    picture,
    served,
    srgb_profile,
    urls,
)


def _close(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        # Landscape, wider than the original's box: every rendition is smaller.
        (
            (2400, 1600),
            {
                "original": (2000, 1333),
                "large": (1200, 800),
                "medium": (850, 567),
                "small": (650, 433),
                "thumb": (200, 133),
            },
        ),
        # Portrait, taller than the original's box.
        (
            (1000, 3500),
            {
                "original": (857, 3000),
                "large": (571, 2000),
                "medium": (243, 850),
                "small": (186, 650),
                "thumb": (57, 200),
            },
        ),
    ],
)
async def test_variants_fit_their_boxes_and_keep_the_aspect_ratio(
    client: httpx.AsyncClient,
    admin: Actor,
    maker: async_sessionmaker[AsyncSession],
    size: tuple[int, int],
    expected: dict[str, tuple[int, int]],
) -> None:
    image = await created(client, admin, picture("JPEG", size, quality=60), filename="team.jpg")

    assert_image_shape(image, with_id=True)
    for name, url in urls(image).items():
        response = await served(client, url)
        assert response.headers["content-type"] == "image/jpeg"
        stored = decoded(response.content)
        assert stored.format == "JPEG"
        assert stored.size == expected[name], name
        box = BOXES[name]
        assert stored.width <= box[0]
        assert stored.height <= box[1]
        assert abs(stored.width / stored.height - size[0] / size[1]) < 0.02, name
    async with maker() as session:
        row = await session.scalar(select(ImageRow).where(ImageRow.id == image["id"]))
    assert row is not None
    assert (row.width, row.height) == expected["original"]
    assert {name: (v["width"], v["height"]) for name, v in row.variants.items()} == {
        name: dims for name, dims in expected.items() if name != "original"
    }


async def test_a_small_image_is_never_scaled_up(client: httpx.AsyncClient, admin: Actor) -> None:
    image = await created(client, admin, picture("PNG", (120, 80)))

    for url in urls(image).values():
        assert decoded((await served(client, url)).content).size == (120, 80)


@pytest.mark.parametrize(
    ("kind", "content_type", "stored_format"),
    [
        ("PNG", "image/png", "PNG"),
        ("JPEG", "image/jpeg", "JPEG"),
        ("WEBP", "image/webp", "WEBP"),
        ("GIF", "image/png", "PNG"),
    ],
)
async def test_the_original_format_is_kept_and_a_gif_becomes_a_png(
    client: httpx.AsyncClient, admin: Actor, kind: str, content_type: str, stored_format: str
) -> None:
    image = await created(client, admin, picture(kind, (300, 240)), filename=f"Team Photo.{kind}")

    for name, url in urls(image).items():
        response = await served(client, url)
        assert response.headers["content-type"] == content_type
        assert decoded(response.content).format == stored_format
        extension = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}[stored_format]
        prefix = "" if name == "original" else f"{name}_"
        assert url.endswith(f"/{prefix}team-photo{extension}"), url


async def test_exif_orientation_is_applied_to_every_rendition(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # Stored 300×200, red left and blue right; Orientation 6 means "turn 90° clockwise to
    # view": upright it is 200×300, red on top and blue below.
    body = picture("JPEG", (300, 200), split=True, exif=exif(6), quality=95)

    image = await created(client, admin, body, filename="phone.jpg")

    for name, url in urls(image).items():
        stored = decoded((await served(client, url)).content)
        assert stored.height > stored.width, name
        width, height = stored.size
        assert _close(stored.getpixel((width // 2, height // 8)), RED), name
        assert _close(stored.getpixel((width // 2, height * 7 // 8)), BLUE), name
        assert not stored.getexif().get(0x0112), name


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
async def test_metadata_is_stripped_from_every_rendition(
    client: httpx.AsyncClient, admin: Actor, kind: str
) -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    extra = {"xmp": xmp, "comment": b"secret"} if kind == "JPEG" else {}
    body = picture(kind, (64, 48), exif=exif(1), icc_profile=srgb_profile(), **extra)
    uploaded = Image.open(io.BytesIO(body))
    assert uploaded.getexif().get_ifd(0x8825), "the upload carries a GPS position"
    assert "icc_profile" in uploaded.info

    image = await created(client, admin, body, filename=f"gps.{kind.lower()}")

    for name, url in urls(image).items():
        response = await served(client, url)
        assert b"Canopy Camera" not in response.content, name
        assert_no_metadata(decoded(response.content))


async def test_an_icc_profile_is_converted_to_srgb_then_dropped(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    from PIL import ImageCms

    adobe_like = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    body = picture("PNG", (32, 32), icc_profile=adobe_like)

    # A profile that cannot convert RGB pixels is ignored; the pixels are kept as sRGB.
    image = await created(client, admin, body)

    stored = decoded((await served(client, image["file"]["url"])).content)
    assert "icc_profile" not in stored.info
    assert _close(stored.getpixel((5, 5)), RED, tolerance=2)


def _half_transparent(kind: str) -> bytes:
    """50×50, opaque red on the left half and transparent on the right, in each way a format
    can say so: an alpha channel, a colour key (PNG ``tRNS``) or a palette entry (GIF)."""
    out = io.BytesIO()
    if kind == "PNG-key":
        keyed = Image.new("RGB", (50, 50), (0, 255, 0))
        keyed.paste((255, 0, 0), (0, 0, 25, 50))
        keyed.save(out, "PNG", transparency=(0, 255, 0))
    elif kind == "GIF":
        palette = Image.new("P", (50, 50), 1)
        palette.putpalette([255, 0, 0, 0, 255, 0] + [0, 0, 0] * 254)
        palette.paste(0, (0, 0, 25, 50))
        palette.save(out, "GIF", transparency=1)
    else:
        alpha = Image.new("RGBA", (50, 50), (0, 0, 255, 0))
        alpha.paste((255, 0, 0, 255), (0, 0, 25, 50))
        alpha.save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["PNG", "PNG-key", "GIF", "WEBP"])
async def test_transparency_is_kept(client: httpx.AsyncClient, admin: Actor, kind: str) -> None:
    image = await created(client, admin, _half_transparent(kind))

    stored = decoded((await served(client, image["file"]["thumb"]["url"])).content)
    assert stored.mode == "RGBA"
    assert stored.getpixel((40, 25))[3] == 0
    assert stored.getpixel((5, 25))[3] == 255
    assert _close(stored.getpixel((5, 25)), RED, tolerance=40)


async def test_images_are_stored_and_served_from_s3(
    apps: Apps, s3_server: S3Server, admin: Actor
) -> None:
    app: FastAPI = await apps.get(**s3_settings(s3_server, prefix="canopy-images"))
    async with client_for(app) as s3_client:
        before = await object_keys(app, "images")
        image = await created(s3_client, admin, picture("WEBP", (900, 300)))
        keys = await object_keys(app, "images")
        assert len(keys - before) == 5
        thumb = decoded((await served(s3_client, image["file"]["thumb"]["url"])).content)
        assert thumb.size == (200, 67)

        response = await s3_client.delete(f"{IMAGES}/{image['id']}", headers=admin.headers)
        assert response.status_code == 204, response.text
        assert await object_keys(app, "images") == before


def test_fit_never_scales_up_and_keeps_at_least_one_pixel() -> None:
    assert variants.fit((100, 50), (200, 200)) == (100, 50)
    assert variants.fit((400, 200), (200, 200)) == (200, 100)
    assert variants.fit((40_000, 1), (200, 200)) == (200, 1)
    assert variants.fit((1, 40_000), (2000, 3000)) == (1, 3000)
