"""No write transaction waits on the network or on image work (§15.8): while one organisation's
request downloads a remote file (held part way by the remote server until the test lets it
go) or waits to render an uploaded image, the database holds no transaction of it, and
another organisation's write answers at once; the slow request then completes normally.

Nothing here measures time: the remote server reports when it has started sending the held
file, the render queue reports when a request waits in it, and the slow request cannot end
before the test releases it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.config import Settings
from canopy.images import service as images_service
from canopy.models import Candidate, Document, Role
from canopy.models import Image as ImageRow
from tests.api.stalls import DEADLINE, no_transaction_open, other_organisation_writes, until_held
from tests.documents.helpers import DOCUMENTS, PDF, new_target, remote_files
from tests.fixtures.apps import Apps, client_for, object_keys
from tests.fixtures.builders import CANDIDATES, Actor, Builder
from tests.fixtures.remote import Hold, RemoteServer, Reply, image, pdf
from tests.images.helpers import IMAGES, VIDEOS

EMAILS = "/api/v1/external/emails"
PNG = "image/png"
POLL = 0.01


async def _finish(task: asyncio.Task[httpx.Response]) -> httpx.Response:
    return await asyncio.wait_for(task, DEADLINE)


async def _until_queued(queue: images_service.RenderQueue, task: asyncio.Task[Any]) -> None:
    """Until a render waits in ``queue`` (or ``task`` ended)."""
    deadline = asyncio.get_running_loop().time() + DEADLINE
    while not queue.waiting and not task.done():
        assert asyncio.get_running_loop().time() < deadline, "no render was queued"
        await asyncio.sleep(POLL)
    assert not task.done(), (await task).text


async def _held(
    remote: RemoteServer, body: bytes, content_type: str, slow: Callable[[str], Any]
) -> tuple[Hold, asyncio.Task[httpx.Response]]:
    """Start ``slow(url)`` on a file the remote server holds half sent; back once it does."""
    hold = Hold(after=len(body) // 2)
    url = remote.add("/held", Reply(body=body, content_type=content_type, hold=hold))
    task: asyncio.Task[httpx.Response] = asyncio.create_task(slow(url))
    try:
        await until_held(hold, task)
    except BaseException:
        hold.release()
        raise
    return hold, task


# -- the requests that download ----------------------------------------------------------------


async def _image(client: httpx.AsyncClient, admin: Actor, url: str, _: str) -> httpx.Response:
    return await client.post(
        IMAGES,
        json={"organization_reference": admin.org, "name": "Held", "remote_image_url": url},
        headers=admin.headers,
    )


async def _video(client: httpx.AsyncClient, admin: Actor, url: str, _: str) -> httpx.Response:
    return await client.post(
        VIDEOS,
        json={
            "organization_reference": admin.org,
            "source": "youtube",
            "external_reference": "dQw4w9WgXcQ",
            "name": "Held",
            "remote_image_url": url,
        },
        headers=admin.headers,
    )


async def _email(
    client: httpx.AsyncClient, admin: Actor, url: str, candidate: str
) -> httpx.Response:
    return await client.post(
        EMAILS,
        json={
            "candidate_reference": candidate,
            "subject": "Held",
            "body": "An attachment that takes its time.",
            "from_email": "recruiter@example.com",
            "to": "candidate@example.com",
            "remote_file_urls": remote_files(("held.pdf", url)),
        },
        headers=admin.headers,
    )


async def _candidate_update(
    client: httpx.AsyncClient, admin: Actor, url: str, candidate: str
) -> httpx.Response:
    return await client.put(
        f"{CANDIDATES}/{candidate}",
        json={"firstname": "Held", "remote_resume_url": url},
        headers=admin.headers,
    )


async def _candidate_create(
    client: httpx.AsyncClient, admin: Actor, url: str, candidate: str
) -> httpx.Response:
    job = await client.get(f"{CANDIDATES}/{candidate}", headers=admin.headers)
    assert job.status_code == 200, job.text
    return await client.post(
        CANDIDATES,
        json={
            "organization_reference": admin.org,
            "job_reference": job.json()["job_reference"],
            "email": "held@example.com",
            "firstname": "Held",
            "lastname": "Resume",
            "remote_resume_url": url,
            "comment": "Met at the fair.",
        },
        headers=admin.headers,
    )


async def _document(
    client: httpx.AsyncClient, admin: Actor, url: str, candidate: str
) -> httpx.Response:
    return await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": candidate,
            "remote_file_urls": remote_files(("held.pdf", url)),
        },
        headers=admin.headers,
    )


Send = Callable[[httpx.AsyncClient, Actor, str, str], Coroutine[Any, Any, httpx.Response]]
DOWNLOADS: dict[str, tuple[Send, str]] = {
    "image": (_image, PNG),
    "video thumbnail": (_video, PNG),
    "email attachment": (_email, PDF),
    "candidate update": (_candidate_update, PDF),
    "candidate create with a comment": (_candidate_create, PDF),
    "document": (_document, PDF),
}


@pytest.mark.parametrize("endpoint", list(DOWNLOADS))
async def test_another_organisation_writes_while_a_download_is_held(
    endpoint: str,
    client: httpx.AsyncClient,
    build: Builder,
    admin: Actor,
    outsider: Actor,
    remote: RemoteServer,
    settings: Settings,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    send, content_type = DOWNLOADS[endpoint]
    target = await new_target(client, build, admin)
    body = image("PNG", (40, 30)) if content_type == PNG else pdf("held")
    hold, slow = await _held(
        remote, body, content_type, lambda url: send(client, admin, url, target.reference)
    )
    try:
        await no_transaction_open(settings, maker)
        await other_organisation_writes(client, outsider)

        assert not slow.done(), "the slow request ended before its file was sent"
    finally:
        hold.release()
    response = await _finish(slow)
    assert response.status_code in (200, 201), response.text
    await no_transaction_open(settings, maker)


# -- the upload that renders --------------------------------------------------------------------


def _forty_megapixels() -> bytes:
    """An 8000×5000 picture (the largest accepted), one colour: small to send, heavy to
    decode and resize."""
    out = io.BytesIO()
    Image.new("RGB", (8000, 5000), (30, 120, 60)).save(out, format="PNG")
    return out.getvalue()


async def test_another_organisation_writes_while_an_upload_waits_to_render(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    settings: Settings,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    body = await asyncio.to_thread(_forty_megapixels)
    before = await object_keys(app, "images")
    queue = images_service.render_queue()
    # Every render slot taken: the upload, once checked, waits at the start of its render.
    for _ in range(images_service.RENDER_CONCURRENCY):
        await queue.acquire()
    upload = asyncio.create_task(
        client.post(
            IMAGES,
            data={"organization_reference": admin.org, "name": "Big"},
            files={"file": ("big.png", body, "image/png")},
            headers=admin.headers,
        )
    )
    try:
        await _until_queued(queue, upload)

        await no_transaction_open(settings, maker)
        await other_organisation_writes(client, outsider)

        assert not upload.done()
    finally:
        for _ in range(images_service.RENDER_CONCURRENCY):
            queue.release()
    # The render itself, once let through, may be slow on a busy machine: a wider bound.
    response = await asyncio.wait_for(upload, DEADLINE * 4)
    assert response.status_code == 201, response.text
    assert response.json()["file"]["url"]
    assert len(await object_keys(app, "images") - before) == 5  # the original and 4 variants
    await no_transaction_open(settings, maker)


# -- what changed meanwhile is checked again in the write ------------------------------------


@pytest.mark.parametrize(
    ("send", "prefix"),
    [(_candidate_update, "candidates"), (_email, "emails")],
    ids=["update", "email"],
)
async def test_a_candidate_deleted_during_the_download_is_not_found_and_nothing_is_kept(
    send: Send,
    prefix: str,
    app: Any,
    client: httpx.AsyncClient,
    build: Builder,
    admin: Actor,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    target = await new_target(client, build, admin)
    before = await object_keys(app, prefix)
    hold, slow = await _held(
        remote, pdf("held"), PDF, lambda url: send(client, admin, url, target.reference)
    )
    try:
        async with maker() as session:
            gone = await session.execute(
                delete(Candidate).where(Candidate.reference == target.reference)
            )
            await session.commit()
        assert gone.rowcount == 1  # type: ignore[attr-defined]
    finally:
        hold.release()
    response = await _finish(slow)

    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"
    assert await object_keys(app, prefix) == before


async def test_a_video_added_during_its_thumbnail_download_wins_and_the_thumbnail_is_not_kept(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    before = await object_keys(app, "images")
    hold, slow = await _held(
        remote, image("PNG", (40, 30)), PNG, lambda url: _video(client, admin, url, "")
    )
    try:
        # The same video, without a thumbnail, by another request meanwhile.
        first = await asyncio.wait_for(
            client.post(
                VIDEOS,
                json={
                    "organization_reference": admin.org,
                    "source": "youtube",
                    "url": "https://youtu.be/dQw4w9WgXcQ",
                    "name": "First",
                },
                headers=admin.headers,
            ),
            DEADLINE,
        )
        assert first.status_code == 201, first.text
    finally:
        hold.release()
    response = await _finish(slow)

    assert response.status_code == 400, response.text
    assert response.json() == {
        "error": "validation_failed",
        "error_description": "external_reference has already been taken for this source",
    }
    assert await object_keys(app, "images") == before
    async with maker() as session:
        assert await session.scalar(select(func.count()).select_from(ImageRow)) == 0


@pytest.mark.parametrize(
    "endpoint", ["image", "video thumbnail", "email attachment", "candidate update"]
)
async def test_a_held_download_keeps_the_token_download_slot(
    endpoint: str,
    apps: Apps,
    build: Builder,
    admin: Actor,
    remote: RemoteServer,
) -> None:
    send, content_type = DOWNLOADS[endpoint]
    body = image("PNG", (40, 30)) if content_type == PNG else pdf("held")
    fast = remote.file("/fast.pdf", pdf("fast"))
    app = await apps.get(rate_limit_download_concurrency=1)
    async with client_for(app) as client:
        target = await new_target(client, build, admin)
        hold, slow = await _held(
            remote, body, content_type, lambda url: send(client, admin, url, target.reference)
        )
        try:
            refused = await asyncio.wait_for(
                _document(client, admin, fast, target.reference), DEADLINE
            )
        finally:
            hold.release()
        response = await _finish(slow)
        after = await _document(client, admin, fast, target.reference)

    assert refused.status_code == 429, refused.text
    assert response.status_code in (200, 201), response.text
    assert after.status_code == 201, after.text


async def test_a_document_attached_while_its_candidate_moves_organisation_belongs_to_the_new_one(
    client: httpx.AsyncClient,
    build: Builder,
    admin: Actor,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    target = await new_target(client, build, admin)
    elsewhere = await build.organization()
    await build.member(elsewhere, admin.user, Role.admin)
    there = Actor(admin.user, elsewhere, admin.token, admin.token_id)
    job = await build.job(client, there)

    async def attach(url: str) -> httpx.Response:
        return await client.post(
            DOCUMENTS,
            json={
                "candidate_reference": target.reference,
                "remote_file_urls": remote_files(("resume", url)),
            },
            headers=admin.headers,
        )

    hold, slow = await _held(remote, pdf("held"), PDF, attach)
    try:
        moved = await asyncio.wait_for(
            client.put(
                f"{CANDIDATES}/{target.reference}",
                json={"job_reference": job["reference"]},
                headers=admin.headers,
            ),
            DEADLINE,
        )
        assert moved.status_code == 200, moved.text
    finally:
        hold.release()
    response = await _finish(slow)

    assert response.status_code == 201, response.text
    async with maker() as session:
        owners = set(
            await session.scalars(
                select(Document.organization_id)
                .join(Candidate, Candidate.id == Document.candidate_id)
                .where(Candidate.reference == target.reference)
            )
        )
    assert owners == {elsewhere.id}
