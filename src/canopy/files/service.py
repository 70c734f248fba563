"""Files for a request: fetched or uploaded, checked, stored; all or nothing.

Every file of a request is downloaded (or spooled from the upload) to a temporary file and
checked first; only then are the objects written, each with a rollback hook that removes it
again if the request's transaction does not commit. Temporary files never outlive the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from canopy.config import Settings
from canopy.db import on_rollback
from canopy.errors import validation_failed
from canopy.files.fetch import Download, Downloader, FetchError, display_url, without_query
from canopy.files.sniff import EXTENSIONS, OCTET_STREAM, sniff
from canopy.files.storage import Storage, new_key, storage_from_url
from canopy.files.urls import FileRef, FileSigner
from canopy.ops import metrics

DOWNLOAD_CONCURRENCY = 3
CHUNK = 1024 * 1024


class DownloadGate(Protocol):
    """What a request's remote downloads pass first: the per-token download budget and
    concurrency cap (``canopy.limits.ratelimit``), which answer 429 when they are spent."""

    async def enter(self) -> None: ...


@dataclass(frozen=True)
class Files:
    """What file work needs: the object store, the safe downloader and the URL signer (and,
    for a request, its download gate)."""

    storage: Storage
    downloader: Downloader
    signer: FileSigner
    settings: Settings
    gate: DownloadGate | None = None

    def url(self, key: str, filename: str, content_type: str, size: int) -> str:
        return self.signer.url(
            FileRef(key, download_name(filename, content_type), content_type, size)
        )

    @property
    def default_avatar_url(self) -> str:
        """The picture of a person without one: the original answers a default avatar's URL,
        never null, and clients put it in an ``<img>`` as it is."""
        return default_avatar_url(self.settings.public_base_url)


DEFAULT_AVATAR_PATH = "/assets/default-avatar.png"


def default_avatar_url(public_base_url: str) -> str:
    return public_base_url.rstrip("/") + DEFAULT_AVATAR_PATH


def storage_from_settings(settings: Settings, *, create_root: bool = True) -> Storage:
    """The object store ``CANOPY_STORAGE_URL`` names (a local folder by default, made if
    missing unless ``create_root`` is false)."""
    return storage_from_url(
        settings.resolved_storage_url,
        create_root=create_root,
        endpoint_url=settings.s3_endpoint_url or None,
        region=settings.s3_region or None,
        access_key=settings.s3_access_key_id or None,
        secret_key=settings.s3_secret_access_key or None,
    )


async def _files(request: Request) -> Files:
    # async: FastAPI would run a plain function in its thread pool, a hop per request.
    files: Files = request.app.state.files
    gate = getattr(request.state, "download_gate", None)
    return files if gate is None else replace(files, gate=gate)


FilesDep = Annotated[Files, Depends(_files)]


@dataclass(frozen=True)
class Stored:
    key: str
    filename: str
    size: int
    content_type: str
    source_url: str | None


def download_name(filename: str, content_type: str) -> str:
    """The display name, with the extension of its type when it lacks one."""
    extension = EXTENSIONS.get(content_type, "")
    return filename if filename.lower().endswith(extension) else filename + extension


def _mb(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{size} bytes"


async def fetch_all(
    files: Files,
    urls: Sequence[str],
    *,
    max_bytes: int,
    allowed_types: Collection[str] | None,
    label: str,
    indexed: bool = True,
) -> list[Download]:
    """Download every URL (a few at a time); on any failure none is kept and the answer is a
    400 naming the first failing URL (``label[index]``, or ``label`` alone when not
    ``indexed``, and the URL without its query string, which may hold a presigned URL's
    secret) and why. ``allowed_types`` None takes any file."""
    if urls and files.gate is not None:
        await files.gate.enter()
    semaphore = asyncio.Semaphore(DOWNLOAD_CONCURRENCY)

    async def one(url: str) -> Download:
        async with semaphore:
            try:
                download = await files.downloader.fetch(
                    url, max_bytes=max_bytes, allowed_types=allowed_types
                )
            except FetchError:
                metrics.record_fetch("refused")
                raise
            except Exception:
                metrics.record_fetch("error")
                raise
            metrics.record_fetch("ok", download.size)
            return download

    results = await asyncio.gather(*(one(url) for url in urls), return_exceptions=True)
    downloads = [r for r in results if isinstance(r, Download)]
    for index, result in enumerate(results):
        if isinstance(result, BaseException):
            for download in downloads:
                download.discard()
            if isinstance(result, FetchError):
                name = f"{label}[{index}]" if indexed else label
                raise validation_failed(
                    f"{name} ({display_url(urls[index])}) could not be downloaded: {result.reason}"
                ) from None
            raise result
    return downloads


async def spool_upload(
    upload: UploadFile, *, max_bytes: int, label: str, temp_dir: Path | None = None
) -> Path:
    """An uploaded part copied to a temporary file, refusing it past ``max_bytes``."""
    fd, name = tempfile.mkstemp(prefix="canopy-upload-", dir=temp_dir)
    path = Path(name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise validation_failed(f"{label} is larger than {_mb(max_bytes)}")
                await asyncio.to_thread(out.write, chunk)
        if size == 0:
            raise validation_failed(f"{label} is empty")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        raise
    return path


async def check_upload(
    files: Files,
    upload: UploadFile,
    *,
    max_bytes: int,
    allowed_types: Collection[str] | None,
    label: str,
) -> Download:
    """An uploaded part spooled and sniffed; ``allowed_types`` None takes any file, one of no
    recognised type as ``application/octet-stream``."""
    path = await spool_upload(
        upload, max_bytes=max_bytes, label=label, temp_dir=files.downloader.policy.temp_dir
    )
    try:
        found = await asyncio.to_thread(sniff, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if allowed_types is None:
        found = found or OCTET_STREAM
    elif found is None or found not in allowed_types:
        path.unlink(missing_ok=True)
        raise validation_failed(
            f"{label}: the file type is not allowed (found {found or 'an unknown type'})"
        )
    return Download(path=path, size=path.stat().st_size, content_type=found, url="")


async def store(
    session: AsyncSession,
    files: Files,
    downloads: Sequence[Download],
    filenames: Sequence[str],
    *,
    prefix: str,
) -> list[Stored]:
    """Write checked temporary files to the object store under random keys. Each object is
    removed again if the request's transaction rolls back; the temporary files always go."""
    stored: list[Stored] = []
    try:
        for download, filename in zip(downloads, filenames, strict=True):
            key = new_key(prefix, EXTENSIONS.get(download.content_type, ""))
            on_rollback(session, partial(files.storage.delete, key))
            # The temporary file is ours to give: moved into a local folder, not copied.
            await files.storage.put_file(key, download.path, download.content_type, consume=True)
            stored.append(
                Stored(
                    key=key,
                    filename=filename,
                    size=download.size,
                    content_type=download.content_type,
                    # Where it came from, without the query: a presigned URL's signature is
                    # not kept.
                    source_url=without_query(download.url) or None,
                )
            )
    finally:
        for download in downloads:
            download.discard()
    return stored


async def store_remote(
    session: AsyncSession,
    files: Files,
    items: Sequence[tuple[str, str]],
    *,
    max_bytes: int,
    allowed_types: Collection[str] | None,
    prefix: str,
    label: str,
) -> list[Stored]:
    """``(filename, url)`` pairs fetched and stored, all or nothing."""
    downloads = await fetch_all(
        files,
        [url for _, url in items],
        max_bytes=max_bytes,
        allowed_types=allowed_types,
        label=label,
    )
    return await store(session, files, downloads, [name for name, _ in items], prefix=prefix)
