from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.files.service import default_avatar_url
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
    request: Request,
) -> CurrentUserRead:
    """The token's user; flags add its organisations and roles, their jobs and stages (each
    left out when the token lacks its scope)."""
    flags = service.effective_flags(principal, params)
    avatar = default_avatar_url(request.app.state.settings.public_base_url)
    return await service.current(session, principal, flags, default_avatar=avatar)
