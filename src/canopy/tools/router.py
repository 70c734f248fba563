from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from canopy import tenancy
from canopy.auth import Principal, check, require
from canopy.db import SessionDep
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_query, parse
from canopy.routing import list_route
from canopy.tools import service
from canopy.tools.schemas import ToolListParams, ToolRead

router = APIRouter(prefix="/api/v1/external", tags=["Tools"])

Reader = Annotated[Principal, Depends(require("tools_r"))]


class _ListQuery(ToolListParams, PageParams):
    pass


@list_route(
    router,
    "/tools",
    response_model=list[ToolRead],
    response_model_exclude_unset=True,
    openapi_extra=openapi_query(_ListQuery),
)
async def list_tools(
    principal: Reader,
    params: Annotated[ToolListParams, Depends(parse(ToolListParams))],
    page: PageDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[ToolRead]:
    """List the tool catalogue, or an organisation's tools with their percent and comment."""
    if params.organization_reference is None:
        stmt = service.catalogue_query(params.name)
        return service.render(await paginate(session, stmt, page, request, response))
    check(principal, ("organizations_r", service.SU_SCOPE), reason="organization_reference")
    organization = await tenancy.member_organization(
        session, principal, params.organization_reference, su_scope=service.SU_SCOPE
    )
    org_stmt = service.organization_query(principal, organization, params.name)
    return service.render(await paginate(session, org_stmt, page, request, response))
