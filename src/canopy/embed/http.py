"""What makes the embed callable from any web page and cheap to call again: CORS on every
answer (errors included) and strong ETags computed from the body (``canopy.cache``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from canopy.cache import Entry, etag, public, respond
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


def cached(request: Request, body: bytes, media_type: str, max_age: int) -> Response:
    """``body`` with its ETag and ``Cache-Control``, or a bodiless 304 when the client's copy
    (``If-None-Match``) is current (see ``canopy.cache``)."""
    entry = Entry(body=body, etag=etag(body))
    return respond(request, entry, public(max_age), media_type=media_type)


# -- OpenAPI: what `cached` answers, declared on the routes that use it. --

IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the copy the client holds: a 304 when it is still current.",
    "schema": {"type": "string"},
}
_CACHE_HEADERS: dict[str, Any] = {
    "ETag": {
        "description": "A strong validator of the body.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "How long a copy stays fresh.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Access-Control-Allow-Origin": {
        "description": "`*`: any web page may read it.",
        "required": True,
        "schema": {"type": "string", "enum": ["*"]},
    },
}


def cached_responses(content: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    """The 200 (with ``content`` when FastAPI cannot derive it) and the 304 of ``cached``."""
    ok: dict[str, Any] = {"headers": _CACHE_HEADERS}
    if content is not None:
        ok["content"] = content
    return {
        200: ok,
        304: {
            "description": "The client's copy (`If-None-Match`) is current",
            "headers": _CACHE_HEADERS,
        },
    }
