"""The embed's answer, served from the response cache (``canopy.cache``): keyed by the
organisation and its content version (and the time zone of its dates), rendered on a miss."""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy import cache, render
from canopy.cache import versions
from canopy.embed import service
from canopy.embed.schemas import EmbedRead

# A minute of staleness at most for the feed in browsers and proxies; Canopy itself serves the
# new feed from the moment a write commits.
MAX_AGE = 60


async def embed_page(request: Request, organization_reference: str) -> Response:
    """``GET /api/v1/embed``; an unknown organisation gets no key and the rendering's 404."""
    key: Hashable | None = None
    found = await versions.of_organization(request, organization_reference)
    if found is not None and found.content is not None:
        key = ("embed", found.organization_id, found.content, render.timezone().key)
    rendering = partial(_render, request, organization_reference)
    return await cache.serve(request, key, rendering, cache.public(MAX_AGE))


async def _render(request: Request, organization_reference: str) -> cache.Rendered:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        payload = await service.embed(session, organization_reference)
    return cache.Rendered(EmbedRead.__pydantic_serializer__.to_json(payload))
