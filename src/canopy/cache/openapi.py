"""How the cached token routes document their validators: ``If-None-Match`` in, ``ETag``,
``Cache-Control`` and ``Vary`` out, and the bodiless 304 (the embed has its own, with CORS)."""

from __future__ import annotations

from typing import Any

IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the copy the client holds: a 304 without a body when it is "
    "still current.",
    "schema": {"type": "string"},
}
_HEADERS: dict[str, Any] = {
    "ETag": {
        "description": "A strong validator of the body (and of X-Total on a list).",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`private, no-cache`: a client may keep the answer and ask again with "
        "its ETag.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Vary": {
        "description": "`Authorization`: the answer depends on the token.",
        "required": True,
        "schema": {"type": "string"},
    },
}


def responses() -> dict[int | str, dict[str, Any]]:
    """The 200's validator headers, and the 304."""
    return {
        200: {"headers": dict(_HEADERS)},
        304: {
            "description": "The client's copy (`If-None-Match`) is current",
            "headers": dict(_HEADERS),
        },
    }


def with_if_none_match(extra: dict[str, Any]) -> dict[str, Any]:
    """A route's ``openapi_extra`` with the ``If-None-Match`` header among its parameters."""
    return {**extra, "parameters": [*extra.get("parameters", []), IF_NONE_MATCH]}
