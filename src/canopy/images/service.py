"""An organisation's images (§6.3, §15.10): listed, made from an upload, a remote URL or a
local file (the command line), and deleted.

Canopy renders the variants itself (:mod:`canopy.images.variants`); the original and the four
variants are five objects under random keys, written once the request has checked and
rendered everything, and removed again if its transaction does not commit.

No transaction is open while an image is downloaded, decoded, resized or stored: the
organisation is looked up in a transaction that only reads (:func:`canopy.db.reads_first`),
the work happens outside any, and the writing transaction that follows only checks the
organisation again and inserts the row (§15.8).
"""

from __future__ import annotations

import asyncio
import stat
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from slugify import slugify
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from canopy import tenancy
from canopy.auth import Principal
from canopy.db import after_commit, reads_first
from canopy.errors import ApiError, not_found, not_member, validation_failed
from canopy.files import service as files_service
from canopy.files.fetch import Download
from canopy.files.service import Files, Stored
from canopy.files.sniff import EXTENSIONS, IMAGE_TYPES, sniff
from canopy.files.storage import Storage
from canopy.images import variants
from canopy.images.schemas import FileUrl, ImageCreate, ImageCreated, ImageFile, ImageRead
from canopy.images.variants import ImageRejected, Rendition
from canopy.models import Image, Organization, Video

SU_SCOPE = "su_images_r"
PREFIX = "images"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# A 40-megapixel RGBA image is 160 MB decoded: a few renders at once per process, not dozens.
RENDER_CONCURRENCY = 2
MAX_FILENAME_STEM = 100


class RenderQueue:
    """The renders of one event loop: at most ``RENDER_CONCURRENCY`` at once, the others
    waiting their turn (``waiting`` of them)."""

    def __init__(self, size: int) -> None:
        self._semaphore = asyncio.Semaphore(size)
        self.waiting = 0

    async def acquire(self) -> None:
        self.waiting += 1
        try:
            await self._semaphore.acquire()
        finally:
            self.waiting -= 1

    def release(self) -> None:
        self._semaphore.release()


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RenderQueue] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class Source:
    """A checked image file to render: its bytes' type, the name it came with (whose stem
    names the stored files) and how to name it in an error."""

    path: Path
    content_type: str
    filename: str
    label: str


# -- reading ----------------------------------------------------------------------------------


def _gallery() -> ColumnElement[bool]:
    """Images of the organisation's gallery: a video's thumbnail (also an Image row, with its
    variants) belongs to the video, not to ``GET /images``."""
    return ~exists().where(
        Video.organization_id == Image.organization_id, Video.image_id == Image.id
    )


def list_query(principal: Principal, organization: Organization) -> Select[Image]:
    return (
        tenancy.owned(Image, principal, organization=organization, su_scope=SU_SCOPE)
        .where(_gallery())
        .order_by(Image.created_at, Image.id)
    )


def url(files: Files, image: Image, variant: str = "original") -> str:
    """The signed URL of the original or of one variant (the original's when the row has no
    such variant: one written by other means than :func:`create`)."""
    item: dict[str, Any] | None = image.variants.get(variant) if variant != "original" else None
    if item is None:
        return files.url(image.object_key, image.filename, image.content_type, image.size)
    return files.url(
        str(item["key"]),
        f"{variant}_{image.filename}",
        str(item["content_type"]),
        int(item["size"]),
    )


def image_file(image: Image, files: Files) -> ImageFile:
    return ImageFile(
        url=url(files, image),
        large=FileUrl(url=url(files, image, "large")),
        medium=FileUrl(url=url(files, image, "medium")),
        small=FileUrl(url=url(files, image, "small")),
        thumb=FileUrl(url=url(files, image, "thumb")),
    )


def to_read(image: Image, files: Files) -> ImageRead:
    return ImageRead(
        name=image.name,
        description=image.description,
        file=image_file(image, files),
        created_at=image.created_at,
        updated_at=image.updated_at,
    )


def to_created(image: Image, files: Files) -> ImageCreated:
    return ImageCreated(
        name=image.name,
        description=image.description,
        file=image_file(image, files),
        created_at=image.created_at,
        updated_at=image.updated_at,
        id=image.id,
    )


async def read_many(
    session: AsyncSession, files: Files, organization_ids: Sequence[int]
) -> dict[int, list[ImageRead]]:
    """Every gallery image of each organisation (oldest first), in one query; each id given
    is a key, with an empty list when it has none. For ``organizations?images=true``."""
    result: dict[int, list[ImageRead]] = {org_id: [] for org_id in organization_ids}
    if not result:
        return result
    images = await session.scalars(
        select(Image)
        .where(Image.organization_id.in_(list(result)), _gallery())
        .order_by(Image.organization_id, Image.created_at, Image.id)
    )
    for image in images:
        result[image.organization_id].append(to_read(image, files))
    return result


async def by_ids(session: AsyncSession, image_ids: Sequence[int]) -> dict[int, Image]:
    """Images by id (a video's thumbnails), in one query."""
    wanted = sorted(set(image_ids))
    if not wanted:
        return {}
    images = await session.scalars(select(Image).where(Image.id.in_(wanted)))
    return {image.id: image for image in images}


# -- writing ----------------------------------------------------------------------------------


def forbidden() -> ApiError:
    return ApiError(
        403, "Only an admin of this organization may change its media", code="forbidden"
    )


def require_admin(principal: Principal, organization_id: int) -> None:
    """Images and videos are changed by the organisation's admins only (§15.10)."""
    if not tenancy.is_admin(principal, organization_id):
        raise forbidden()


async def get_writable(session: AsyncSession, principal: Principal, image_id: int) -> Image:
    """A gallery image of an organisation the principal is an admin of: another
    organisation's is a 404, one the principal only reads is a 403."""
    if not tenancy.is_id(image_id):
        raise not_found("Image")
    image = await session.scalar(
        tenancy.owned(Image, principal).where(Image.id == image_id, _gallery())
    )
    if image is None:
        raise not_found("Image")
    require_admin(principal, image.organization_id)
    return image


async def create_from_params(
    session: AsyncSession,
    files: Files,
    principal: Principal,
    data: ImageCreate,
    upload: UploadFile | None,
) -> Image:
    """An image of the organisation ``data`` names, which the principal administers, from
    ``remote_image_url`` or from the uploaded ``file``: one of them."""
    async with reads_first(session):
        organization = await tenancy.member_organization(
            session, principal, data.organization_reference
        )
        require_admin(principal, organization.id)
    if upload is not None and data.remote_image_url is not None:
        raise validation_failed("remote_image_url and an uploaded file cannot both be given")
    if upload is not None:
        source = upload_source(files, upload)
    elif data.remote_image_url is not None:
        source = remote_source(files, data.remote_image_url, label="remote_image_url")
    else:
        raise validation_failed("remote_image_url is missing (or upload a file)")
    async with source as checked:
        return await create(
            session,
            files,
            organization.id,
            name=data.name,
            description=data.description,
            source=checked,
        )


@dataclass(frozen=True)
class Rendered:
    """An image rendered and its five files stored (each removed again if the request's
    transaction does not commit): what its row records."""

    filename: str
    content_type: str
    original: tuple[Rendition, Stored]
    variants: tuple[tuple[Rendition, Stored], ...]


async def create(
    session: AsyncSession,
    files: Files,
    organization_id: int,
    *,
    name: str,
    description: str | None,
    source: Source,
) -> Image:
    """Render ``source`` and store its five files, then record the image (flushed). Called
    outside any transaction, the rendering and the storing hold none."""
    rendered = await render_and_store(session, files, source, name=name)
    await still_there(session, organization_id)
    return await record(session, organization_id, rendered, name=name, description=description)


async def render_and_store(
    session: AsyncSession, files: Files, source: Source, *, name: str
) -> Rendered:
    """Render ``source`` and store its five files. It reads and writes no row: whatever the
    caller reads first, and its transaction, may stay closed meanwhile."""
    renditions = await _render(files, source)
    out_type = renditions[0].content_type
    filename = _filename(source.filename, name, out_type)
    # files_service.store writes each object with its rollback hook and removes the
    # temporary files whatever happens.
    stored = await files_service.store(
        session,
        files,
        [Download(r.path, r.size, r.content_type, url="") for r in renditions],
        [filename] * len(renditions),
        prefix=PREFIX,
    )
    original, *rest = zip(renditions, stored, strict=True)
    return Rendered(
        filename=filename, content_type=out_type, original=original, variants=tuple(rest)
    )


async def still_there(session: AsyncSession, organization_id: int) -> None:
    """Check again, in the writing transaction, that the organisation read before the slow
    work still exists (an unknown one gets the answer of a foreign one)."""
    found = await session.scalar(select(Organization.id).where(Organization.id == organization_id))
    if found is None:
        raise not_member()


async def record(
    session: AsyncSession,
    organization_id: int,
    rendered: Rendered,
    *,
    name: str,
    description: str | None,
) -> Image:
    """The row of an image rendered and stored (flushed)."""
    rendition, item = rendered.original
    image = Image(
        organization_id=organization_id,
        name=name,
        description=description,
        filename=rendered.filename,
        object_key=item.key,
        content_type=rendered.content_type,
        size=rendition.size,
        width=rendition.width,
        height=rendition.height,
        variants={
            variant.name: {
                "key": stored.key,
                "width": variant.width,
                "height": variant.height,
                "size": variant.size,
                "content_type": variant.content_type,
            }
            for variant, stored in rendered.variants
        },
    )
    session.add(image)
    await session.flush()
    return image


def object_keys(image: Image) -> list[str]:
    return [image.object_key, *(str(item["key"]) for item in image.variants.values())]


async def delete(session: AsyncSession, files: Files, image: Image) -> None:
    """Remove the row now and its files once the transaction has committed."""
    keys = object_keys(image)
    await session.delete(image)
    await session.flush()
    after_commit(session, partial(_delete_objects, files.storage, keys))


async def _delete_objects(storage: Storage, keys: Sequence[str]) -> None:
    for key in keys:
        await storage.delete(key)


# -- sources ----------------------------------------------------------------------------------


@asynccontextmanager
async def remote_source(files: Files, url: str, *, label: str) -> AsyncIterator[Source]:
    """``url`` fetched through the safe downloader (§15.8), as a temporary file."""
    [download] = await files_service.fetch_all(
        files,
        [url],
        max_bytes=MAX_IMAGE_BYTES,
        allowed_types=IMAGE_TYPES,
        label=label,
        indexed=False,
    )
    async with download:
        yield Source(
            path=download.path,
            content_type=download.content_type,
            filename=_url_name(download.url or url),
            label=label,
        )


@asynccontextmanager
async def upload_source(
    files: Files, upload: UploadFile, *, label: str = "file"
) -> AsyncIterator[Source]:
    """An uploaded part, spooled to a temporary file and checked."""
    download = await files_service.check_upload(
        files, upload, max_bytes=MAX_IMAGE_BYTES, allowed_types=IMAGE_TYPES, label=label
    )
    async with download:
        yield Source(
            path=download.path,
            content_type=download.content_type,
            filename=upload.filename or "",
            label=label,
        )


@asynccontextmanager
async def local_source(path: Path, *, label: str = "file") -> AsyncIterator[Source]:
    """A file on this machine (``canopy org image add --file``), read where it is."""
    try:
        info = await asyncio.to_thread(path.stat)
    except OSError:
        raise validation_failed(f"{label} {path} cannot be read") from None
    if not stat.S_ISREG(info.st_mode):
        raise validation_failed(f"{label} {path} is not a file")
    if info.st_size == 0:
        raise validation_failed(f"{label} is empty")
    if info.st_size > MAX_IMAGE_BYTES:
        raise validation_failed(f"{label} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    try:
        found = await asyncio.to_thread(sniff, path)
    except OSError:
        raise validation_failed(f"{label} {path} cannot be read") from None
    if found not in IMAGE_TYPES:
        raise validation_failed(
            f"{label}: the file type is not allowed (found {found or 'an unknown type'})"
        )
    yield Source(path=path, content_type=found, filename=path.name, label=label)


# -- rendering --------------------------------------------------------------------------------


def render_queue() -> RenderQueue:
    """The running event loop's render queue."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = RenderQueue(RENDER_CONCURRENCY)
    return queue


async def _render(files: Files, source: Source) -> list[Rendition]:
    """The renditions, rendered in a worker thread; a refusal is a 400 naming the source."""
    slot = render_queue()
    await slot.acquire()
    work = asyncio.ensure_future(
        asyncio.to_thread(
            variants.render,
            source.path,
            source.content_type,
            temp_dir=files.downloader.policy.temp_dir,
        )
    )
    # The slot is held until the thread is done, even when the request is not waiting anymore.
    work.add_done_callback(lambda _: slot.release())
    try:
        return await asyncio.shield(work)
    except ImageRejected as exc:
        raise validation_failed(f"{source.label} is not a usable image: {exc.reason}") from None
    except asyncio.CancelledError:
        # A thread cannot be stopped: its files are removed when it finishes.
        work.add_done_callback(_discard_result)
        raise


def _discard_result(work: asyncio.Future[list[Rendition]]) -> None:
    if not work.cancelled() and work.exception() is None:
        for rendition in work.result():
            rendition.discard()


def _url_name(url: str) -> str:
    return unquote(PurePosixPath(urlsplit(url).path).name)


def _filename(given: str, name: str, content_type: str) -> str:
    """The stored files' display name: the given file's stem (else the image's name) as a
    slug, with the extension of the type actually stored."""
    stem = PurePosixPath(given.replace("\\", "/")).stem if given else ""
    slug = slugify(stem, max_length=MAX_FILENAME_STEM) or slugify(
        name, max_length=MAX_FILENAME_STEM
    )
    return (slug or "image") + EXTENSIONS[content_type]
