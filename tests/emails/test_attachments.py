"""An email's ``remote_file_urls`` (§5.7, §15.8): downloaded and stored as its attachments,
of any type, served from signed URLs (inline only for PDF and images); all or nothing, like
documents."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents.helpers import PDF, Target, remote_files
from tests.emails.helpers import ATTACHMENT_KEYS, EMAILS, email_counts, example
from tests.files.kinds import KINDS
from tests.fixtures.apps import Apps, client_for, object_keys
from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, Reply, image, pdf
from tests.fixtures.smtp import SmtpServer


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


async def test_attachments_of_any_type_are_stored_with_the_type_of_their_bytes(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    chosen = ["xlsx", "zip", "csv", "html", "svg", "random"]
    bodies = {kind: KINDS[kind][0]() for kind in chosen}
    pairs = [
        # What the server claims counts for nothing.
        (KINDS[kind][2], remote.add(f"/{kind}", Reply(body=bodies[kind], content_type=PDF)))
        for kind in chosen
    ]

    response = await client.post(
        EMAILS,
        json=example(target.reference, remote_file_urls=remote_files(*pairs)),
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    attachments = response.json()["attachments"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in attachments] == [
        (KINDS[kind][2], KINDS[kind][1], len(bodies[kind])) for kind in chosen
    ]
    for kind, attachment in zip(chosen, attachments, strict=True):
        served = await client.get(attachment["file_url"])
        assert served.content == bodies[kind]
        assert served.headers["content-type"].split(";")[0] == KINDS[kind][1]
        # Saved, never shown: not even the HTML or the SVG can run from Canopy's origin.
        assert served.headers["content-disposition"].startswith(
            f'attachment; filename="{KINDS[kind][2]}"'
        )
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"


async def test_pdf_and_image_attachments_stay_inline(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    response = await client.post(
        EMAILS,
        json=example(
            target.reference,
            remote_file_urls=remote_files(
                ("resume.pdf", remote.file("/resume.pdf", pdf())),
                ("photo.png", remote.file("/photo.png", image("PNG"))),
            ),
        ),
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    for attachment in response.json()["attachments"]:
        served = await client.get(attachment["file_url"])
        assert served.headers["content-disposition"].startswith(
            f'inline; filename="{attachment["filename"]}"'
        )
        assert served.headers["x-content-type-options"] == "nosniff"


async def test_attachments_of_any_type_are_delivered_with_their_types(
    apps: Apps, admin: Actor, target: Target, remote: RemoteServer, smtp: SmtpServer
) -> None:
    mailer = await apps.get(smtp_url=smtp.url, smtp_timeout=5.0)
    sheet, table = KINDS["xlsx"][0](), KINDS["csv"][0]()

    async with client_for(mailer) as client:
        response = await client.post(
            EMAILS,
            json=example(
                target.reference,
                send_email="true",
                remote_file_urls=remote_files(
                    ("scores.xlsx", remote.file("/scores.xlsx", sheet)),
                    ("scores.csv", remote.file("/scores.csv", table)),
                ),
            ),
            headers=admin.headers,
        )

    assert response.status_code == 201, response.text
    [received] = smtp.received
    parts = [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in received.message.iter_attachments()
    ]
    assert parts == [("scores.xlsx", KINDS["xlsx"][1], sheet), ("scores.csv", "text/csv", table)]
