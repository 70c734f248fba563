"""The storage port: one suite, run on a local folder and on a real S3 server (moto)."""

from __future__ import annotations

import hashlib
import os
import re
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from canopy.files.storage import (
    InvalidKey,
    InvalidRange,
    LocalStorage,
    ObjectInfo,
    ObjectNotFound,
    S3Storage,
    Storage,
    StorageUnavailable,
    new_key,
    storage_from_url,
)
from tests.fixtures.s3 import S3Server, moto_server, require_moto
from tests.fixtures.s3 import s3_server as s3_server  # the fixture, fetched lazily below

MiB = 1024 * 1024
BIG = 30 * MiB
STREAMING_BUDGET = 4 * MiB  # peak Python allocations while moving a 30 MiB file


def s3_storage(server: S3Server, prefix: str = "") -> S3Storage:
    return S3Storage(
        server.bucket,
        prefix,
        endpoint_url=server.endpoint_url,
        region=server.region,
        access_key=server.access_key,
        secret_key=server.secret_key,
    )


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "local":
        root = tmp_path / "files"
        root.mkdir()
        yield LocalStorage(root)
        return
    # Fetched here, not as an argument, so that local-only runs never start the server.
    server: S3Server = request.getfixturevalue("s3_server")
    s3 = s3_storage(server, prefix=f"test-{uuid.uuid4().hex}")
    yield s3
    # moto keeps objects in memory: leave the session's server empty.
    for key in await all_keys(s3):
        await s3.delete(key)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 30 MiB file of random bytes and its SHA-256."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(BIG // MiB):
            block = os.urandom(MiB)
            digest.update(block)
            out.write(block)
    return path, digest.hexdigest()


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


async def file_chunks(path: Path, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(size):
            yield block


async def read_all(
    storage: Storage, key: str, start: int | None = None, end: int | None = None
) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, start, end)])


async def all_keys(storage: Storage, prefix: str = "") -> set[str]:
    return {key async for key in storage.keys(prefix)}


# --- Memory -------------------------------------------------------------------------------


@dataclass
class Peak:
    traced: int = 0
    rss_growth: int | None = None  # None where the kernel cannot reset the peak


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def _reset_rss_peak() -> int | None:
    """Reset the process's peak resident size to its current one (Linux) and return it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _vm("VmHWM")
    except (OSError, LookupError):
        return None


@contextmanager
def peak_memory() -> Iterator[Peak]:
    """Peak Python allocations (tracemalloc) and, on Linux, peak resident-size growth, which
    also sees buffers allocated by native code (obstore's Rust side)."""
    peak = Peak()
    tracemalloc.start()
    baseline = _reset_rss_peak()
    try:
        yield peak
    finally:
        peak.traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if baseline is not None:
            peak.rss_growth = _vm("VmHWM") - baseline


# --- Round trips --------------------------------------------------------------------------


async def test_put_file_then_stat_and_read_return_the_bytes_and_type(
    storage: Storage, tmp_path: Path
) -> None:
    data = os.urandom(1000)
    source = tmp_path / "upload.pdf"
    source.write_bytes(data)

    await storage.put_file("documents/2026/11/a.pdf", source, "application/pdf")

    assert await storage.stat("documents/2026/11/a.pdf") == ObjectInfo(1000, "application/pdf")
    assert await read_all(storage, "documents/2026/11/a.pdf") == data
    assert source.read_bytes() == data


async def test_put_file_consuming_a_temporary_file_stores_the_same_bytes(
    storage: Storage, tmp_path: Path
) -> None:
    data = os.urandom(100_000)
    source = tmp_path / "download.pdf"
    source.write_bytes(data)

    await storage.put_file("documents/2026/11/b.pdf", source, "application/pdf", consume=True)

    assert await storage.stat("documents/2026/11/b.pdf") == ObjectInfo(100_000, "application/pdf")
    assert await read_all(storage, "documents/2026/11/b.pdf") == data
    if isinstance(storage, LocalStorage):
        assert not source.exists()  # moved into place, not copied
        folder = storage.path("documents/2026/11")
        assert sorted(p.name for p in folder.iterdir()) == [".b.pdf.meta", "b.pdf"]  # no temp


async def test_put_stream_returns_the_size_and_stores_the_bytes(storage: Storage) -> None:
    data = os.urandom(200_000)

    size = await storage.put_stream("a/b.txt", chunked(data, 7_000), "text/plain; charset=utf-8")

    assert size == 200_000
    assert await storage.stat("a/b.txt") == ObjectInfo(200_000, "text/plain; charset=utf-8")
    assert await read_all(storage, "a/b.txt") == data


async def test_put_stream_of_nothing_stores_an_empty_object(storage: Storage) -> None:
    assert await storage.put_stream("empty.txt", chunked(b"", 10), "text/plain") == 0

    assert await storage.stat("empty.txt") == ObjectInfo(0, "text/plain")
    assert await read_all(storage, "empty.txt") == b""


async def test_put_replaces_the_object_and_its_type(storage: Storage, tmp_path: Path) -> None:
    await storage.put_stream("x.bin", chunked(b"first version", 4), "text/plain")
    source = tmp_path / "second"
    source.write_bytes(b"second")

    await storage.put_file("x.bin", source, "image/png")

    assert await storage.stat("x.bin") == ObjectInfo(6, "image/png")
    assert await read_all(storage, "x.bin") == b"second"


async def test_stat_of_a_missing_key_is_none(storage: Storage) -> None:
    assert await storage.stat("documents/missing.pdf") is None


async def test_read_of_a_missing_key_raises_object_not_found(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        await read_all(storage, "documents/missing.pdf")


async def test_put_file_of_a_missing_source_raises_and_stores_nothing(
    storage: Storage, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        await storage.put_file("a.pdf", tmp_path / "nope.pdf", "application/pdf")
    assert await storage.stat("a.pdf") is None


class UploadTooLarge(Exception):
    pass


@pytest.mark.parametrize("before_failure", [10_000, 7 * MiB], ids=["small", "multipart"])
async def test_failed_stream_propagates_its_error_and_stores_nothing(
    storage: Storage, before_failure: int, request: pytest.FixtureRequest
) -> None:
    async def source() -> AsyncIterator[bytes]:
        async for chunk in chunked(os.urandom(before_failure), 256 * 1024):
            yield chunk
        raise UploadTooLarge

    with pytest.raises(UploadTooLarge):
        await storage.put_stream("docs/partial.bin", source(), "application/pdf")

    assert await storage.stat("docs/partial.bin") is None
    assert await all_keys(storage) == set()
    # Nothing hidden left behind either: no temporary file, no unfinished multipart upload.
    if isinstance(storage, LocalStorage):
        assert [p for p in storage.root.rglob("*") if p.is_file()] == []
    if isinstance(storage, S3Storage):
        server: S3Server = request.getfixturevalue("s3_server")
        async with httpx.AsyncClient(timeout=10.0) as http:
            uploads = await http.get(
                f"{server.endpoint_url}/{server.bucket}",
                params={"uploads": "", "prefix": storage.prefix},
            )
        assert uploads.status_code == 200
        assert "<Upload>" not in uploads.text


# --- Ranges -------------------------------------------------------------------------------

RANGED = os.urandom(600_000)  # spans several read chunks


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, RANGED[:1]),
        (200_000, 500_000, RANGED[200_000:500_001]),
        (len(RANGED) - 4, len(RANGED) - 1, RANGED[-4:]),
        (len(RANGED) - 4, None, RANGED[-4:]),
        (None, 9, RANGED[:10]),
        (len(RANGED) - 3, len(RANGED) + 1000, RANGED[-3:]),  # clamped, like HTTP
        (None, None, RANGED),
    ],
    ids=["first-byte", "middle", "last-bytes", "open-end", "open-start", "past-end", "whole"],
)
async def test_ranged_read_returns_exactly_the_inclusive_range(
    storage: Storage, start: int | None, end: int | None, expected: bytes
) -> None:
    await storage.put_stream("ranged.bin", chunked(RANGED, 64 * 1024), "application/pdf")

    assert await read_all(storage, "ranged.bin", start, end) == expected


async def test_read_of_a_range_past_the_end_raises_invalid_range(storage: Storage) -> None:
    await storage.put_stream("short.txt", chunked(b"0123456789", 4), "text/plain")

    with pytest.raises(InvalidRange):
        await read_all(storage, "short.txt", 10, 20)
    with pytest.raises(InvalidRange):
        await read_all(storage, "short.txt", 10)


@pytest.mark.parametrize(("start", "end"), [(-1, 5), (5, 4), (None, -1)])
async def test_read_rejects_a_malformed_range_before_any_io(
    storage: Storage, start: int | None, end: int | None
) -> None:
    with pytest.raises(InvalidRange):
        storage.read("never-stored.txt", start, end)


# --- Delete and list ----------------------------------------------------------------------


async def test_delete_removes_the_object_and_is_idempotent(storage: Storage) -> None:
    await storage.put_stream("docs/a.txt", chunked(b"abc", 2), "text/plain")

    await storage.delete("docs/a.txt")
    await storage.delete("docs/a.txt")
    await storage.delete("docs/never-existed.txt")

    assert await storage.stat("docs/a.txt") is None
    assert await all_keys(storage) == set()


async def test_keys_lists_the_objects_under_a_folder(storage: Storage) -> None:
    for key in ["documents/2026/11/a.pdf", "documents/2026/12/b.pdf", "avatars/c.png", "docs/d"]:
        await storage.put_stream(key, chunked(b"x", 1), "application/octet-stream")

    expected = {"documents/2026/11/a.pdf", "documents/2026/12/b.pdf"}
    assert await all_keys(storage, "documents") == expected
    assert await all_keys(storage, "documents/") == expected
    assert await all_keys(storage, "documents/2026/11") == {"documents/2026/11/a.pdf"}
    assert await all_keys(storage, "nothing") == set()
    assert await all_keys(storage) == {*expected, "avatars/c.png", "docs/d"}


async def test_local_keys_skip_temporary_and_foreign_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    await storage.put_stream("docs/a.txt", chunked(b"abc", 2), "text/plain")
    (tmp_path / "docs" / ".a.txt.x1y2.tmp").write_bytes(b"half")
    (tmp_path / "docs" / "with space.txt").write_bytes(b"not ours")

    assert await all_keys(storage) == {"docs/a.txt"}


async def test_local_file_without_metadata_gets_a_type_from_its_name(tmp_path: Path) -> None:
    (tmp_path / "placed.pdf").write_bytes(b"%PDF-")

    assert await LocalStorage(tmp_path).stat("placed.pdf") == ObjectInfo(5, "application/pdf")


# --- Validation ---------------------------------------------------------------------------

INVALID_KEYS = [
    "",
    "/etc/passwd",
    "../outside",
    "a/../../b",
    "a/./b",
    "a//b",
    "a/",
    ".hidden",
    "a/.meta",
    "with space",
    "back\\slash",
    "nul\x00byte",
    "é.pdf",
    "x" * 1025,
]


@pytest.mark.parametrize("key", INVALID_KEYS)
async def test_invalid_keys_are_rejected(storage: Storage, key: str, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"x")
    with pytest.raises(InvalidKey):
        await storage.put_stream(key, chunked(b"x", 1), "text/plain")
    with pytest.raises(InvalidKey):
        await storage.put_file(key, source, "text/plain")
    with pytest.raises(InvalidKey):
        await storage.stat(key)
    with pytest.raises(InvalidKey):
        storage.read(key)
    with pytest.raises(InvalidKey):
        await storage.delete(key)


async def test_keys_rejects_an_invalid_prefix(storage: Storage) -> None:
    with pytest.raises(InvalidKey):
        await all_keys(storage, "../")


@pytest.mark.parametrize("content_type", ["text/plain\r\nX-Injected: 1", "pdf", "", "a/b\n"])
async def test_invalid_content_types_are_rejected(storage: Storage, content_type: str) -> None:
    with pytest.raises(ValueError, match="content type"):
        await storage.put_stream("a.txt", chunked(b"x", 1), content_type)
    assert await storage.stat("a.txt") is None


# --- Large files --------------------------------------------------------------------------


async def test_thirty_mib_file_moves_through_with_bounded_memory(
    storage: Storage, big_file: tuple[Path, str]
) -> None:
    path, digest = big_file

    with peak_memory() as put:
        await storage.put_file("big/file.bin", path, "application/pdf")
    with peak_memory() as read:
        hashed = hashlib.sha256()
        async for chunk in storage.read("big/file.bin"):
            hashed.update(chunk)

    assert hashed.hexdigest() == digest
    assert await storage.stat("big/file.bin") == ObjectInfo(BIG, "application/pdf")
    assert put.traced < STREAMING_BUDGET, put
    assert read.traced < STREAMING_BUDGET, read
    # Native buffers too: never the whole file at once (S3 holds a few 5 MiB parts).
    for peak in (put, read):
        assert peak.rss_growth is None or peak.rss_growth < BIG, peak


async def test_thirty_mib_stream_is_stored_with_bounded_memory(
    storage: Storage, big_file: tuple[Path, str]
) -> None:
    path, digest = big_file

    with peak_memory() as put:
        size = await storage.put_stream("big/stream.bin", file_chunks(path), "application/pdf")

    assert size == BIG
    hashed = hashlib.sha256()
    async for chunk in storage.read("big/stream.bin", 0, BIG - 1):
        hashed.update(chunk)
    assert hashed.hexdigest() == digest
    # S3 multipart keeps up to (upload_concurrency + 1) parts of 5 MiB in flight.
    budget = STREAMING_BUDGET if isinstance(storage, LocalStorage) else 16 * MiB
    assert put.traced < budget, put
    assert put.rss_growth is None or put.rss_growth < BIG, put


# --- Health -------------------------------------------------------------------------------


async def test_check_passes_on_a_usable_storage(storage: Storage) -> None:
    await storage.check()
    await storage.aclose()


async def test_local_check_fails_clearly_on_a_missing_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "unmounted")

    with pytest.raises(StorageUnavailable, match="unmounted does not exist"):
        await storage.check()
    with pytest.raises(StorageUnavailable):
        await storage.put_stream("a.txt", chunked(b"x", 1), "text/plain")
    with pytest.raises(StorageUnavailable):
        await storage.stat("a.txt")
    assert not (tmp_path / "unmounted").exists()


async def test_s3_check_fails_clearly_against_a_stopped_server() -> None:
    require_moto()
    with moto_server() as server:
        storage = s3_storage(server)
        await storage.check()
        server.stop()

        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match=re.escape(server.endpoint_url)):
            await storage.check()
        assert time.monotonic() - started < 15


async def test_s3_check_fails_clearly_on_a_missing_bucket(s3_server: S3Server) -> None:
    storage = S3Storage(
        "no-such-bucket",
        endpoint_url=s3_server.endpoint_url,
        region=s3_server.region,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
    )

    with pytest.raises(StorageUnavailable, match=r"no-such-bucket.*404.*NoSuchBucket"):
        await storage.check()


# --- Construction -------------------------------------------------------------------------


def test_storage_from_url_builds_a_local_folder(tmp_path: Path) -> None:
    absolute = storage_from_url(f"file://{tmp_path.as_posix()}/files")
    relative = storage_from_url("file://var/files")
    bare = storage_from_url(str(tmp_path / "bare"), create_root=True)

    assert isinstance(absolute, LocalStorage)
    assert absolute.root == tmp_path / "files"
    assert isinstance(relative, LocalStorage)
    assert relative.root == Path.cwd() / "var" / "files"
    assert isinstance(bare, LocalStorage)
    assert (tmp_path / "bare").is_dir()


async def test_storage_from_url_builds_a_working_s3_store(s3_server: S3Server) -> None:
    storage = storage_from_url(
        f"s3://{s3_server.bucket}/from-url/{uuid.uuid4().hex}",
        endpoint_url=s3_server.endpoint_url,
        region=s3_server.region,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
    )

    assert isinstance(storage, S3Storage)
    await storage.put_stream("a.txt", chunked(b"hello", 2), "text/plain")
    assert await read_all(storage, "a.txt", 1, 3) == b"ell"


def test_storage_from_url_treats_empty_settings_as_unset() -> None:
    storage = storage_from_url(
        "s3://bucket/some/prefix/", endpoint_url="", region="", access_key="", secret_key=""
    )

    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix, storage.endpoint_url) == ("bucket", "some/prefix", None)


@pytest.mark.parametrize("url", ["ftp://host/x", "s3://", "s3:///prefix", "file://", "s3://b/../x"])
def test_storage_from_url_rejects_what_it_cannot_serve(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each says why in its own words)
        storage_from_url(url)


def test_new_key_is_random_dated_and_valid() -> None:
    moment = datetime(2026, 11, 28, tzinfo=UTC)

    first = new_key("documents", ".PDF", now=moment)
    second = new_key("documents/", "pdf", now=moment)

    assert re.fullmatch(r"documents/2026/11/[0-9a-f]{32}\.pdf", first)
    assert first != second
    assert re.fullmatch(r"2026/11/[0-9a-f]{32}", new_key("", "", now=moment))
    with pytest.raises(ValueError):  # noqa: PT011
        new_key("documents", "p/df")
