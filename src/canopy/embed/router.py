from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from canopy.db import SessionDep
from canopy.embed import service
from canopy.embed.http import PublicRoute, cached, preflight
from canopy.embed.schemas import EmbedParams, EmbedRead
from canopy.params import openapi_query, parse

router = APIRouter(tags=["Embed"], route_class=PublicRoute)

EMBED = "/api/v1/embed"
WIDGET = "/embed.js"
# A minute of staleness at most for the feed; the widget changes only with Canopy itself.
EMBED_MAX_AGE = 60
WIDGET_MAX_AGE = 3600


@router.get(EMBED, response_model=EmbedRead, openapi_extra=openapi_query(EmbedParams))
@router.head(EMBED, include_in_schema=False)
async def get_embed(
    params: Annotated[EmbedParams, Depends(parse(EmbedParams))],
    session: SessionDep,
    request: Request,
) -> Response:
    """An organisation's published jobs and websites, without a token, for any web page."""
    payload = await service.embed(session, params.organization_reference)
    return cached(request, payload.model_dump_json().encode(), "application/json", EMBED_MAX_AGE)


@router.get(WIDGET, response_class=Response)
@router.head(WIDGET, include_in_schema=False)
async def get_widget(request: Request) -> Response:
    """Canopy's careers widget: include it with a ``<div id="canopy-jobs">`` (see its header)."""
    return cached(request, service.widget_script(), "text/javascript", WIDGET_MAX_AGE)


@router.options(EMBED, include_in_schema=False)
@router.options(WIDGET, include_in_schema=False)
async def preflight_embed(request: Request) -> Response:
    """CORS preflight."""
    return preflight(request)
