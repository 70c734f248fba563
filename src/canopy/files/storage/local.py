"""The local-folder adapter: atomic writes (temporary file, then rename)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import os
import shutil
import stat as stat_module
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    pass

from canopy.files.storage.port import (
    _KEY,
    DEFAULT_CONTENT_TYPE,
    READ_CHUNK,
    WRITE_BUFFER,
    InvalidRange,
    ObjectInfo,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
    T,
    _check_range,
    _folder,
    _require_file,
    validate_content_type,
    validate_key,
)

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
