"""The storage check (``canopy storage check``), in-process: the store against the rows that
reference it, on both databases and both storage adapters; and the listing and sweeping it
relies on in each adapter."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import JSON, event, select
from sqlalchemy.exc import OperationalError

from canopy.db import WRITE
from canopy.files import check as storage_check
from canopy.files.storage import LocalStorage, S3Storage, Storage
from canopy.models import Base, Candidate, Document, Image
from tests.fixtures.apps import Apps, client_for, s3_settings
from tests.fixtures.builders import CANDIDATES, Actor, Builder
from tests.fixtures.remote import RemoteServer, image, pdf
from tests.fixtures.s3 import S3Server

DOCUMENTS = "/api/v1/external/documents"
EMAILS = "/api/v1/external/emails"
IMAGES = "/api/v1/external/images"
LATER = timedelta(hours=2)  # past the default grace period
PNG = image("PNG", (64, 48))


@pytest.fixture(params=["local", "s3"])
async def store_app(
    request: pytest.FixtureRequest, apps: Apps, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    """The suite's database with a store of the test's own, so that no other test's objects
    are in it."""
    if request.param == "local":
        yield await apps.get(storage_url=f"file://{tmp_path / 'files'}")
        return
    server = request.getfixturevalue("s3_server")
    app = await apps.get(**s3_settings(server, prefix=f"check-{uuid.uuid4().hex}"))
    yield app
    store: Storage = app.state.storage
    for key in await stored_keys(store):  # moto keeps objects in memory
        await store.delete(key)


@pytest.fixture
async def store_client(store_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(store_app) as client:
        yield client


@dataclass(frozen=True)
class Written:
    candidate_id: int
    document_ids: list[int]
    image_id: int
    objects: int


async def write_everything(
    client: httpx.AsyncClient, build: Builder, admin: Actor, remote: RemoteServer
) -> Written:
    """One of each kind of stored object, through the API: a candidate's resume and avatar,
    two documents, an email attachment, and an image with its variants."""
    job = await build.job(client, admin)
    created = await client.post(
        CANDIDATES,
        json={
            "organization_reference": admin.org,
            "job_reference": job["reference"],
            "email": "ada@example.com",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "remote_resume_url": remote.file("/resume.pdf", pdf("resume")),
            "remote_image_url": remote.file("/avatar.png", PNG),
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    attached = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": reference,
            "remote_file_urls": [
                {"filename": "a.pdf", "url": remote.file("/a.pdf", pdf("a"))},
                {"filename": "b.pdf", "url": remote.file("/b.pdf", pdf("b" * 50))},
            ],
        },
        headers=admin.headers,
    )
    assert attached.status_code == 201, attached.text
    emailed = await client.post(
        EMAILS,
        json={
            "candidate_reference": reference,
            "subject": "Hello",
            "body": "Attached.",
            "from_email": "team@example.com",
            "to": "ada@example.com",
            "remote_file_urls": [{"filename": "c.pdf", "url": remote.file("/c.pdf", pdf("c"))}],
        },
        headers=admin.headers,
    )
    assert emailed.status_code == 201, emailed.text
    pictured = await client.post(
        IMAGES,
        json={
            "organization_reference": admin.org,
            "name": "Office",
            "remote_image_url": remote.file("/office.png", PNG),
        },
        headers=admin.headers,
    )
    assert pictured.status_code == 201, pictured.text
    async with build.maker() as session:
        candidate_id = await session.scalar(
            select(Candidate.id).where(Candidate.reference == reference)
        )
    assert candidate_id is not None
    return Written(
        candidate_id=candidate_id,
        document_ids=[document["id"] for document in attached.json()],
        image_id=pictured.json()["id"],
        objects=2 + 2 + 1 + 5,
    )


async def put(store: Storage, key: str, data: bytes = b"orphan") -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield data

    await store.put_stream(key, chunks(), "application/pdf")


async def stored_keys(store: Storage) -> set[str]:
    return {key async for key in store.keys("")}


async def run_check(app: FastAPI, **options: Any) -> storage_check.Report:
    return await storage_check.check(app.state.engine, app.state.storage, **options)


# --- The check --------------------------------------------------------------------------------


async def test_check_of_a_store_that_matches_its_rows_is_clean(
    store_app: FastAPI,
    store_client: httpx.AsyncClient,
    build: Builder,
    admin: Actor,
    remote: RemoteServer,
) -> None:
    written = await write_everything(store_client, build, admin, remote)

    report = await run_check(store_app, now=datetime.now(UTC) + LATER)

    assert report.clean
    assert report.objects == report.references == written.objects
    data = report.as_json()
    assert [data[name]["count"] for name in ("orphans", "recent", "missing", "mismatched")] == [
        0,
        0,
        0,
        0,
    ]
    assert data["leftovers"]["count"] == 0


async def test_repair_removes_orphans_past_the_grace_period_and_nothing_else(
    store_app: FastAPI,
    store_client: httpx.AsyncClient,
    build: Builder,
    admin: Actor,
    remote: RemoteServer,
) -> None:
    written = await write_everything(store_client, build, admin, remote)
    store: Storage = store_app.state.storage
    orphans = {f"documents/2026/11/orphan{n}.pdf" for n in range(5)}
    for key in orphans:
        await put(store, key)
    await put(store, "exports/2026/11/not-canopy.csv")  # a folder Canopy does not write
    referenced = await stored_keys(store) - orphans - {"exports/2026/11/not-canopy.csv"}

    # Now, every orphan is younger than the grace period: perhaps an upload not yet committed.
    fresh = await run_check(store_app, repair=True, batch=2)
    assert fresh.clean
    assert (fresh.orphans.count, fresh.recent.count) == (0, 5)
    assert await stored_keys(store) >= orphans

    # Two hours on, they are orphans: reported, then removed by the repair (a batch at a time).
    later = datetime.now(UTC) + LATER
    found = await run_check(store_app, now=later, batch=2)
    assert not found.clean
    assert found.orphans.count == 5
    assert found.orphans.bytes == 5 * len(b"orphan")
    assert {item["key"] for item in found.orphans.items} == orphans
    assert found.objects == written.objects + 5

    repaired = await run_check(store_app, now=later, repair=True, batch=2)
    assert repaired.clean
    assert repaired.orphans.removed == 5
    assert await stored_keys(store) == referenced | {"exports/2026/11/not-canopy.csv"}
    assert (await run_check(store_app, now=later)).clean


async def test_a_zero_grace_period_makes_every_unreferenced_object_an_orphan(
    store_app: FastAPI,
) -> None:
    await put(store_app.state.storage, "images/2026/11/just-written.png")

    report = await run_check(store_app, grace=timedelta(0), repair=True)

    assert (report.orphans.count, report.orphans.removed, report.recent.count) == (1, 1, 0)
    assert await store_app.state.storage.stat("images/2026/11/just-written.png") is None


async def test_check_reports_missing_and_mismatched_objects_which_repair_leaves(
    store_app: FastAPI,
    store_client: httpx.AsyncClient,
    build: Builder,
    admin: Actor,
    remote: RemoteServer,
    maker: Any,
) -> None:
    written = await write_everything(store_client, build, admin, remote)
    store: Storage = store_app.state.storage
    async with maker() as session:
        document_key = await session.scalar(
            select(Document.object_key).where(Document.id == written.document_ids[0])
        )
        variants = await session.scalar(select(Image.variants).where(Image.id == written.image_id))
        resume_key = await session.scalar(
            select(Candidate.resume_key).where(Candidate.id == written.candidate_id)
        )
    thumb_key = variants["thumb"]["key"]
    await store.delete(document_key)
    await store.delete(thumb_key)
    await put(store, resume_key, b"not the resume")

    report = await run_check(store_app, now=datetime.now(UTC) + LATER, repair=True)

    assert not report.clean
    assert sorted(report.missing.items, key=lambda item: item["table"]) == [
        {
            "key": document_key,
            "table": "document",
            "column": "object_key",
            "id": written.document_ids[0],
            "size": len(pdf("a")),
        },
        {
            "key": thumb_key,
            "table": "image",
            "column": "variants",
            "id": written.image_id,
            "size": variants["thumb"]["size"],
        },
    ]
    assert report.mismatched.items == [
        {
            "key": resume_key,
            "table": "candidate",
            "column": "resume_key",
            "id": written.candidate_id,
            "size": len(pdf("resume")),
            "stored_size": len(b"not the resume"),
        }
    ]
    assert report.orphans.count == 0
    assert await store.stat(resume_key) is not None  # a repair never touches a referenced one


def test_every_column_that_holds_storage_keys_is_checked() -> None:
    """A new table or column holding keys must be added to the check, or a repair would
    remove its objects as orphans."""
    holding = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            named = column.name.endswith("_key") or column.name == "object_key"
            if named or (isinstance(column.type, JSON) and "variants" in column.name):
                holding.add(f"{table.name}.{column.name}")
    assert holding == set(storage_check.SOURCES)


# --- The adapters' listing and sweeping -------------------------------------------------------


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "files", create_root=True)
        return
    s3 = s3_storage(request.getfixturevalue("s3_server"), f"list-{uuid.uuid4().hex}")
    yield s3
    for key in await stored_keys(s3):
        await s3.delete(key)


def s3_storage(server: S3Server, prefix: str) -> S3Storage:
    return S3Storage(
        server.bucket,
        prefix,
        endpoint_url=server.endpoint_url,
        region=server.region,
        access_key=server.access_key,
        secret_key=server.secret_key,
    )


async def test_objects_lists_each_key_with_its_size_and_last_change(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    await put(storage, "documents/2026/11/a.pdf", b"a" * 10)
    await put(storage, "documents/2026/12/b.pdf", b"b" * 3)
    await put(storage, "images/c.png", b"c")

    listed = {found.key: found async for found in storage.objects("documents")}

    assert {key: found.size for key, found in listed.items()} == {
        "documents/2026/11/a.pdf": 10,
        "documents/2026/12/b.pdf": 3,
    }
    after = datetime.now(UTC) + timedelta(seconds=5)
    assert all(before <= found.modified <= after for found in listed.values())
    assert {found.key async for found in storage.objects()} == {*listed, "images/c.png"}


async def test_local_listing_of_a_large_folder_goes_a_batch_at_a_time(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, create_root=True)
    folder = tmp_path / "documents" / "2026" / "11"
    folder.mkdir(parents=True)
    for n in range(2500):
        (folder / f"{n:04}.pdf").write_bytes(b"x")

    listed = [found async for found in storage.objects("documents")]

    assert len(listed) == len({found.key for found in listed}) == 2500


def _age(path: Path, seconds: float) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


async def test_local_sweep_finds_and_removes_only_old_leftovers_of_interrupted_writes(
    tmp_path: Path,
) -> None:
    storage = LocalStorage(tmp_path, create_root=True)
    await put(storage, "documents/2026/11/kept.pdf")
    folder = tmp_path / "documents" / "2026" / "11"
    _age(folder / "kept.pdf", 7200)
    _age(folder / ".kept.pdf.meta", 7200)
    leftovers = {
        folder / ".lost.pdf.a1b2c3.tmp": b"half written",  # killed while copying
        folder / ".gone.pdf.meta": b'{"content_type": "application/pdf"}',  # never published
    }
    for path, data in leftovers.items():
        path.write_bytes(data)
        _age(path, 7200)
    (folder / ".busy.pdf.d4e5f6.tmp").write_bytes(b"being written now")
    (folder / ".someone-elses").write_bytes(b"not ours")
    _age(folder / ".someone-elses", 7200)
    before = datetime.now(UTC) - timedelta(hours=1)

    found = {name async for name in storage.sweep(before)}
    assert found == {
        "documents/2026/11/.lost.pdf.a1b2c3.tmp",
        "documents/2026/11/.gone.pdf.meta",
    }
    assert all(path.exists() for path in leftovers)

    removed = {name async for name in storage.sweep(before, remove=True)}
    assert removed == found
    assert not any(path.exists() for path in leftovers)
    assert sorted(path.name for path in folder.iterdir()) == [
        ".busy.pdf.d4e5f6.tmp",
        ".kept.pdf.meta",
        ".someone-elses",
        "kept.pdf",
    ]
    assert await storage.stat("documents/2026/11/kept.pdf") is not None


async def test_s3_sweep_finds_nothing(s3_server: S3Server) -> None:
    s3 = s3_storage(s3_server, f"sweep-{uuid.uuid4().hex}")

    assert [name async for name in s3.sweep(datetime.now(UTC), remove=True)] == []


# --- A commit that fails ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "kept"),
    [
        # The database refused the commit: nothing committed, the objects go at once.
        (OperationalError("COMMIT", {}, Exception("database is locked")), 0),
        # No answer: perhaps committed. The objects stay, for the check to judge.
        (ConnectionResetError("connection lost during COMMIT"), 2),
    ],
    ids=["refused", "unknown"],
)
async def test_objects_of_a_failed_commit_go_unless_it_may_have_committed(
    store_app: FastAPI,
    store_client: httpx.AsyncClient,
    build: Builder,
    admin: Actor,
    remote: RemoteServer,
    failure: Exception,
    kept: int,
) -> None:
    job = await build.job(store_client, admin)
    candidate = await build.candidate(store_client, admin, job["reference"])
    engine = store_app.state.engine.sync_engine
    failures = [failure]

    def fail_once(connection: Any) -> None:
        # The commit of the writing transaction, not that of the reads before the downloads.
        if failures and connection.get_execution_options().get(WRITE, False):
            raise failures.pop()

    event.listen(engine, "commit", fail_once)
    try:
        response = await store_client.post(
            DOCUMENTS,
            json={
                "candidate_reference": candidate["reference"],
                "remote_file_urls": [
                    {"filename": "a.pdf", "url": remote.file("/a.pdf", pdf("a"))},
                    {"filename": "b.pdf", "url": remote.file("/b.pdf", pdf("b"))},
                ],
            },
            headers=admin.headers,
        )
    finally:
        event.remove(engine, "commit", fail_once)
    assert response.status_code == 500, response.text

    report = await run_check(store_app, grace=timedelta(0), repair=True)
    assert (report.orphans.count, report.orphans.removed) == (kept, kept)
    assert report.clean
    assert await stored_keys(store_app.state.storage) == set()
