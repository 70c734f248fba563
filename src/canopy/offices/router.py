from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from canopy import tenancy
from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.models import Office
from canopy.offices import service
from canopy.offices.schemas import OfficeCreate, OfficeListParams, OfficeRead, OfficeUpdate
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_body, openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external/offices", tags=["Offices"])

Reader = Annotated[Principal, Depends(require(("offices_r", service.SU_SCOPE)))]
Writer = Annotated[Principal, Depends(require("offices_rw"))]


class _ListQuery(OfficeListParams, PageParams):
    pass


@list_route(router, "", response_model=list[OfficeRead], openapi_extra=openapi_query(_ListQuery))
async def list_offices(
    principal: Reader,
    params: Annotated[OfficeListParams, Depends(parse(OfficeListParams))],
    page: PageDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[Office]:
    """List an organisation's offices, oldest first."""
    organization = await tenancy.member_organization(
        session, principal, params.organization_reference, su_scope=service.SU_SCOPE
    )
    stmt = service.list_query(principal, organization)
    return list(await paginate(session, stmt, page, request, response))


@router.get("/{office_id}", response_model=OfficeRead)
async def get_office(
    principal: Reader, office_id: Annotated[int, Path()], session: SessionDep
) -> Office:
    """Retrieve an office."""
    return await service.get(session, principal, office_id)


@router.post(
    "", status_code=201, response_model=OfficeRead, openapi_extra=openapi_body(OfficeCreate)
)
async def create_office(
    principal: Writer,
    data: Annotated[OfficeCreate, Depends(parse(OfficeCreate))],
    session: SessionDep,
) -> Office:
    """Create an office; naming it headquarter demotes the previous one."""
    organization = await tenancy.member_organization(
        session, principal, data.organization_reference
    )
    return await service.create(
        session, organization, **data.model_dump(exclude={"organization_reference"})
    )


@router.put("/{office_id}", response_model=OfficeRead, openapi_extra=openapi_body(OfficeUpdate))
async def update_office(
    principal: Writer,
    office_id: Annotated[int, Path()],
    data: Annotated[OfficeUpdate, Depends(parse(OfficeUpdate))],
    session: SessionDep,
) -> Office:
    """Update an office."""
    office = await service.get(session, principal, office_id, for_write=True)
    await service.update_office(session, office, data)
    return office
