from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from canopy.embed import reads, service
from canopy.embed.http import IF_NONE_MATCH, PublicRoute, cached, cached_responses, preflight
from canopy.embed.schemas import EmbedParams, EmbedRead
from canopy.params import openapi_query, parse

router = APIRouter(tags=["Embed"], route_class=PublicRoute)

EMBED = "/api/v1/embed"
WIDGET = "/embed.js"
# The widget changes only with Canopy itself (the feed: see reads.MAX_AGE).
WIDGET_MAX_AGE = 3600


_EMBED_DOC: dict[str, Any] = {
    "responses": cached_responses(),
    "openapi_extra": {"parameters": [*openapi_query(EmbedParams)["parameters"], IF_NONE_MATCH]},
}
_WIDGET_DOC: dict[str, Any] = {
    "responses": cached_responses({"text/javascript": {"schema": {"type": "string"}}}),
    "openapi_extra": {"parameters": [IF_NONE_MATCH]},
}


@router.get(EMBED, response_model=EmbedRead, **_EMBED_DOC)
@router.head(EMBED, response_model=EmbedRead, **_EMBED_DOC)
async def get_embed(
    params: Annotated[EmbedParams, Depends(parse(EmbedParams))],
    request: Request,
) -> Response:
    """An organisation's published jobs and websites, without a token, for any web page."""
    return await reads.embed_page(request, params.organization_reference)


@router.get(WIDGET, response_class=Response, **_WIDGET_DOC)
@router.head(WIDGET, response_class=Response, **_WIDGET_DOC)
async def get_widget(request: Request) -> Response:
    """Canopy's careers widget: include it with a ``<div id="canopy-jobs">`` (see its header)."""
    return cached(request, service.widget_script(), "text/javascript", WIDGET_MAX_AGE)


@router.options(EMBED, include_in_schema=False)
@router.options(WIDGET, include_in_schema=False)
async def preflight_embed(request: Request) -> Response:
    """CORS preflight."""
    return preflight(request)
