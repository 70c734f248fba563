from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.files.service import FilesDep
from canopy.organizations import service
from canopy.organizations.schemas import (
    OrganizationFlags,
    OrganizationListParams,
    OrganizationRead,
    OrganizationToolsUpdate,
    OrganizationUpdate,
    OrganizationWebsiteRead,
    WebsiteInput,
)
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_body, openapi_query, parse
from canopy.routing import list_route
from canopy.tools import service as tools_service
from canopy.tools.schemas import ToolRead

router = APIRouter(prefix="/api/v1/external", tags=["Organizations"])

Reader = Annotated[Principal, Depends(require(("organizations_r", service.SU_SCOPE)))]
Partner = Annotated[Principal, Depends(require(service.SU_SCOPE))]
Writer = Annotated[Principal, Depends(require("organizations_rw"))]
Reference = Annotated[str, Path(max_length=64)]


class _ListQuery(OrganizationListParams, PageParams):
    pass


@list_route(
    router,
    "/organizations",
    response_model=list[OrganizationRead],
    response_model_exclude_unset=True,
    openapi_extra=openapi_query(_ListQuery),
)
async def list_organizations(
    principal: Partner,
    params: Annotated[OrganizationListParams, Depends(parse(OrganizationListParams))],
    page: PageDep,
    session: SessionDep,
    files: FilesDep,
    request: Request,
    response: Response,
) -> list[OrganizationRead]:
    """Search every organisation by one of name, website URL or website references
    (partnership scope ``su_organizations_r``), oldest first."""
    organizations = await paginate(
        session, service.list_query(principal, params), page, request, response
    )
    return await service.render(session, organizations, params, files, principal)


@router.get(
    "/organizations/{reference}",
    response_model=OrganizationRead,
    response_model_exclude_unset=True,
    openapi_extra=openapi_query(OrganizationFlags),
)
async def get_organization(
    principal: Reader,
    reference: Reference,
    flags: Annotated[OrganizationFlags, Depends(parse(OrganizationFlags))],
    session: SessionDep,
    files: FilesDep,
) -> OrganizationRead:
    """Retrieve an organisation's profile, with its offices, images or videos on request (each
    left out when the token lacks its scope)."""
    organization = await service.get(session, principal, reference)
    return await service.read_one(session, organization, flags, files, principal)


@router.put(
    "/organizations/{reference}",
    response_model=OrganizationRead,
    response_model_exclude_unset=True,
    openapi_extra=openapi_body(OrganizationUpdate),
)
async def update_organization(
    principal: Writer,
    reference: Reference,
    data: Annotated[OrganizationUpdate, Depends(parse(OrganizationUpdate))],
    session: SessionDep,
) -> OrganizationRead:
    """Update the profile (organisation admins): only the given fields change."""
    organization = await service.get_for_admin(session, principal, reference)
    await service.update_profile(session, organization, data, principal=principal)
    return await service.read_one(session, organization)


@router.post(
    "/organizations/{reference}/websites",
    response_model=OrganizationWebsiteRead,
    status_code=201,
    responses={200: {"model": OrganizationWebsiteRead, "description": "The website replaced"}},
    openapi_extra=openapi_body(WebsiteInput),
)
async def put_website(
    principal: Writer,
    reference: Reference,
    data: Annotated[WebsiteInput, Depends(parse(WebsiteInput))],
    session: SessionDep,
    response: Response,
) -> OrganizationWebsiteRead:
    """Add a website, or replace the one with the same reference (200)."""
    organization = await service.get_for_admin(session, principal, reference)
    website, created = await service.put_website(session, organization, data)
    if not created:
        response.status_code = 200
    return OrganizationWebsiteRead.model_validate(website, from_attributes=True)


@router.delete("/organizations/{reference}/websites/{website_reference}", status_code=204)
async def delete_website(
    principal: Writer,
    reference: Reference,
    website_reference: Annotated[str, Path(max_length=64)],
    session: SessionDep,
) -> Response:
    """Remove a website."""
    organization = await service.get_for_admin(session, principal, reference)
    await service.remove_website(session, organization, website_reference)
    return Response(status_code=204)


@router.put(
    "/organizations/{reference}/tools",
    response_model=list[ToolRead],
    openapi_extra=openapi_body(OrganizationToolsUpdate),
)
async def put_tools(
    principal: Writer,
    reference: Reference,
    data: Annotated[OrganizationToolsUpdate, Depends(parse(OrganizationToolsUpdate))],
    session: SessionDep,
) -> list[ToolRead]:
    """Replace the organisation's tools (by ``tool_id`` or ``name``) with their percent and
    comment."""
    organization = await service.get_for_admin(session, principal, reference)
    await service.replace_tools(session, organization, data.tools)
    return await tools_service.organization_tools(session, organization.id)
