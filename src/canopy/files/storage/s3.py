"""The adapter for any S3-compatible object store, through obstore."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import S3Store

if TYPE_CHECKING:
    from obstore import GetOptions
    from obstore.store import ClientConfig, RetryConfig, S3Config

from canopy.files.storage.port import (
    _KEY,
    DEFAULT_CONTENT_TYPE,
    READ_CHUNK,
    S3_MIN_PART_SIZE,
    InvalidRange,
    ListedObject,
    ObjectInfo,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
    _check_range,
    _folder,
    _require_file,
    validate_content_type,
    validate_key,
)


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

    async def put_file(
        self, key: str, path: Path, content_type: str, *, consume: bool = False
    ) -> None:
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
        async for found in self.objects(prefix):
            yield found.key

    async def objects(self, prefix: str = "") -> AsyncIterator[ListedObject]:
        folder = _folder(prefix)
        try:
            async for batch in obstore.list(self._store, prefix=folder or None, chunk_size=1000):
                for meta in batch:
                    if _KEY.fullmatch(meta["path"]):
                        yield ListedObject(meta["path"], meta["size"], meta["last_modified"])
        except ObstoreError as exc:
            raise self._error("list", folder, exc) from exc

    async def sweep(self, before: datetime, *, remove: bool = False) -> AsyncIterator[str]:
        # An interrupted upload leaves nothing a listing sees: a single PUT is atomic, and an
        # unfinished multipart upload is for the bucket's lifecycle rule to abort
        # (AbortIncompleteMultipartUpload).
        nothing: tuple[str, ...] = ()
        for name in nothing:
            yield name

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
