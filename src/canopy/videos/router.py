from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from canopy import tenancy
from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.files.service import FilesDep
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_body, openapi_query, parse
from canopy.routing import list_route
from canopy.videos import service
from canopy.videos.schemas import VideoCreate, VideoCreated, VideoListParams, VideoRead

router = APIRouter(prefix="/api/v1/external", tags=["Videos"])

Reader = Annotated[Principal, Depends(require(("videos_r", service.SU_SCOPE)))]
Writer = Annotated[Principal, Depends(require("organizations_rw"))]


class _ListQuery(VideoListParams, PageParams):
    pass


@list_route(
    router,
    "/videos",
    response_model=list[VideoRead],
    response_model_exclude_unset=True,
    openapi_extra=openapi_query(_ListQuery),
)
async def list_videos(
    principal: Reader,
    params: Annotated[VideoListParams, Depends(parse(VideoListParams))],
    page: PageDep,
    session: SessionDep,
    files: FilesDep,
    request: Request,
    response: Response,
) -> list[VideoRead]:
    """List an organisation's videos, oldest first; ``details=true`` adds the provider's
    payload."""
    organization = await tenancy.member_organization(
        session, principal, params.organization_reference, su_scope=service.SU_SCOPE
    )
    videos = await paginate(
        session, service.list_query(principal, organization), page, request, response
    )
    return await service.render(session, files, videos, details=params.details)


@router.post(
    "/videos",
    status_code=201,
    response_model=VideoCreated,
    openapi_extra={
        **openapi_body(VideoCreate),
        "description": "Add a YouTube, Dailymotion or 360player video: `external_reference` "
        "or `url` (for YouTube and Dailymotion one is derived from the other), an optional "
        "`details` object (the provider's payload, at most 64 KB) and an optional thumbnail "
        "fetched from `remote_image_url`. Admins of the organisation only.",
    },
)
async def create_video(
    principal: Writer,
    data: Annotated[VideoCreate, Depends(parse(VideoCreate))],
    session: SessionDep,
    files: FilesDep,
) -> VideoCreated:
    """Add a video to an organisation."""
    video, image = await service.create_from_params(session, files, principal, data)
    return service.to_created(video, image, files)


@router.delete("/videos/{video_id}", status_code=204, response_class=Response)
async def delete_video(
    principal: Writer, video_id: Annotated[int, Path()], session: SessionDep, files: FilesDep
) -> Response:
    """Delete a video (and its thumbnail)."""
    video = await service.get_writable(session, principal, video_id)
    await service.delete(session, files, video)
    return Response(status_code=204)
