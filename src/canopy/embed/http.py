"""What makes the embed callable from any web page and cheap to call again: CORS on every
answer (errors included) and strong ETags computed from the body."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from canopy.errors import ApiError

# No credentials ever travel to these routes, so any origin may read them.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}
PREFLIGHT_MAX_AGE = "86400"


class PublicRoute(APIRoute):
    """A route meant for any web page: its responses and its errors carry the CORS headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def public_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except ApiError as exc:
                exc.headers = {**exc.headers, **CORS_HEADERS}
                raise
            response.headers.update(CORS_HEADERS)
            return response

        return public_handler


def preflight(request: Request) -> Response:
    """The answer to a CORS preflight: any origin, the read methods, the headers asked for."""
    headers = {
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
    }
    asked = request.headers.get("access-control-request-headers")
    if asked:
        headers["Access-Control-Allow-Headers"] = asked
    return Response(status_code=204, headers=headers)


def etag(body: bytes) -> str:
    """A strong validator: the same bytes, the same tag, whatever wrote the rows behind them."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str, tag: str) -> bool:
    # RFC 9110 §13.1.2: weak comparison, so a tag a proxy weakened (W/"…") still matches.
    if if_none_match.strip() == "*":
        return True
    return any(
        candidate.strip().removeprefix("W/") == tag for candidate in if_none_match.split(",")
    )


def cached(request: Request, body: bytes, media_type: str, max_age: int) -> Response:
    """``body`` with its ETag and ``Cache-Control``, or a bodiless 304 when the client's copy
    (``If-None-Match``) is current."""
    tag = etag(body)
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match", ""), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
