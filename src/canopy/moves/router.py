from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from canopy import tenancy
from canopy.auth import Principal, require
from canopy.candidates import service as candidates_service
from canopy.db import SessionDep
from canopy.moves import service
from canopy.moves.schemas import MoveListParams, MoveRead
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external/moves", tags=["Analytics"])


class _ListQuery(MoveListParams, PageParams):
    pass


@list_route(
    router,
    "",
    response_model=list[MoveRead],
    response_model_by_alias=True,
    openapi_extra=openapi_query(_ListQuery),
)
async def list_moves(
    principal: Annotated[Principal, Depends(require("moves_r"))],
    params: Annotated[MoveListParams, Depends(parse(MoveListParams))],
    page: PageDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[MoveRead]:
    """Candidates' moves involving an organisation (and a job), oldest first."""
    organization = await tenancy.member_organization(
        session, principal, params.organization_reference
    )
    job = None
    if params.job_reference is not None:
        job = await candidates_service.reachable_job(session, principal, params.job_reference)
    moves = await paginate(
        session, service.list_query(principal, organization, job), page, request, response
    )
    return [service.to_read(move) for move in moves]
