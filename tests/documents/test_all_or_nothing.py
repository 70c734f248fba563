"""One request is all or nothing (§15.8): when the second URL fails, however it fails, the
answer is 400 naming ``remote_file_urls[1]`` and why, and nothing is left anywhere: no
document row, no object in the store, no temporary file. Runs on both storage adapters."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents.helpers import (
    DOCUMENTS,
    PDF,
    Target,
    assert_error,
    document_count,
    remote_files,
)
from tests.fixtures.apps import Apps, client_for, object_keys
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, Reply, pdf
from tests.fixtures.s3 import free_port

SMALL = {"max_document_bytes": 4096}  # "the file is larger than 4 KB"
HURRIED = {"fetch_deadline": 0.5}
BIG_PDF = pdf("x" * 6000)
HOST_REFUSED = "the host is not allowed"


@dataclass(frozen=True)
class Failing:
    """A second URL that fails: how the test server is set up for it, and the reason given."""

    name: str
    url: Callable[[RemoteServer], str]
    reason: str
    settings: dict[str, Any] = field(default_factory=dict)


def _fixed(url: str) -> Callable[[RemoteServer], str]:
    return lambda _: url


FAILING = [
    Failing("metadata", _fixed("http://169.254.169.254/latest/meta-data/"), HOST_REFUSED),
    Failing("private-10", _fixed("http://10.0.0.1/resume.pdf"), HOST_REFUSED),
    Failing("private-192-168", _fixed("http://192.168.1.20/resume.pdf"), HOST_REFUSED),
    Failing("unique-local-ipv6", _fixed("http://[fd00::1]/resume.pdf"), HOST_REFUSED),
    Failing("unspecified", _fixed("http://0.0.0.0/resume.pdf"), HOST_REFUSED),
    Failing("file-scheme", _fixed("file:///etc/passwd"), "only http and https URLs are allowed"),
    Failing(
        "ftp-scheme",
        lambda remote: f"ftp://127.0.0.1:{remote.port}/resume.pdf",
        "only http and https URLs are allowed",
    ),
    Failing("not-a-url", _fixed("resume.pdf"), "the URL is not valid"),
    Failing(
        "credentials",
        lambda remote: remote.url("/resume.pdf").replace("://", "://user:secret@"),
        "URLs with a user name or password are not allowed",
    ),
    Failing(
        "redirect-to-private",
        lambda remote: remote.redirect("/moved", "http://10.0.0.1/resume.pdf"),
        HOST_REFUSED,
    ),
    Failing(
        "redirect-loop", lambda remote: remote.redirect("/loop", "/loop"), "too many redirects"
    ),
    Failing("not-found", lambda remote: remote.url("/missing.pdf"), "the server answered 404"),
    Failing(
        "server-error",
        lambda remote: remote.status("/broken.pdf", 500, b"oops"),
        "the server answered 500",
    ),
    Failing(
        "gzip-encoded",
        lambda remote: remote.add(
            "/packed.pdf",
            Reply(
                body=gzip.compress(pdf()),
                content_type=PDF,
                headers=[("Content-Encoding", "gzip")],
            ),
        ),
        "the server sent a compressed file",
    ),
    Failing("empty", lambda remote: remote.file("/empty.pdf", b"", PDF), "the file is empty"),
    Failing(
        "closed-port",
        lambda _: f"http://127.0.0.1:{free_port()}/resume.pdf",
        "the server could not be reached",
    ),
    Failing(
        "oversize-announced",
        lambda remote: remote.file("/big.pdf", BIG_PDF, PDF),
        "the file is larger than 4 KB",
        SMALL,
    ),
    Failing(
        "oversize-chunked",
        lambda remote: remote.add(
            "/big.pdf", Reply(body=BIG_PDF, content_type=PDF, framing="chunked", chunk_size=1024)
        ),
        "the file is larger than 4 KB",
        SMALL,
    ),
    Failing(
        "slow-drip",
        lambda remote: remote.add(
            "/slow.pdf", Reply(body=pdf(), content_type=PDF, chunk_size=16, drip_interval=0.1)
        ),
        "the download took too long",
        HURRIED,
    ),
]


@pytest.mark.parametrize("failing", [pytest.param(f, id=f.name) for f in FAILING])
async def test_attach_with_a_failing_second_url_is_refused_naming_it_and_leaves_nothing(
    apps: Apps,
    storage: dict[str, str],
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
    failing: Failing,
) -> None:
    app = await apps.get(**storage, **failing.settings)
    fine = remote.file("/fine.pdf", pdf(), PDF)
    second = failing.url(remote)
    keys = await object_keys(app, "documents")

    async with client_for(app) as client:
        response = await client.post(
            DOCUMENTS,
            json={
                "candidate_reference": target.reference,
                "remote_file_urls": remote_files(("resume", fine), ("portfolio", second)),
            },
            headers=admin.headers,
        )

    # A user name and password are never repeated back.
    shown = second.replace("user:secret@", "…@")
    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[1] ({shown}) could not be downloaded: {failing.reason}",
    )
    assert len(remote.seen("/fine.pdf")) == 1  # the first file was fetched, then dropped
    assert await document_count(maker, target.reference) == 0
    assert await object_keys(app, "documents") == keys
    assert temp_files(app) == []


async def test_attach_with_two_failing_urls_names_the_first_of_them(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    fine = remote.file("/fine.pdf", pdf(), PDF)

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(
                ("a", fine),
                ("b", remote.url("/missing.pdf")),
                ("c", "http://10.0.0.1/c.pdf"),
            ),
        },
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[1] ({remote.url('/missing.pdf')}) could not be downloaded: "
        "the server answered 404",
    )


async def test_attach_within_the_size_cap_is_accepted_where_a_larger_file_is_not(
    apps: Apps, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    small: FastAPI = await apps.get(**SMALL)
    body = pdf("x" * 3000)
    assert 3000 < len(body) <= 4096

    async with client_for(small) as client:
        response = await client.post(
            DOCUMENTS,
            json={
                "candidate_reference": target.reference,
                "remote_file_urls": remote_files(("resume", remote.file("/ok.pdf", body, PDF))),
            },
            headers=admin.headers,
        )

    assert response.status_code == 201, response.text
    assert response.json()[0]["size"] == len(body)


async def test_attach_follows_a_redirect_within_the_allowed_network(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    body = pdf("moved")
    remote.file("/new/resume.pdf", body, PDF)

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(
                ("resume", remote.redirect("/old/resume.pdf", "/new/resume.pdf", 301))
            ),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert (await client.get(response.json()[0]["file_url"])).content == body


async def test_a_download_in_progress_has_a_temporary_file_that_goes_with_the_refusal(
    apps: Apps,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    temp_files: Callable[[FastAPI], list[str]],
) -> None:
    # Also shows that `temp_files` watches where Canopy really writes.
    hurried = await apps.get(**HURRIED)
    url = remote.add(
        "/slow.pdf", Reply(body=pdf(), content_type=PDF, chunk_size=16, drip_interval=0.1)
    )
    seen: list[str] = []

    async with client_for(hurried) as client:
        posting = asyncio.create_task(
            client.post(
                DOCUMENTS,
                json={
                    "candidate_reference": target.reference,
                    "remote_file_urls": remote_files(("slow", url)),
                },
                headers=admin.headers,
            )
        )
        while not seen and not posting.done():
            await asyncio.sleep(0.01)
            seen = temp_files(hurried)
        response = await posting

    assert len(seen) == 1
    assert seen[0].startswith("canopy-fetch-")
    assert response.status_code == 400, response.text
    assert temp_files(hurried) == []
