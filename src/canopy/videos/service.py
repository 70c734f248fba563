"""An organisation's videos (§6.4, §15.10): hosted elsewhere, described here, each with an
optional thumbnail made by the images pipeline.

Canopy asks the video's host nothing (no oEmbed): the one download is the thumbnail at
``remote_image_url``, fetched, rendered and stored outside any transaction, between the
checks of a transaction that only reads and the short one that writes (§15.8)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import tenancy
from canopy.auth import Principal
from canopy.db import reads_first
from canopy.errors import not_found, validation_failed
from canopy.files.service import Files
from canopy.images import service as images_service
from canopy.images.schemas import FileUrl
from canopy.models import Image, Organization, Video
from canopy.videos import providers
from canopy.videos.schemas import VideoCreate, VideoCreated, VideoImage, VideoRead

SU_SCOPE = "su_videos_r"
TAKEN = "external_reference has already been taken for this source"


def list_query(principal: Principal, organization: Organization) -> Select[Video]:
    return tenancy.owned(Video, principal, organization=organization, su_scope=SU_SCOPE).order_by(
        Video.created_at, Video.id
    )


def _image(image: Image | None, files: Files) -> VideoImage | None:
    if image is None:
        return None
    return VideoImage(
        url=images_service.url(files, image),
        small=FileUrl(url=images_service.url(files, image, "small")),
        thumb=FileUrl(url=images_service.url(files, image, "thumb")),
    )


def _fields(video: Video, image: Image | None, files: Files) -> dict[str, Any]:
    return {
        "source": video.source,
        "external_reference": video.external_reference,
        "name": video.name,
        "description": video.description,
        "subtitle": video.subtitle,
        "image": _image(image, files),
        "url": video.url,
        "created_at": video.created_at,
        "updated_at": video.updated_at,
        "reference": video.external_reference,
    }


def to_read(video: Video, image: Image | None, files: Files, *, details: bool) -> VideoRead:
    """The Video object; ``details`` is set (and so rendered) only when asked for."""
    if details:
        return VideoRead(**_fields(video, image, files), details=video.details)
    return VideoRead(**_fields(video, image, files))


def to_created(video: Video, image: Image | None, files: Files) -> VideoCreated:
    return VideoCreated(**_fields(video, image, files), details=video.details, id=video.id)


async def render(
    session: AsyncSession, files: Files, videos: Sequence[Video], *, details: bool
) -> list[VideoRead]:
    """A page of videos with their thumbnails (one more query)."""
    images = await images_service.by_ids(
        session, [video.image_id for video in videos if video.image_id is not None]
    )
    return [
        to_read(video, images.get(video.image_id or 0), files, details=details) for video in videos
    ]


async def read_many(
    session: AsyncSession, files: Files, organization_ids: Sequence[int], *, details: bool
) -> dict[int, list[VideoRead]]:
    """Every video of each organisation (oldest first) with its thumbnail, in one query; each
    id given is a key, with an empty list when it has none. For ``organizations?videos=true``."""
    result: dict[int, list[VideoRead]] = {org_id: [] for org_id in organization_ids}
    if not result:
        return result
    rows = await session.execute(
        select(Video, Image)
        .outerjoin(Image, Image.id == Video.image_id)
        .where(Video.organization_id.in_(list(result)))
        .order_by(Video.organization_id, Video.created_at, Video.id)
    )
    for video, image in rows:
        result[video.organization_id].append(to_read(video, image, files, details=details))
    return result


async def get_writable(session: AsyncSession, principal: Principal, video_id: int) -> Video:
    """A video of an organisation the principal is an admin of: another organisation's is a
    404, one the principal only reads is a 403."""
    if not tenancy.is_id(video_id):
        raise not_found("Video")
    video = await session.scalar(tenancy.owned(Video, principal).where(Video.id == video_id))
    if video is None:
        raise not_found("Video")
    images_service.require_admin(principal, video.organization_id)
    return video


async def _taken(session: AsyncSession, organization_id: int, source: str, reference: str) -> bool:
    found = await session.scalar(
        select(Video.id).where(
            Video.organization_id == organization_id,
            Video.source == source,
            Video.external_reference == reference,
        )
    )
    return found is not None


async def create_from_params(
    session: AsyncSession, files: Files, principal: Principal, data: VideoCreate
) -> tuple[Video, Image | None]:
    """A video of the organisation ``data`` names, which the principal administers."""
    async with reads_first(session):
        organization = await tenancy.member_organization(
            session, principal, data.organization_reference
        )
        images_service.require_admin(principal, organization.id)
    return await create(session, files, organization, data)


async def create(
    session: AsyncSession, files: Files, organization: Organization, data: VideoCreate
) -> tuple[Video, Image | None]:
    """A video, with its thumbnail fetched from ``remote_image_url`` when given."""
    try:
        located = providers.locate(data.source, data.external_reference, data.url)
    except providers.InvalidVideo as exc:
        raise validation_failed(str(exc)) from None
    # Checked before the thumbnail is fetched, to spare the download; the unique constraint
    # still settles a race.
    async with reads_first(session):
        taken = await _taken(session, organization.id, data.source, located.external_reference)
    if taken:
        raise validation_failed(TAKEN)
    rendered = None
    if data.remote_image_url is not None:
        async with images_service.remote_source(
            files, data.remote_image_url, label="remote_image_url"
        ) as source:
            rendered = await images_service.render_and_store(session, files, source, name=data.name)
    await images_service.still_there(session, organization.id)
    image = None
    if rendered is not None:
        image = await images_service.record(
            session, organization.id, rendered, name=data.name, description=None
        )
    video = Video(
        organization_id=organization.id,
        source=data.source,
        external_reference=located.external_reference,
        name=data.name,
        description=data.description,
        subtitle=data.subtitle,
        url=located.url,
        image_id=image.id if image is not None else None,
        details=data.details or {},
    )
    try:
        async with session.begin_nested():
            session.add(video)
    except IntegrityError:
        raise validation_failed(TAKEN) from None
    return video, image


async def delete(session: AsyncSession, files: Files, video: Video) -> None:
    """Remove the video and its thumbnail now, the thumbnail's files after the commit."""
    image = await session.get(Image, video.image_id) if video.image_id is not None else None
    await session.delete(video)
    await session.flush()
    if image is not None:
        await images_service.delete(session, files, image)
