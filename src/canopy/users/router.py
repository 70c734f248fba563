from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from canopy.auth import Principal, check, require
from canopy.db import SessionDep
from canopy.params import openapi_query, parse
from canopy.users import service
from canopy.users.schemas import CurrentUserParams, CurrentUserRead

router = APIRouter(prefix="/api/v1/external/users", tags=["Current user"])


@router.get(
    "/current",
    response_model=CurrentUserRead,
    response_model_exclude_unset=True,
    openapi_extra=openapi_query(CurrentUserParams),
)
async def get_current_user(
    principal: Annotated[Principal, Depends(require("me_r"))],
    params: Annotated[CurrentUserParams, Depends(parse(CurrentUserParams))],
    session: SessionDep,
) -> CurrentUserRead:
    """The token's user; flags add its organisations and roles, their jobs and stages."""
    if params.organizations:
        check(principal, "organizations_r", reason="organizations=true")
    if params.jobs:
        check(principal, "jobs_r", reason="jobs=true")
    if params.stages:
        check(principal, "jobs_r", reason="stages=true")
    return await service.current(session, principal, params)
