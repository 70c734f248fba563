"""``GET /files/{token}/{name}``: the bytes behind a signed file URL, with Range support."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse

from canopy.errors import ApiError, not_found
from canopy.files import ranges
from canopy.files.storage import Storage
from canopy.files.urls import FileSigner

router = APIRouter(tags=["Files"])

Token = Annotated[str, Path(max_length=2048)]


def content_disposition(filename: str, inline: bool = True) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''{quote(filename)}"


@router.get(
    "/files/{token}/{name}",
    response_class=Response,
    responses={
        200: {"description": "The file"},
        206: {"description": "The requested byte range"},
        403: {"description": "Tampered or expired link"},
        416: {"description": "Range not satisfiable"},
    },
)
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
        "Content-Disposition": content_disposition(ref.filename),
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


router.add_api_route(
    "/files/{token}/{name}", download_file, methods=["HEAD"], include_in_schema=False
)
