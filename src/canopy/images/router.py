from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.datastructures import UploadFile

from canopy import tenancy
from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.errors import validation_failed
from canopy.files.service import FilesDep
from canopy.images import service
from canopy.images.schemas import ImageCreate, ImageCreated, ImageListParams, ImageRead
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_body, openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external", tags=["Images"])

Reader = Annotated[Principal, Depends(require(("images_r", service.SU_SCOPE)))]
Writer = Annotated[Principal, Depends(require("organizations_rw"))]


class _ListQuery(ImageListParams, PageParams):
    pass


def _create_openapi() -> dict[str, Any]:
    extra = openapi_body(ImageCreate, upload="file")
    extra["description"] = (
        "Add an image from `remote_image_url` or from an uploaded `multipart/form-data` part "
        "named `file` (PNG, JPEG, GIF or WebP, at most 10 MB and 40 megapixels). Canopy "
        "stores it re-encoded without its metadata, and its `large`, `medium`, `small` and "
        "`thumb` variants. Admins of the organisation only."
    )
    return extra


def _upload(request: Request) -> UploadFile | None:
    form = getattr(request.state, "form", None)
    if form is None:
        return None
    parts = [value for value in form.getlist("file") if isinstance(value, UploadFile)]
    if len(parts) > 1:
        raise validation_failed("file is given more than once: upload one image per request")
    return parts[0] if parts else None


@list_route(
    router, "/images", response_model=list[ImageRead], openapi_extra=openapi_query(_ListQuery)
)
async def list_images(
    principal: Reader,
    params: Annotated[ImageListParams, Depends(parse(ImageListParams))],
    page: PageDep,
    session: SessionDep,
    files: FilesDep,
    request: Request,
    response: Response,
) -> list[ImageRead]:
    """List an organisation's images, oldest first, each with signed URLs of its variants."""
    organization = await tenancy.member_organization(
        session, principal, params.organization_reference, su_scope=service.SU_SCOPE
    )
    images = await paginate(
        session, service.list_query(principal, organization), page, request, response
    )
    return [service.to_read(image, files) for image in images]


@router.post(
    "/images", status_code=201, response_model=ImageCreated, openapi_extra=_create_openapi()
)
async def create_image(
    principal: Writer,
    data: Annotated[ImageCreate, Depends(parse(ImageCreate))],
    session: SessionDep,
    files: FilesDep,
    request: Request,
) -> ImageCreated:
    """Add an image to an organisation, from a remote URL or an upload."""
    image = await service.create_from_params(session, files, principal, data, _upload(request))
    return service.to_created(image, files)


@router.delete("/images/{image_id}", status_code=204, response_class=Response)
async def delete_image(
    principal: Writer, image_id: Annotated[int, Path()], session: SessionDep, files: FilesDep
) -> Response:
    """Delete an image and its files."""
    image = await service.get_writable(session, principal, image_id)
    await service.delete(session, files, image)
    return Response(status_code=204)
