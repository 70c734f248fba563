"""Writes alongside slow downloads and each other: a download holds no write lock, so other
writes go ahead meanwhile (on SQLite too, where one writer holds the database at a time), and
concurrent writes all land, counters included."""

from __future__ import annotations

import asyncio
import threading

import httpx

from tests.candidates.helpers import counts
from tests.documents.helpers import DOCUMENTS, PDF, Target, remote_files
from tests.fixtures.builders import CANDIDATES, Actor, Builder
from tests.fixtures.remote import RemoteServer, Reply, Seen, pdf

DRIPS = 4
DRIP_SECONDS = 0.4  # the slow file takes about DRIPS × DRIP_SECONDS to come
WAIT_SECONDS = 10.0
CONCURRENT = 12


def _slow_pdf(remote: RemoteServer, path: str) -> tuple[str, threading.Event]:
    """A PDF that takes a while to come, and an event set once it is asked for."""
    body = pdf("slow")
    reply = Reply(
        body=body, content_type=PDF, chunk_size=len(body) // DRIPS + 1, drip_interval=DRIP_SECONDS
    )
    requested = threading.Event()

    def answer(_: Seen) -> Reply:
        requested.set()
        return reply

    return remote.add(path, answer), requested


async def _until(requested: threading.Event) -> None:
    assert await asyncio.to_thread(requested.wait, WAIT_SECONDS), "the file was not requested"


async def test_attach_documents_lets_other_writes_through_while_it_downloads(
    client: httpx.AsyncClient, build: Builder, admin: Actor, remote: RemoteServer, target: Target
) -> None:
    url, requested = _slow_pdf(remote, "/slow.pdf")
    attach = asyncio.create_task(
        client.post(
            DOCUMENTS,
            json={
                "candidate_reference": target.reference,
                "remote_file_urls": remote_files(("slow.pdf", url)),
            },
            headers=admin.headers,
        )
    )
    await _until(requested)

    await build.candidate(client, admin, target.job_reference)  # a write, meanwhile

    assert not attach.done(), "the write waited for the download"
    response = await attach
    assert response.status_code == 201, response.text
    assert [document["filename"] for document in response.json()] == ["slow.pdf"]


async def test_create_candidate_lets_other_writes_through_while_it_downloads_its_resume(
    client: httpx.AsyncClient, build: Builder, admin: Actor, remote: RemoteServer, target: Target
) -> None:
    url, requested = _slow_pdf(remote, "/resume.pdf")
    create = asyncio.create_task(
        client.post(
            CANDIDATES,
            json={
                "organization_reference": admin.org,
                "job_reference": target.job_reference,
                "email": "slow@example.com",
                "firstname": "Slow",
                "lastname": "Resume",
                "remote_resume_url": url,
            },
            headers=admin.headers,
        )
    )
    await _until(requested)

    await build.candidate(client, admin, target.job_reference)  # a write, meanwhile

    assert not create.done(), "the write waited for the download"
    response = await create
    assert response.status_code == 201, response.text
    assert response.json()["resume_content_type"] == PDF
    assert (await counts(client, admin, target.job_reference))[0] == 3


async def test_concurrent_candidate_creates_all_land_and_are_counted(
    client: httpx.AsyncClient, build: Builder, admin: Actor, target: Target
) -> None:
    async def create(n: int) -> int:
        response = await client.post(
            CANDIDATES,
            json={
                "organization_reference": admin.org,
                "job_reference": target.job_reference,
                "email": f"concurrent-{n}@example.com",
                "firstname": "Concurrent",
                "lastname": str(n),
            },
            headers=admin.headers,
        )
        return response.status_code

    statuses = await asyncio.gather(*(create(n) for n in range(CONCURRENT)))

    assert statuses == [201] * CONCURRENT
    total, by_stage = await counts(client, admin, target.job_reference)
    assert total == CONCURRENT + 1  # and the target itself
    assert sum(by_stage.values()) == total
