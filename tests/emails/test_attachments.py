"""An email's ``remote_file_urls`` (§5.7, §15.8): downloaded and stored as its attachments,
served from signed URLs; all or nothing, like documents."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents.helpers import PDF, Target, remote_files
from tests.emails.helpers import ATTACHMENT_KEYS, EMAILS, email_counts, example
from tests.fixtures.apps import object_keys
from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, Reply, image, pdf


async def test_remote_file_urls_become_attachments_served_from_their_file_urls(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    resume, photo = pdf("resume"), image("JPEG")
    keys = await object_keys(app, "emails")

    response = await client.post(
        EMAILS,
        json=example(
            target.reference,
            remote_file_urls=remote_files(
                ("resume", remote.file("/resume.pdf", resume)),
                ("photo", remote.file("/photo.jpg", photo)),
            ),
        ),
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    attachments = response.json()["attachments"]
    assert [set(a) for a in attachments] == [ATTACHMENT_KEYS, ATTACHMENT_KEYS]
    assert [(a["filename"], a["size"], a["content_type"]) for a in attachments] == [
        ("resume", len(resume), PDF),
        ("photo", len(photo), "image/jpeg"),
    ]
    for attachment, body in zip(attachments, (resume, photo), strict=True):
        assert attachment["file_url"].startswith("http://testserver/files/")
        served = await client.get(attachment["file_url"])
        assert served.content == body
        assert served.headers["content-type"] == attachment["content_type"]
    assert await email_counts(maker) == (1, 2)
    assert len(await object_keys(app, "emails") - keys) == 2

    listed = await client.get(
        EMAILS, params={"candidate_reference": target.reference}, headers=admin.headers
    )
    assert [
        {key: value for key, value in a.items() if key != "file_url"}
        for a in listed.json()[0]["attachments"]
    ] == [{key: value for key, value in a.items() if key != "file_url"} for a in attachments]


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        pytest.param(
            lambda _: "http://10.0.0.1/resume.pdf", "the host is not allowed", id="private"
        ),
        pytest.param(
            lambda remote: remote.add(
                "/page.pdf", Reply(body=b"<html>no</html>", content_type=PDF)
            ),
            "the file type is not allowed (found text/html)",
            id="html-as-pdf",
        ),
        pytest.param(
            lambda remote: remote.url("/missing.pdf"), "the server answered 404", id="not-found"
        ),
    ],
)
async def test_a_failing_attachment_refuses_the_email_and_leaves_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
    second: Callable[[RemoteServer], str],
    reason: str,
) -> None:
    fine = remote.file("/fine.pdf", pdf())
    failing = second(remote)
    keys = await object_keys(app, "emails")

    response = await client.post(
        EMAILS,
        json=example(target.reference, remote_file_urls=remote_files(("a", fine), ("b", failing))),
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[1] ({failing}) could not be downloaded: {reason}",
    )
    assert len(remote.seen("/fine.pdf")) == 1
    assert await email_counts(maker) == (0, 0)
    assert await object_keys(app, "emails") == keys
    assert temp_files(app) == []


async def test_more_than_ten_attachments_are_refused_before_any_download(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    url = remote.file("/a.pdf", pdf())

    response = await client.post(
        EMAILS,
        json=example(
            target.reference, remote_file_urls=remote_files(*((f"f{n}", url) for n in range(11)))
        ),
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "remote_file_urls has 11 files; at most 10 are accepted per request",
    )
    assert remote.requests == []
    assert await email_counts(maker) == (0, 0)


async def test_a_bad_attachment_filename_is_refused_naming_it(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    response = await client.post(
        EMAILS,
        json=example(
            target.reference,
            remote_file_urls=remote_files(("a/b", remote.file("/a.pdf", pdf()))),
        ),
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "remote_file_urls.0.filename is invalid: must not contain control characters or slashes",
    )
    assert remote.requests == []


async def test_attachments_as_form_fields_are_attached(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    body = pdf("form")
    form = {
        **example(target.reference),
        "remote_file_urls[][filename]": "resume",
        "remote_file_urls[][url]": remote.file("/resume.pdf", body),
    }

    response = await client.post(EMAILS, data=form, headers=admin.headers)

    assert response.status_code == 201, response.text
    [attachment] = response.json()["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("resume", len(body))
