"""``GET /files/{token}/{name}``: the bytes behind a signed file URL, with Range support.

Documents may be of any type, HTML and SVG included, and are served from Canopy's own origin:
only PDF and raster images are shown in the browser (``inline``); everything else is a download
(``attachment``), never sniffed into something else (``nosniff``), and sandboxed without script
(the CSP) should a browser render it all the same.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse

from canopy.errors import ApiError, not_found
from canopy.files import ranges
from canopy.files.service import DEFAULT_AVATAR_PATH
from canopy.files.sniff import INLINE_TYPES
from canopy.files.storage import Storage
from canopy.files.urls import FileSigner

router = APIRouter(tags=["Files"])

Token = Annotated[str, Path(max_length=2048)]


def content_disposition(filename: str, *, inline: bool) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''{quote(filename)}"


_BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
_FILE_HEADERS = {
    name: {"description": text, "required": True, "schema": {"type": "string"}}
    for name, text in (
        (
            "Content-Disposition",
            "`inline` for PDF and PNG, JPEG, GIF or WebP images, `attachment` for any other "
            "type; with the file's name",
        ),
        ("X-Content-Type-Options", "`nosniff`"),
        ("Content-Security-Policy", "`default-src 'none'; sandbox`: no script, ever"),
        ("Accept-Ranges", "`bytes`: a `Range` may ask for part of the file"),
        ("ETag", "The stored object's validator"),
    )
}
_DOC: dict[str, Any] = {
    "response_class": Response,
    "responses": {
        200: {"description": "The file", "content": _BYTES, "headers": _FILE_HEADERS},
        206: {
            "description": "The requested byte range",
            "content": _BYTES,
            "headers": {
                **_FILE_HEADERS,
                "Content-Range": {
                    "description": "The range sent, and the file's size",
                    "required": True,
                    "schema": {"type": "string"},
                },
            },
        },
        403: {"description": "`forbidden`: the link is tampered with or has expired"},
        416: {
            "description": "`range_not_satisfiable`: the range starts past the end of the file",
            "headers": {
                "Content-Range": {
                    "description": "`bytes */<size>`",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
        },
    },
    "openapi_extra": {
        "parameters": [
            {
                "name": "Range",
                "in": "header",
                "required": False,
                "description": "One byte range, `bytes=<first>-<last>` (either may be left out); "
                "anything else is ignored and the whole file sent.",
                "schema": {"type": "string"},
            }
        ]
    },
}


@router.get("/files/{token}/{name}", **_DOC)
async def download_file(token: Token, name: str, request: Request) -> Response:
    """Stream a stored file from its signed link (no token needed); honours ``Range``."""
    signer: FileSigner = request.app.state.file_signer
    storage: Storage = request.app.state.storage
    ref = signer.verify(token)
    info = await storage.stat(ref.key)
    if info is None:
        raise not_found("File")
    size = info.size
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(
            ref.filename, inline=ref.content_type in INLINE_TYPES
        ),
        "ETag": f'"{ref.key.rsplit("/", 1)[-1]}"',
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    try:
        byte_range = ranges.parse(request.headers.get("range"), size)
    except ranges.Unsatisfiable:
        raise ApiError(
            416,
            "The requested range is not satisfiable",
            code="range_not_satisfiable",
            headers={"Content-Range": f"bytes */{size}"},
        ) from None
    status = 200
    first, last = 0, size - 1
    if byte_range is not None:
        first, last = byte_range
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1 if size else 0)
    if request.method == "HEAD" or size == 0:
        return Response(status_code=status, headers=headers, media_type=ref.content_type)
    return StreamingResponse(
        storage.read(ref.key, first, last),
        status_code=status,
        headers=headers,
        media_type=ref.content_type,
    )


router.add_api_route("/files/{token}/{name}", download_file, methods=["HEAD"], **_DOC)


@cache
def _default_avatar() -> bytes:
    return resources.files("canopy.files").joinpath("static/default-avatar.png").read_bytes()


_AVATAR_DOC: dict[str, Any] = {
    "response_class": Response,
    "responses": {200: {"description": "A PNG image", "content": {"image/png": {}}}},
}


@router.get(DEFAULT_AVATAR_PATH, **_AVATAR_DOC)
@router.head(DEFAULT_AVATAR_PATH, **_AVATAR_DOC)
async def default_avatar() -> Response:
    """The picture shown for a candidate or a user without one."""
    return Response(
        _default_avatar(),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
