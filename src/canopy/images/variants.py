"""The size variants of an image (§6.3, §15.10), rendered with Pillow.

Blocking CPU work: call :func:`render` through ``asyncio.to_thread``. Every output is
re-encoded from pixels alone: the EXIF orientation is applied, colours are converted to sRGB
when the file carries an ICC profile, and nothing of the upload's metadata (EXIF with its GPS
position, XMP, ICC, comments, text chunks) reaches a stored file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from types import MappingProxyType
from typing import Any

from PIL import Image, ImageCms, ImageOps

from canopy.files.sniff import EXTENSIONS, GIF, JPEG, PNG, WEBP

# The decoded size Canopy accepts. Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, ~89 MP to
# warn, twice that to refuse) is a process-wide setting; this check is local to images and
# runs on the header's dimensions, before a single pixel is decoded.
MAX_PIXELS = 40_000_000

# Bounding boxes, width × height: "standard" is the stored original (§6.3).
BOXES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "original": (2000, 3000),
        "large": (1200, 2000),
        "medium": (850, 850),
        "small": (650, 650),
        "thumb": (200, 200),
    }
)
VARIANTS: tuple[str, ...] = ("large", "medium", "small", "thumb")

# Pillow's decoder for each accepted type, and the type each is stored as: a GIF becomes a PNG
# (its first frame: no animation is kept, for any type).
_DECODERS = MappingProxyType({JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"})
_OUTPUT = MappingProxyType({JPEG: JPEG, PNG: PNG, GIF: PNG, WEBP: WEBP})
_ENCODERS: Mapping[str, tuple[str, dict[str, Any]]] = MappingProxyType(
    {
        JPEG: ("JPEG", {"quality": 85, "optimize": True, "progressive": True}),
        PNG: ("PNG", {"compress_level": 6}),
        WEBP: ("WEBP", {"quality": 85, "method": 4}),
    }
)
_HIGH_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


class ImageRejected(Exception):
    """The file cannot be made into an image; ``reason`` is safe to show to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rendition:
    """One rendered file, a temporary file the caller owns."""

    name: str  # "original", "large", "medium", "small" or "thumb"
    path: Path
    width: int
    height: int
    size: int
    content_type: str

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)


def output_type(content_type: str) -> str:
    """The type the renditions of an upload of ``content_type`` are stored as."""
    return _OUTPUT[content_type]


def fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled down to fit ``box``, aspect ratio kept; never scaled up."""
    width, height = size
    scale = min(1.0, box[0] / width, box[1] / height)
    if scale >= 1.0:
        return size
    # Halves round up (not to even, as ``round`` does): 640×360 in 200×200 is 200×113.
    return (
        min(box[0], max(1, int(width * scale + 0.5))),
        min(box[1], max(1, int(height * scale + 0.5))),
    )


def render(source: Path, content_type: str, *, temp_dir: Path | None = None) -> list[Rendition]:
    """The original (re-encoded, oriented, at most 2000×3000) and the four variants of the
    image at ``source`` (whose sniffed type is ``content_type``), largest first."""
    image = _decode(source, content_type)
    out_type = _OUTPUT[content_type]
    renditions: list[Rendition] = []
    try:
        full = image.size
        current = image
        for name, box in BOXES.items():
            target = fit(full, box)
            if target != current.size:
                # Each from the previous one (the boxes nest), sized from the full image so that
                # rounding does not drift the aspect ratio.
                current = current.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
            renditions.append(_save(current, name, out_type, temp_dir))
    except BaseException:
        for rendition in renditions:
            rendition.discard()
        raise
    return renditions


def _decode(source: Path, content_type: str) -> Image.Image:
    """The pixels, oriented, in sRGB, as RGB or RGBA, with no metadata attached."""
    decoder = _DECODERS.get(content_type)
    if decoder is None:
        raise ImageRejected(f"the file type is not allowed (found {content_type})")
    try:
        with Image.open(source, formats=[decoder]) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise _too_large(width, height)
            opened.load()
            icc = opened.info.get("icc_profile")
            oriented = ImageOps.exif_transpose(opened)
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected("the image is too large") from None
    except MemoryError:
        raise
    except Exception:  # Pillow raises a zoo of types on hostile input; any means "unreadable"
        raise ImageRejected("the image could not be read") from None
    alpha = _output_has_alpha(oriented, _OUTPUT[content_type])
    image = _to_srgb(oriented, icc if isinstance(icc, bytes) else None)
    mode = "RGBA" if alpha and "A" in image.getbands() else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    image.info = {}
    return image


def _too_large(width: int, height: int) -> ImageRejected:
    return ImageRejected(
        f"the image is too large ({width}×{height} pixels; "
        f"at most {MAX_PIXELS // 1_000_000} megapixels)"
    )


def _output_has_alpha(image: Image.Image, out_type: str) -> bool:
    if out_type == JPEG:
        return False
    return "A" in image.getbands() or "transparency" in image.info


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB or RGBA pixels, converted from the embedded colour profile when there is one."""
    if image.mode in _HIGH_BIT_MODES:
        # 16-bit and float greys: Pillow's conversion to 8 bits would clip, not scale.
        scale: Callable[[Any], Any] = lambda value: value * (1 / 257)  # noqa: E731
        image = image.convert("I").point(scale).convert("L")
    if "transparency" in image.info:
        # A palette entry or a colour key marks the transparent pixels: made an alpha channel.
        image = image.convert("RGBA")
    if icc:
        converted = _apply_profile(image, icc)
        if converted is not None:
            return converted
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if "A" in image.getbands() else "RGB")


def _apply_profile(image: Image.Image, icc: bytes) -> Image.Image | None:
    """The image converted to sRGB through its ICC profile, or None when the profile does
    not apply (the pixels are then taken as sRGB, as browsers do with an unusable profile)."""
    if image.mode not in ("RGB", "RGBA", "L", "CMYK"):
        return None
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    base = image.convert("RGB") if alpha is not None else image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        converted = ImageCms.profileToProfile(
            base, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    if converted is None:  # only with inPlace=True
        return None
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _save(image: Image.Image, name: str, content_type: str, temp_dir: Path | None) -> Rendition:
    encoder, options = _ENCODERS[content_type]
    fd, raw = tempfile.mkstemp(
        prefix="canopy-image-", suffix=EXTENSIONS[content_type], dir=temp_dir
    )
    path = Path(raw)
    try:
        with os.fdopen(fd, "wb") as out:
            # No exif/icc_profile/xmp/comment option, and an empty ``info``: nothing to copy.
            image.save(out, format=encoder, **options)
        size = path.stat().st_size
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        raise
    return Rendition(
        name=name,
        path=path,
        width=image.width,
        height=image.height,
        size=size,
        content_type=content_type,
    )
