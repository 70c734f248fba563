"""The local-folder adapter: atomic writes (temporary file, then rename)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import mimetypes
import os
import shutil
import stat as stat_module
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
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
    ListedObject,
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
META_SUFFIX = ".meta"
LIST_BATCH = 1000


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

    async def put_file(
        self, key: str, path: Path, content_type: str, *, consume: bool = False
    ) -> None:
        target = self.path(key)
        validate_content_type(content_type)
        await _require_file(path)
        await self._io(self._put_file, Path(path), target, content_type, consume)

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
        async for directory, names in self._files(prefix):
            for name in names:
                key = self._key(directory, name)
                if key is not None:
                    yield key

    async def objects(self, prefix: str = "") -> AsyncIterator[ListedObject]:
        async for directory, names in self._files(prefix):
            keys = {name: key for name in names if (key := self._key(directory, name))}
            for name, found in (await self._io(_stat_files, directory, list(keys))).items():
                yield ListedObject(keys[name], found.st_size, _utc(found.st_mtime))

    async def sweep(self, before: datetime, *, remove: bool = False) -> AsyncIterator[str]:
        limit = before.timestamp()
        async for directory, names in self._files(""):
            hidden = [name for name in names if name.startswith(".")]
            for name in await self._io(_leftovers, directory, hidden, limit, remove):
                yield (directory / name).relative_to(self.root).as_posix()

    async def _files(self, prefix: str) -> AsyncIterator[tuple[Path, list[str]]]:
        """The names of the files (hidden ones included) under the folder ``prefix``, a
        directory's batch at a time: a folder of millions of files is never listed whole."""
        folder = _folder(prefix)
        await self._io(self._require_root)
        pending = [self.root.joinpath(*folder.split("/")) if folder else self.root]
        while pending:
            directory = pending.pop()
            entries = await self._io(_open_folder, directory)
            if entries is None:
                continue
            try:
                while batch := await self._io(_next_entries, entries):
                    for name, is_dir in batch:
                        if is_dir and not name.startswith("."):
                            pending.append(directory / name)
                    yield directory, [name for name, is_dir in batch if not is_dir]
            finally:
                entries.close()

    def _key(self, directory: Path, name: str) -> str | None:
        if name.startswith("."):
            return None  # temporary and metadata files
        key = (directory / name).relative_to(self.root).as_posix()
        return key if _KEY.fullmatch(key) else None

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

    def _put_file(self, source: Path, target: Path, content_type: str, consume: bool) -> None:
        handle, temporary = self._temporary(target)
        try:
            os.close(handle)
            if not (consume and _moved(source, temporary)):
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
    return path.with_name(f".{path.name}{META_SUFFIX}")


def _read_content_type(path: Path) -> str:
    try:
        value = json.loads(_meta_path(path).read_text())["content_type"]
        if isinstance(value, str):
            return value
    except (OSError, ValueError, KeyError, TypeError):
        pass
    # A file placed by hand: fall back to its name.
    return mimetypes.guess_type(path.name)[0] or DEFAULT_CONTENT_TYPE


def _open_folder(directory: Path) -> os._ScandirIterator[str] | None:
    try:
        return os.scandir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _next_entries(entries: Iterator[os.DirEntry[str]]) -> list[tuple[str, bool]]:
    """The next batch of ``(name, is_dir)`` from an open folder; empty at its end."""
    batch = []
    for entry in entries:
        try:
            batch.append((entry.name, entry.is_dir(follow_symlinks=False)))
        except FileNotFoundError:
            continue  # removed while listed
        if len(batch) >= LIST_BATCH:
            break
    return batch


def _stat_files(directory: Path, names: list[str]) -> dict[str, os.stat_result]:
    """The regular files among ``names``, with their stat; vanished ones are left out."""
    found = {}
    for name in names:
        try:
            info = os.stat(directory / name, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat_module.S_ISREG(info.st_mode):
            found[name] = info
    return found


def _leftovers(directory: Path, hidden: list[str], before: float, remove: bool) -> list[str]:
    """Among a folder's hidden files, those an interrupted write left and that last changed
    before ``before``: a temporary file, or a type file whose object was never published
    (or was half deleted). Younger ones may belong to a write in progress."""
    found = []
    for name, info in _stat_files(directory, hidden).items():
        if info.st_mtime >= before:
            continue
        if name.endswith(TEMP_SUFFIX):
            pass
        elif name.endswith(META_SUFFIX):
            target = directory / name[1 : -len(META_SUFFIX)]
            if os.path.lexists(target):
                continue
        else:
            continue  # not ours
        if remove:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(directory / name)
        found.append(name)
    return found


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _moved(source: Path, temporary: str) -> bool:
    """Move ``source`` over our temporary file when both are on the same file system (a
    rename: no byte is copied); False when they are not, and the bytes must be copied."""
    try:
        os.replace(source, temporary)
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            return False
        raise
    return True


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


# --- S3-compatible object store -------------------------------------------------------------
