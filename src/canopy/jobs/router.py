from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from canopy import tenancy
from canopy.auth import Principal, require, with_companion
from canopy.cache import openapi as cache_openapi
from canopy.cache import versions
from canopy.db import SessionDep
from canopy.jobs import reads, service
from canopy.jobs.schemas import (
    JobAllParams,
    JobCreate,
    JobFlags,
    JobListParams,
    JobRead,
    JobStatusUpdate,
    JobUpdate,
)
from canopy.pagination import PageDep, PageParams
from canopy.params import openapi_body, openapi_query, parse, parse_query
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external/jobs", tags=["Jobs"])

Reader = Annotated[Principal, Depends(require(("jobs_r", service.SU_SCOPE)))]
Writer = Annotated[Principal, Depends(require("jobs_rw"))]
Flags = Annotated[JobFlags, Depends(parse(JobFlags))]
# A write's body is the job itself, where `offices` is a list of offices: its flags come from
# the query string only.
WriteFlags = Annotated[JobFlags, Depends(parse_query(JobFlags))]
Reference = Annotated[str, Path(max_length=64)]


class _ListQuery(JobListParams, PageParams):
    pass


class _AllQuery(JobAllParams, PageParams):
    pass


@list_route(
    router,
    "",
    response_model=list[JobRead],
    response_model_exclude_unset=True,
    responses=cache_openapi.responses(),
    openapi_extra=cache_openapi.with_if_none_match(openapi_query(_ListQuery)),
)
@with_companion(versions.ORGANIZATION_IN_QUERY)
async def list_jobs(
    principal: Reader,
    params: Annotated[JobListParams, Depends(parse(JobListParams))],
    page: PageDep,
    request: Request,
) -> Response:
    """List an organisation's jobs, oldest first; the spontaneous-application job included."""
    return await reads.list_page(request, principal, params, page)


@list_route(
    router,
    "/all",
    response_model=list[JobRead],
    response_model_exclude_unset=True,
    responses=cache_openapi.responses(),
    openapi_extra=cache_openapi.with_if_none_match(openapi_query(_AllQuery)),
)
@with_companion(versions.EVERY_ORGANIZATION)
async def list_all_jobs(
    principal: Annotated[Principal, Depends(require(service.SU_SCOPE))],
    params: Annotated[JobAllParams, Depends(parse(JobAllParams))],
    page: PageDep,
    request: Request,
) -> Response:
    """List the jobs of every organisation (partnership scope ``su_jobs_r``)."""
    return await reads.all_page(request, principal, params, page)


@router.get(
    "/{reference}",
    response_model=JobRead,
    response_model_exclude_unset=True,
    responses=cache_openapi.responses(),
    openapi_extra=cache_openapi.with_if_none_match(openapi_query(JobFlags)),
)
@with_companion(versions.JOB_IN_PATH)
async def get_job(
    principal: Reader, reference: Reference, flags: Flags, request: Request
) -> Response:
    """Retrieve a job with the inclusions its flags ask for."""
    return await reads.job_page(request, principal, reference, flags)


@router.post(
    "",
    status_code=201,
    response_model=JobRead,
    response_model_exclude_unset=True,
    openapi_extra={**openapi_body(JobCreate), **openapi_query(JobFlags)},
)
async def create_job(
    principal: Writer,
    data: Annotated[JobCreate, Depends(parse(JobCreate))],
    flags: WriteFlags,
    session: SessionDep,
) -> JobRead:
    """Create a job with the default pipeline; an office is found or created from its fields."""
    flags = service.effective_flags(principal, flags)
    organization = await tenancy.member_organization(
        session, principal, data.organization_reference
    )
    job = await service.create(session, principal, organization, data)
    job = await service.reload(session, job, flags)
    return service.to_read(job, flags)


@router.put(
    "/{reference}",
    response_model=JobRead,
    response_model_exclude_unset=True,
    openapi_extra={**openapi_body(JobUpdate), **openapi_query(JobFlags)},
)
async def update_job(
    principal: Writer,
    reference: Reference,
    data: Annotated[JobUpdate, Depends(parse(JobUpdate))],
    flags: WriteFlags,
    session: SessionDep,
) -> JobRead:
    """Update a job: only the given fields change."""
    flags = service.effective_flags(principal, flags)
    job = await service.get(session, principal, reference, for_write=True)
    await service.update(session, principal, job, data)
    job = await service.reload(session, job, flags)
    return service.to_read(job, flags)


@router.put(
    "/{reference}/update_status",
    response_model=JobRead,
    response_model_exclude_unset=True,
    openapi_extra={**openapi_body(JobStatusUpdate), **openapi_query(JobFlags)},
)
async def update_job_status(
    principal: Writer,
    reference: Reference,
    data: Annotated[JobStatusUpdate, Depends(parse(JobStatusUpdate))],
    flags: WriteFlags,
    session: SessionDep,
) -> JobRead:
    """Publish, archive or return a job to draft; the transition stamps its date."""
    flags = service.effective_flags(principal, flags)
    job = await service.get(session, principal, reference, for_write=True)
    await service.set_status(session, job, data.status)
    job = await service.reload(session, job, flags)
    return service.to_read(job, flags)
