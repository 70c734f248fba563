"""A candidate's own files (§5.4, §5.5, §15.8): ``remote_resume_url`` (PDF, DOC, DOCX, ODT;
5 MB), ``remote_portfolio_url`` (PDF; 10 MB) and ``remote_image_url`` (the avatar: PNG, JPEG,
GIF, WebP; 5 MB), downloaded on create and update, all or nothing, served from signed URLs;
a replaced file goes once the change has committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Candidate
from tests.candidates.helpers import row_counts
from tests.documents.helpers import PDF, Target, assert_error
from tests.fixtures.apps import object_keys
from tests.fixtures.builders import CANDIDATES, Actor
from tests.fixtures.remote import SAMPLES, RemoteServer, Reply, docx, image, pdf

MB = 1024 * 1024
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def _padded_pdf(size: int) -> bytes:
    """A PDF of exactly `size` bytes (trailing bytes after %%EOF are common and harmless)."""
    head = pdf()
    return head + b"\n" * (size - len(head))


def _new(actor: Actor, job_reference: str, **fields: Any) -> dict[str, Any]:
    return {
        "organization_reference": actor.org,
        "job_reference": job_reference,
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        **fields,
    }


async def _keys(maker: async_sessionmaker[AsyncSession], reference: str) -> tuple[Any, ...]:
    """The stored objects a candidate points at, and when it last changed."""
    async with maker() as session:
        candidate = await session.scalar(select(Candidate).where(Candidate.reference == reference))
    assert candidate is not None
    return (
        candidate.resume_key,
        candidate.portfolio_key,
        candidate.avatar_key,
        candidate.updated_at,
    )


async def _served(client: httpx.AsyncClient, url: str | None) -> httpx.Response:
    assert url is not None
    assert url.startswith("http://testserver/files/")
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response


# -- create -------------------------------------------------------------------------------


async def test_create_with_the_three_remote_files_fills_and_serves_them(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    resume, portfolio, avatar = pdf("resume"), pdf("portfolio"), image("PNG")
    body = _new(
        admin,
        target.job_reference,
        remote_resume_url=remote.file("/resume.pdf", resume),
        remote_portfolio_url=remote.file("/portfolio.pdf", portfolio),
        remote_image_url=remote.file("/avatar.png", avatar),
    )

    response = await client.post(CANDIDATES, json=body, headers=admin.headers)

    assert response.status_code == 201, response.text
    candidate = response.json()
    assert candidate["resume_size"] == len(resume)
    assert candidate["resume_content_type"] == PDF
    assert candidate["portfolio_size"] == len(portfolio)
    served = await _served(client, candidate["resume_url"])
    assert served.content == resume
    assert served.headers["content-type"] == PDF
    assert served.headers["content-disposition"].startswith('inline; filename="resume.pdf"')
    served = await _served(client, candidate["portfolio_url"])
    assert served.content == portfolio
    assert served.headers["content-disposition"].startswith('inline; filename="portfolio.pdf"')
    served = await _served(client, candidate["profile"]["avatar_url"])
    assert served.content == avatar
    assert served.headers["content-type"] == "image/png"
    # A later retrieve points at the same files.
    again = await client.get(f"{CANDIDATES}/{candidate['reference']}", headers=admin.headers)
    assert (await _served(client, again.json()["resume_url"])).content == resume
    assert (await _served(client, again.json()["profile"]["avatar_url"])).content == avatar


@pytest.mark.parametrize("content_type", [PDF, DOC, DOCX, ODT])
async def test_create_accepts_each_resume_type(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    content_type: str,
) -> None:
    data = SAMPLES[content_type]()
    # Served under a neutral name and type: the bytes decide.
    url = remote.file("/cv", data, "application/octet-stream")

    response = await client.post(
        CANDIDATES,
        json=_new(admin, target.job_reference, remote_resume_url=url),
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["resume_content_type"] == content_type
    assert response.json()["resume_size"] == len(data)
    assert (await _served(client, response.json()["resume_url"])).content == data


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "WEBP"])
async def test_create_accepts_each_avatar_type(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer, kind: str
) -> None:
    data = image(kind)  # type: ignore[arg-type]

    response = await client.post(
        CANDIDATES,
        json=_new(admin, target.job_reference, remote_image_url=remote.file("/me", data)),
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    served = await _served(client, response.json()["profile"]["avatar_url"])
    assert served.content == data
    assert served.headers["content-type"] == f"image/{kind.lower()}"


async def test_create_accepts_a_resume_of_exactly_5_mb(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    data = _padded_pdf(5 * MB)

    response = await client.post(
        CANDIDATES,
        json=_new(admin, target.job_reference, remote_resume_url=remote.file("/cv.pdf", data)),
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["resume_size"] == 5 * MB


REFUSED = [
    pytest.param(
        "remote_resume_url",
        lambda remote: remote.file("/photo.png", image("PNG")),
        "the file type is not allowed (found image/png)",
        id="resume-png",
    ),
    pytest.param(
        "remote_resume_url",
        lambda remote: remote.file("/cv.pdf", _padded_pdf(5 * MB + 1)),
        "the file is larger than 5 MB",
        id="resume-over-5-mb",
    ),
    pytest.param(
        "remote_resume_url",
        lambda remote: remote.add(
            "/cv.pdf", Reply(body=_padded_pdf(5 * MB + 1), framing="chunked")
        ),
        "the file is larger than 5 MB",
        id="resume-over-5-mb-unannounced",
    ),
    pytest.param(
        "remote_portfolio_url",
        lambda remote: remote.file("/portfolio.docx", docx()),
        f"the file type is not allowed (found {DOCX})",
        id="portfolio-docx",
    ),
    pytest.param(
        "remote_portfolio_url",
        lambda remote: remote.file("/portfolio.pdf", _padded_pdf(10 * MB + 1)),
        "the file is larger than 10 MB",
        id="portfolio-over-10-mb",
    ),
    pytest.param(
        "remote_image_url",
        lambda remote: remote.file("/avatar.pdf", pdf()),
        "the file type is not allowed (found application/pdf)",
        id="avatar-pdf",
    ),
    pytest.param(
        "remote_image_url",
        lambda remote: remote.file(
            "/avatar.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "image/svg+xml"
        ),
        "the file type is not allowed (found image/svg+xml)",
        id="avatar-svg",
    ),
    pytest.param(
        "remote_image_url",
        lambda _: "http://169.254.169.254/latest/meta-data/",
        "the host is not allowed",
        id="avatar-metadata",
    ),
]


@pytest.mark.parametrize(("param", "url", "reason"), REFUSED)
async def test_create_with_a_refused_remote_file_names_it_and_creates_and_stores_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
    param: str,
    url: Callable[[RemoteServer], str],
    reason: str,
) -> None:
    failing = url(remote)
    # The other files are fine, and fetched first: they are dropped too.
    fine = {
        "remote_resume_url": remote.file("/fine.pdf", pdf()),
        "remote_portfolio_url": remote.file("/fine.pdf", pdf()),
        "remote_image_url": remote.file("/fine.png", image("PNG")),
    }
    rows, keys = await row_counts(maker), await object_keys(app, "candidates")

    response = await client.post(
        CANDIDATES,
        json=_new(admin, target.job_reference, **{**fine, param: failing}),
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        f"{param} ({failing}) could not be downloaded: {reason}",
    )
    assert await row_counts(maker) == rows
    assert await object_keys(app, "candidates") == keys
    assert temp_files(app) == []


# -- update -------------------------------------------------------------------------------


async def test_update_with_remote_files_fills_them(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    resume, avatar = docx("resume"), image("JPEG")

    response = await client.put(
        f"{CANDIDATES}/{target.reference}",
        json={
            "remote_resume_url": remote.file("/resume.docx", resume),
            "remote_image_url": remote.file("/avatar.jpg", avatar),
        },
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    candidate = response.json()
    assert candidate["resume_content_type"] == DOCX
    assert candidate["resume_size"] == len(resume)
    assert candidate["portfolio_url"] is None
    served = await _served(client, candidate["resume_url"])
    assert served.content == resume
    # Only PDF and images are shown in the browser; a Word resume is a download.
    assert served.headers["content-disposition"].startswith('attachment; filename="resume.docx"')
    assert (await _served(client, candidate["profile"]["avatar_url"])).content == avatar


@pytest.mark.parametrize(("param", "url", "reason"), REFUSED)
async def test_update_with_a_refused_remote_file_names_it_and_changes_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
    param: str,
    url: Callable[[RemoteServer], str],
    reason: str,
) -> None:
    first = await client.put(
        f"{CANDIDATES}/{target.reference}",
        json={"remote_resume_url": remote.file("/first.pdf", pdf("first"))},
        headers=admin.headers,
    )
    assert first.status_code == 200, first.text
    failing = url(remote)
    before, keys = await _keys(maker, target.reference), await object_keys(app, "candidates")

    response = await client.put(
        f"{CANDIDATES}/{target.reference}",
        json={
            "firstname": "Changed",
            "remote_resume_url": remote.file("/fine.pdf", pdf()),
            param: failing,
        },
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        f"{param} ({failing}) could not be downloaded: {reason}",
    )
    assert await _keys(maker, target.reference) == before
    assert await object_keys(app, "candidates") == keys
    assert temp_files(app) == []
    after = await client.get(f"{CANDIDATES}/{target.reference}", headers=admin.headers)
    assert after.json()["profile"]["firstname"] == "Candidate"
    assert (await _served(client, after.json()["resume_url"])).content == pdf("first")


async def test_replacing_the_resume_removes_the_old_object_once_committed(
    files_app: FastAPI,
    files_client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    old, new = pdf("old resume"), pdf("new resume")
    first = await files_client.put(
        f"{CANDIDATES}/{target.reference}",
        json={"remote_resume_url": remote.file("/old.pdf", old)},
        headers=admin.headers,
    )
    assert first.status_code == 200, first.text
    old_key = (await _keys(maker, target.reference))[0]
    assert old_key in await object_keys(files_app, "candidates")

    second = await files_client.put(
        f"{CANDIDATES}/{target.reference}",
        json={"remote_resume_url": remote.file("/new.pdf", new)},
        headers=admin.headers,
    )

    assert second.status_code == 200, second.text
    new_key = (await _keys(maker, target.reference))[0]
    keys = await object_keys(files_app, "candidates")
    assert new_key in keys
    assert old_key not in keys
    assert (await _served(files_client, second.json()["resume_url"])).content == new
    assert_error(
        await files_client.get(first.json()["resume_url"]), 404, "not_found", "File not found"
    )


async def test_update_without_remote_files_keeps_the_stored_ones(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer, app: FastAPI
) -> None:
    resume = pdf("kept")
    first = await client.put(
        f"{CANDIDATES}/{target.reference}",
        json={"remote_resume_url": remote.file("/cv.pdf", resume)},
        headers=admin.headers,
    )
    assert first.status_code == 200, first.text
    keys = await object_keys(app, "candidates")

    response = await client.put(
        f"{CANDIDATES}/{target.reference}",
        json={"firstname": "Ada", "remote_resume_url": ""},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["resume_size"] == len(resume)
    assert (await _served(client, response.json()["resume_url"])).content == resume
    assert await object_keys(app, "candidates") == keys
