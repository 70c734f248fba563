from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from canopy.auth import Principal, require
from canopy.candidates import reads, service, writes
from canopy.candidates.schemas import (
    CandidateCreate,
    CandidateFlags,
    CandidateListParams,
    CandidateRead,
    CandidateUpdate,
)
from canopy.db import SessionDep
from canopy.files.service import FilesDep
from canopy.pagination import PageDep, PageParams
from canopy.params import openapi_body, openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external/candidates", tags=["Candidates"])

Reader = Annotated[Principal, Depends(require(("candidates_r", "my_candidates_r")))]
Writer = Annotated[Principal, Depends(require(("candidates_rw", "my_candidates_rw")))]
Flags = Annotated[CandidateFlags, Depends(parse(CandidateFlags))]
Reference = Annotated[str, Path(max_length=64)]


class _ListQuery(CandidateListParams, PageParams):
    pass


@list_route(
    router,
    "",
    response_model=list[CandidateRead],
    response_model_exclude_unset=True,
    openapi_extra=openapi_query(_ListQuery),
)
async def list_candidates(
    principal: Reader,
    params: Annotated[CandidateListParams, Depends(parse(CandidateListParams))],
    page: PageDep,
    request: Request,
) -> Response:
    """List a job's candidates, oldest first, within the token's reach."""
    return await reads.list_page(request, principal, params, page)


@router.get(
    "/{reference}",
    response_model=CandidateRead,
    response_model_exclude_unset=True,
    openapi_extra=openapi_query(CandidateFlags),
)
async def get_candidate(
    principal: Reader, reference: Reference, flags: Flags, session: SessionDep, files: FilesDep
) -> CandidateRead:
    """Retrieve a candidate."""
    candidate = await service.get(session, principal, reference, flags)
    return service.to_read(candidate, flags, files)


@router.post(
    "",
    status_code=201,
    response_model=CandidateRead,
    response_model_exclude_unset=True,
    openapi_extra={**openapi_body(CandidateCreate), **openapi_query(CandidateFlags)},
)
async def create_candidate(
    principal: Writer,
    data: Annotated[CandidateCreate, Depends(parse(CandidateCreate))],
    flags: Flags,
    session: SessionDep,
    files: FilesDep,
    request: Request,
) -> Response:
    """Add a candidate to a job (initial stage unless ``job_stage_id`` says otherwise)."""
    return await writes.create(request, session, principal, data, flags, files)


@router.put(
    "/{reference}",
    response_model=CandidateRead,
    response_model_exclude_unset=True,
    openapi_extra={**openapi_body(CandidateUpdate), **openapi_query(CandidateFlags)},
)
async def update_candidate(
    principal: Writer,
    reference: Reference,
    data: Annotated[CandidateUpdate, Depends(parse(CandidateUpdate))],
    flags: Flags,
    session: SessionDep,
    files: FilesDep,
) -> CandidateRead:
    """Update a candidate; a new stage or job records a move."""
    candidate = await service.update(session, principal, reference, data, flags, files)
    return service.to_read(candidate, flags, files)
