"""The storage port (where file bytes live) and its two adapters: a local folder, the default,
and any S3-compatible object store (through obstore).

Keys are relative, ``/``-separated paths of ``[A-Za-z0-9_.-]`` segments, none starting with a
dot: the same key is valid in both adapters, and the local adapter can keep its temporary and
metadata files (dot-files) out of the key space. Everything streams: no method holds a whole
object in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import os
import re
import secrets
import shutil
import stat as stat_module
import tempfile
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol, TypedDict, TypeVar, Unpack
from urllib.parse import unquote, urlsplit

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import S3Store

if TYPE_CHECKING:
    from obstore import GetOptions
    from obstore.store import ClientConfig, RetryConfig, S3Config

T = TypeVar("T")

DEFAULT_CONTENT_TYPE = "application/octet-stream"
READ_CHUNK = 256 * 1024
WRITE_BUFFER = 1024 * 1024
MAX_KEY_LENGTH = 1024
S3_MIN_PART_SIZE = 5 * 1024 * 1024  # S3 refuses smaller parts (except the last one)

# A segment may not start with a dot: no "." or "..", no hidden files, and room for ours.
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}"
_KEY = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_MIME_PART = r"[A-Za-z0-9!#$&^_.+-]+"
_CONTENT_TYPE = re.compile(rf"{_MIME_PART}/{_MIME_PART}(?:\s*;[\x20-\x7e]*)?")
_EXTENSION = re.compile(r"[a-z0-9]{1,16}")


class StorageError(Exception):
    """A storage operation failed."""


class InvalidKey(StorageError, ValueError):
    """The key is not a relative path of allowed characters."""


class InvalidRange(StorageError, ValueError):
    """The byte range is malformed or starts past the end of the object."""


class ObjectNotFound(StorageError):
    """No object has this key."""


class StorageUnavailable(StorageError):
    """The folder or the object store cannot be reached."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int
    content_type: str


class Storage(Protocol):
    """Where file bytes live. ``read`` and ``keys`` are async generators: call them without
    ``await`` and iterate; they do their I/O (and raise) on the first iteration."""

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store a local file under ``key``, streamed from disk; replaces any object there."""
        ...

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> int:
        """Store the chunks under ``key`` and return their size. If the iterable raises, nothing
        is stored and its exception propagates unchanged."""
        ...

    async def stat(self, key: str) -> ObjectInfo | None:
        """Size and content type, or None when there is no such object."""
        ...

    def read(
        self, key: str, start: int | None = None, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """The bytes from ``start`` to ``end`` inclusive (each defaults to the object's edge;
        ``end`` past the end is clamped). Raises ``ObjectNotFound`` or ``InvalidRange``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    def keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every key under the folder ``prefix`` ("documents" or "documents/"), in no order."""
        ...

    async def check(self) -> None:
        """Raise ``StorageUnavailable`` unless the storage can be used now."""
        ...

    async def aclose(self) -> None: ...


def validate_key(key: str) -> str:
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid storage key {key[:100]!r}")
    return key


def validate_content_type(content_type: str) -> str:
    if len(content_type) > 255 or not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"invalid content type {content_type[:100]!r}")
    return content_type


def new_key(prefix: str, extension: str, *, now: datetime | None = None) -> str:
    """A fresh random key, e.g. ``documents/2026/11/<32 hex digits>.pdf``."""
    moment = now or datetime.now(UTC)
    extension = extension.lstrip(".").lower()
    if extension and not _EXTENSION.fullmatch(extension):
        raise ValueError(f"invalid extension {extension[:20]!r}")
    name = secrets.token_hex(16) + (f".{extension}" if extension else "")
    folder = prefix.strip("/")
    return validate_key(f"{folder + '/' if folder else ''}{moment:%Y/%m}/{name}")


def _folder(prefix: str) -> str:
    """A ``keys`` prefix without its trailing slash, validated like a key."""
    folder = prefix.rstrip("/")
    return validate_key(folder) if folder else ""


def _check_range(start: int | None, end: int | None) -> None:
    if (start is not None and start < 0) or (end is not None and end < max(start or 0, 0)):
        raise InvalidRange(f"invalid byte range {start}-{end}")


async def _require_file(path: Path) -> None:
    if not await asyncio.to_thread(path.is_file):
        raise FileNotFoundError(f"no file at {path}")


# --- Local folder -------------------------------------------------------------------------

TEMP_SUFFIX = ".tmp"


class LocalStorage:
    """Objects are files under ``root``; each one's content type sits beside it in a hidden
    ``.<name>.meta`` file. Writes go to a hidden temporary file in the same folder, are
    fsynced, then renamed into place: an object is either absent or complete.

    ``root`` itself is never created implicitly (unless ``create_root``): a missing folder, such
    as an unmounted volume, makes every call raise ``StorageUnavailable`` instead of filling the
    wrong disk."""

    def __init__(self, root: Path, *, create_root: bool = False, fsync: bool = True) -> None:
        self.root = Path(root).absolute()
        self.fsync = fsync
        if create_root:
            self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        target = self.path(key)
        validate_content_type(content_type)
        await _require_file(path)
        await self._io(self._put_file, Path(path), target, content_type)

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> int:
        target = self.path(key)
        validate_content_type(content_type)
        handle, temporary = await self._io(self._temporary, target)
        size = 0
        try:
            with os.fdopen(handle, "wb") as out:
                # Coalesce small request chunks so that each thread hop writes ~1 MiB.
                buffer = bytearray()
                async for chunk in chunks:
                    buffer += chunk
                    size += len(chunk)
                    if len(buffer) >= WRITE_BUFFER:
                        await self._io(out.write, buffer)
                        buffer.clear()
                if buffer:
                    await self._io(out.write, buffer)
                await self._io(self._sync, out)
            await self._io(self._publish, temporary, target, content_type)
        except BaseException:
            _unlink(temporary)
            raise
        return size

    async def stat(self, key: str) -> ObjectInfo | None:
        return await self._io(self._stat, self.path(key))

    def read(
        self, key: str, start: int | None = None, end: int | None = None
    ) -> AsyncIterator[bytes]:
        path = self.path(key)
        _check_range(start, end)
        return self._read(key, path, start, end)

    async def _read(
        self, key: str, path: Path, start: int | None, end: int | None
    ) -> AsyncIterator[bytes]:
        handle, remaining = await self._io(self._open, key, path, start, end)
        try:
            while remaining > 0:
                chunk = await asyncio.to_thread(handle.read, min(READ_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        await self._io(self._delete, self.path(key))

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        folder = _folder(prefix)
        await self._io(self._require_root)
        pending = [self.root.joinpath(*folder.split("/")) if folder else self.root]
        while pending:
            directory = pending.pop()
            for name, is_dir in await self._io(_list_folder, directory):
                if name.startswith("."):
                    continue  # temporary and metadata files
                if is_dir:
                    pending.append(directory / name)
                    continue
                key = (directory / name).relative_to(self.root).as_posix()
                if _KEY.fullmatch(key):
                    yield key

    async def check(self) -> None:
        await self._io(self._check)

    async def aclose(self) -> None:
        return None

    # Blocking parts, run in a worker thread.

    @staticmethod
    async def _io(func: Callable[..., T], *args: object) -> T:
        try:
            return await asyncio.to_thread(func, *args)
        except (StorageError, FileNotFoundError):
            raise
        except OSError as exc:
            raise StorageError(f"local storage: {exc}") from exc

    def _require_root(self) -> None:
        if not self.root.is_dir():
            raise StorageUnavailable(f"storage folder {self.root} does not exist")

    def _check(self) -> None:
        self._require_root()
        if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
            raise StorageUnavailable(f"storage folder {self.root} is not readable and writable")

    def _temporary(self, target: Path) -> tuple[int, str]:
        self._require_root()
        target.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)

    def _sync(self, out: IO[bytes]) -> None:
        out.flush()
        if self.fsync:
            os.fsync(out.fileno())

    def _put_file(self, source: Path, target: Path, content_type: str) -> None:
        handle, temporary = self._temporary(target)
        try:
            os.close(handle)
            shutil.copyfile(source, temporary)  # sendfile(2) on Linux: no copy through Python
            with open(temporary, "rb+") as out:
                self._sync(out)
            self._publish(temporary, target, content_type)
        except BaseException:
            _unlink(temporary)
            raise

    def _publish(self, temporary: str, target: Path, content_type: str) -> None:
        # The type first, so that no visible object lacks one.
        handle, meta_temporary = self._temporary(target)
        try:
            with os.fdopen(handle, "w") as out:
                json.dump({"content_type": content_type}, out)
                out.flush()
                if self.fsync:
                    os.fsync(out.fileno())
            os.replace(meta_temporary, _meta_path(target))
        except BaseException:
            _unlink(meta_temporary)
            raise
        os.replace(temporary, target)

    def _stat(self, path: Path) -> ObjectInfo | None:
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            self._require_root()
            return None
        if not stat_module.S_ISREG(info.st_mode):
            return None
        return ObjectInfo(size=info.st_size, content_type=_read_content_type(path))

    def _open(
        self, key: str, path: Path, start: int | None, end: int | None
    ) -> tuple[IO[bytes], int]:
        try:
            handle: IO[bytes] = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by _read)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            self._require_root()
            raise ObjectNotFound(key) from None
        try:
            size = os.fstat(handle.fileno()).st_size
            if start is None and end is None:
                return handle, size
            first = start or 0
            if first >= size:
                raise InvalidRange(f"byte range {start}-{end} starts past the end ({size} bytes)")
            last = size - 1 if end is None else min(end, size - 1)
            handle.seek(first)
            return handle, last - first + 1
        except BaseException:
            handle.close()
            raise

    def _delete(self, path: Path) -> None:
        self._require_root()
        for item in (path, _meta_path(path)):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
                os.unlink(item)


def _meta_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.meta")


def _read_content_type(path: Path) -> str:
    try:
        value = json.loads(_meta_path(path).read_text())["content_type"]
        if isinstance(value, str):
            return value
    except (OSError, ValueError, KeyError, TypeError):
        pass
    # A file placed by hand: fall back to its name.
    return mimetypes.guess_type(path.name)[0] or DEFAULT_CONTENT_TYPE


def _list_folder(directory: Path) -> list[tuple[str, bool]]:
    try:
        with os.scandir(directory) as entries:
            return [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


# --- S3-compatible object store -------------------------------------------------------------


class S3Storage:
    """Objects in ``bucket`` under ``prefix``, with their content type as the object's
    ``Content-Type``. Large files go up as multipart uploads of ``part_size`` bytes, at most
    ``upload_concurrency`` parts at a time: an upload holds about
    ``(upload_concurrency + 1) * part_size`` bytes in memory, whatever the file's size.

    Credentials, region and endpoint left empty fall back to the AWS environment (``AWS_*``
    variables, instance or container roles)."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        virtual_hosted_style: bool = False,
        part_size: int = S3_MIN_PART_SIZE,
        upload_concurrency: int = 2,
        connect_timeout: float = 5.0,
        request_timeout: float = 600.0,
        read_timeout: float = 60.0,
        max_retries: int = 3,
        check_timeout: float = 5.0,
    ) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket")
        if bool(access_key) != bool(secret_key):
            raise ValueError("S3 storage needs both an access key id and a secret key, or neither")
        if part_size < S3_MIN_PART_SIZE:
            raise ValueError(f"S3 parts must be at least {S3_MIN_PART_SIZE} bytes")
        if upload_concurrency < 1:
            raise ValueError("upload_concurrency must be at least 1")
        self.bucket = bucket
        self.prefix = _folder(prefix.strip("/"))
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.part_size = part_size
        self.upload_concurrency = upload_concurrency
        self.check_timeout = check_timeout

        config: S3Config = {"virtual_hosted_style_request": virtual_hosted_style}
        if self.endpoint_url:
            config["endpoint"] = self.endpoint_url
        if region:
            config["region"] = region
        if access_key and secret_key:
            config["access_key_id"] = access_key
            config["secret_access_key"] = secret_key
        if session_token:
            config["session_token"] = session_token
        # The overall timeout also covers a download's body, which a slow client may take
        # minutes to consume: keep it generous and let read_timeout catch stalled connections.
        client: ClientConfig = {
            "connect_timeout": timedelta(seconds=connect_timeout),
            "timeout": timedelta(seconds=request_timeout),
            "read_timeout": timedelta(seconds=read_timeout),
            "allow_http": bool(self.endpoint_url and self.endpoint_url.startswith("http://")),
        }
        retry: RetryConfig = {"max_retries": max_retries, "retry_timeout": timedelta(seconds=60)}
        self._store = S3Store(
            bucket,
            prefix=self.prefix or None,
            config=config,
            client_options=client,
            retry_config=retry,
        )
        # A readiness probe must answer quickly: no retries, short timeouts.
        probe_client: ClientConfig = {
            **client,
            "connect_timeout": timedelta(seconds=min(connect_timeout, check_timeout)),
            "timeout": timedelta(seconds=check_timeout),
        }
        self._probe = S3Store(
            bucket,
            prefix=self.prefix or None,
            config=config,
            client_options=probe_client,
            retry_config={"max_retries": 0, "retry_timeout": timedelta(seconds=check_timeout)},
        )

    def __repr__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3Storage('s3://{self.bucket}/{self.prefix}'{where})"

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        validate_key(key)
        validate_content_type(content_type)
        await _require_file(path)
        try:
            await obstore.put_async(
                self._store,
                key,
                Path(path),
                attributes={"Content-Type": content_type},
                chunk_size=self.part_size,
                max_concurrency=self.upload_concurrency,
            )
        except ObstoreError as exc:
            raise self._error("upload", key, exc) from exc

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> int:
        validate_key(key)
        validate_content_type(content_type)
        iterator = aiter(chunks)
        # Most uploads fit in one part: buffer up to a part and send them with a single PUT
        # (one request instead of three); only larger streams become multipart uploads.
        head: deque[bytes] = deque()
        size = 0
        async for chunk in iterator:
            if chunk:
                head.append(chunk)
                size += len(chunk)
            if size >= self.part_size:
                break
        else:
            data = b"".join(head)
            head.clear()
            await self._put(key, data, content_type, multipart=False)
            return size

        async def rest() -> AsyncIterator[bytes]:
            nonlocal size
            while head:
                yield head.popleft()
            async for chunk in iterator:
                if chunk:
                    size += len(chunk)
                    yield chunk

        await self._put(key, rest(), content_type, multipart=True)
        return size

    async def _put(
        self, key: str, data: bytes | AsyncIterator[bytes], content_type: str, *, multipart: bool
    ) -> None:
        try:
            await obstore.put_async(
                self._store,
                key,
                data,
                attributes={"Content-Type": content_type},
                use_multipart=multipart,
                chunk_size=self.part_size,
                max_concurrency=self.upload_concurrency,
            )
        except ObstoreError as exc:
            raise self._error("upload", key, exc) from exc

    async def stat(self, key: str) -> ObjectInfo | None:
        validate_key(key)
        try:
            result = await obstore.get_async(self._store, key, options={"head": True})
        except FileNotFoundError:
            return None
        except ObstoreError as exc:
            raise self._error("stat", key, exc) from exc
        content_type = result.attributes.get("Content-Type") or DEFAULT_CONTENT_TYPE
        return ObjectInfo(size=result.meta["size"], content_type=str(content_type))

    def read(
        self, key: str, start: int | None = None, end: int | None = None
    ) -> AsyncIterator[bytes]:
        validate_key(key)
        _check_range(start, end)
        options: GetOptions = {}
        if start is not None or end is not None:
            first = start or 0
            # obstore's end is exclusive; past the object's end it returns what there is.
            options["range"] = (first, end + 1) if end is not None else {"offset": first}
        return self._read(key, options)

    async def _read(self, key: str, options: GetOptions) -> AsyncIterator[bytes]:
        try:
            result = await obstore.get_async(self._store, key, options=options)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except ObstoreError as exc:
            if "416" in str(exc):  # obstore has no distinct error for Range Not Satisfiable
                raise InvalidRange(f"byte range starts past the end of {key!r}") from exc
            raise self._error("read", key, exc) from exc
        try:
            async for chunk in result.stream(min_chunk_size=READ_CHUNK):
                yield chunk
        except ObstoreError as exc:
            raise self._error("read", key, exc) from exc

    async def delete(self, key: str) -> None:
        validate_key(key)
        try:
            await obstore.delete_async(self._store, key)
        except FileNotFoundError:
            pass  # S3 itself ignores missing keys; some compatible stores answer 404
        except ObstoreError as exc:
            raise self._error("delete", key, exc) from exc

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        folder = _folder(prefix)
        try:
            async for batch in obstore.list(self._store, prefix=folder or None, chunk_size=1000):
                for meta in batch:
                    if _KEY.fullmatch(meta["path"]):
                        yield meta["path"]
        except ObstoreError as exc:
            raise self._error("list", folder, exc) from exc

    async def check(self) -> None:
        try:
            async with asyncio.timeout(self.check_timeout * 2):
                await obstore.list_with_delimiter_async(self._probe)
        except (ObstoreError, TimeoutError) as exc:
            raise StorageUnavailable(
                f"{self!r} is unavailable: {_first_line(exc) or 'timed out'}"
            ) from exc

    async def aclose(self) -> None:
        return None  # obstore keeps no resources that need closing

    def _error(self, action: str, key: str, exc: Exception) -> StorageError:
        return StorageError(f"{self!r}: {action} {key!r} failed: {_first_line(exc)}")


_S3_CODE = re.compile(r"<Code>([A-Za-z]+)</Code>")


def _first_line(exc: BaseException) -> str:
    """obstore's message without its multi-line debug dump, plus S3's error code if any."""
    text = str(exc).strip()
    line = text.split("\n", 1)[0].split(": <?xml", 1)[0]
    code = _S3_CODE.search(text)
    return f"{line} ({code.group(1)})" if code else line


# --- Configuration ------------------------------------------------------------------------


class S3Options(TypedDict, total=False):
    endpoint_url: str | None
    region: str | None
    access_key: str | None
    secret_key: str | None
    session_token: str | None
    virtual_hosted_style: bool
    part_size: int
    upload_concurrency: int
    connect_timeout: float
    request_timeout: float
    read_timeout: float
    max_retries: int
    check_timeout: float


def storage_from_url(
    url: str, *, create_root: bool = False, **s3_options: Unpack[S3Options]
) -> Storage:
    """``file:///absolute/path``, ``file://relative/path`` or a bare path: a local folder
    (``create_root`` makes it if missing); ``s3://bucket/prefix``: an S3-compatible store
    configured by ``s3_options`` (ignored for local folders)."""
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        if parts.query or parts.fragment:
            raise ValueError(f"unexpected query in storage URL {url!r}")
        raw = unquote(parts.netloc + parts.path) if parts.scheme else url
        if not raw:
            raise ValueError(f"storage URL {url!r} names no folder")
        return LocalStorage(Path(raw), create_root=create_root)
    if parts.scheme == "s3":
        if not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"storage URL {url!r} must look like s3://bucket/prefix")
        return S3Storage(parts.netloc, unquote(parts.path).strip("/"), **s3_options)
    raise ValueError(f"unsupported storage URL {url!r}: use file:///path or s3://bucket/prefix")
