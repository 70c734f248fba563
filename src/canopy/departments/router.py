from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from canopy import tenancy
from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.departments import service
from canopy.departments.schemas import (
    DepartmentCreate,
    DepartmentListParams,
    DepartmentRead,
    DepartmentUpdate,
)
from canopy.models import Department
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_body, openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external/departments", tags=["Departments"])

Reader = Annotated[Principal, Depends(require(("departments_r", service.SU_SCOPE)))]
Writer = Annotated[Principal, Depends(require("departments_rw"))]


class _ListQuery(DepartmentListParams, PageParams):
    pass


@list_route(
    router, "", response_model=list[DepartmentRead], openapi_extra=openapi_query(_ListQuery)
)
async def list_departments(
    principal: Reader,
    params: Annotated[DepartmentListParams, Depends(parse(DepartmentListParams))],
    page: PageDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[Department]:
    """List an organisation's departments, oldest first."""
    organization = await tenancy.member_organization(
        session, principal, params.organization_reference, su_scope=service.SU_SCOPE
    )
    stmt = service.list_query(principal, organization)
    return list(await paginate(session, stmt, page, request, response))


@router.get("/{department_id}", response_model=DepartmentRead)
async def get_department(
    principal: Reader, department_id: Annotated[int, Path()], session: SessionDep
) -> Department:
    """Retrieve a department."""
    return await service.get(session, principal, department_id)


@router.post(
    "", status_code=201, response_model=DepartmentRead, openapi_extra=openapi_body(DepartmentCreate)
)
async def create_department(
    principal: Writer,
    data: Annotated[DepartmentCreate, Depends(parse(DepartmentCreate))],
    session: SessionDep,
) -> Department:
    """Create a department; its slug comes from the name unless given."""
    organization = await tenancy.member_organization(
        session, principal, data.organization_reference
    )
    return await service.create(session, organization, data)


@router.put(
    "/{department_id}", response_model=DepartmentRead, openapi_extra=openapi_body(DepartmentUpdate)
)
async def update_department(
    principal: Writer,
    department_id: Annotated[int, Path()],
    data: Annotated[DepartmentUpdate, Depends(parse(DepartmentUpdate))],
    session: SessionDep,
) -> Department:
    """Update a department; renaming keeps the slug."""
    department = await service.get(session, principal, department_id, for_write=True)
    await service.update(session, department, data)
    return department
