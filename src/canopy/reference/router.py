from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from canopy.auth import CurrentPrincipal, Principal, require
from canopy.reference import service
from canopy.reference.schemas import DependenciesRead, LanguageRead, ProfessionRead, SectorRead
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external", tags=["Reference data"])


def _json(name: str) -> Response:
    return Response(service.encoded(name), media_type="application/json")


@router.get("/jobs/dependencies", response_model=DependenciesRead)
async def get_dependencies(
    _: Annotated[Principal, Depends(require("jobs_r"))],
) -> Response:
    """The values a job's enumerated fields accept (contract types, levels, salary units…)."""
    return _json("dependencies")


@list_route(router, "/languages", response_model=list[LanguageRead])
async def list_languages(_: CurrentPrincipal) -> Response:
    """Active languages for jobs; needs only a valid token."""
    return _json("languages")


@list_route(router, "/professions", response_model=list[ProfessionRead], deprecated=True)
async def list_professions(_: CurrentPrincipal) -> Response:
    """Professions (deprecated: accepted on jobs but no longer used)."""
    return _json("professions")


@list_route(router, "/sectors", response_model=list[SectorRead])
async def list_sectors(_: CurrentPrincipal) -> Response:
    """Business sectors; needs only a valid token."""
    return _json("sectors")
