"""The storage port (where file bytes live) and its two adapters: a local folder, the default,
and any S3-compatible object store (through obstore).

Keys are relative, ``/``-separated paths of ``[A-Za-z0-9_.-]`` segments, none starting with a
dot: the same key is valid in both adapters, and the local adapter can keep its temporary and
metadata files (dot-files) out of the key space. Everything streams: no method holds a whole
object in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Unpack
from urllib.parse import unquote, urlsplit

from canopy.files.storage.local import LocalStorage
from canopy.files.storage.port import (
    InvalidKey,
    InvalidRange,
    ListedObject,
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    StorageUnavailable,
    new_key,
    validate_content_type,
    validate_key,
)
from canopy.files.storage.s3 import S3Options, S3Storage

__all__ = [
    "InvalidKey",
    "InvalidRange",
    "ListedObject",
    "LocalStorage",
    "ObjectInfo",
    "ObjectNotFound",
    "S3Options",
    "S3Storage",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "new_key",
    "storage_from_url",
    "validate_content_type",
    "validate_key",
]


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
