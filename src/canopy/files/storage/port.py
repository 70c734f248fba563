"""The storage port: keys, errors, and the protocol both adapters implement."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    pass

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


@dataclass(frozen=True, slots=True)
class ListedObject:
    """An object as a listing sees it: its key, size and last change (aware, UTC)."""

    key: str
    size: int
    modified: datetime


class Storage(Protocol):
    """Where file bytes live. ``read`` and ``keys`` are async generators: call them without
    ``await`` and iterate; they do their I/O (and raise) on the first iteration."""

    async def put_file(
        self, key: str, path: Path, content_type: str, *, consume: bool = False
    ) -> None:
        """Store a local file under ``key``, streamed from disk; replaces any object there.
        With ``consume``, the file is a temporary one the caller is done with: the adapter may
        move it into place instead of copying it (it is then gone; the caller still removes
        whatever is left)."""
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

    def objects(self, prefix: str = "") -> AsyncIterator[ListedObject]:
        """What ``keys`` lists, with each object's size and last change."""
        ...

    def sweep(self, before: datetime, *, remove: bool = False) -> AsyncIterator[str]:
        """What interrupted writes left behind (never an object: ``keys`` does not list it)
        and that last changed before ``before``: each named as it is found, and removed
        when ``remove``."""
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
