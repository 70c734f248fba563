"""``send_email=true`` (§15.8): delivered over SMTP, attachments included, once the email is
committed, and the outcome recorded on it; refused with 400 when no SMTP server is configured.
A real SMTP server (aiosmtpd) on 127.0.0.1 receives the messages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from canopy.config import Settings
from canopy.models import Email
from tests.documents.helpers import PDF, Target, remote_files
from tests.emails.helpers import EMAILS, NOT_REQUESTED, email_counts, example
from tests.fixtures.apps import Apps, client_for, s3_settings
from tests.fixtures.assertions import assert_error, parse_time
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, image, pdf
from tests.fixtures.s3 import S3Server, free_port
from tests.fixtures.smtp import Received, SmtpServer


@pytest.fixture
async def mailer(apps: Apps, smtp: SmtpServer) -> FastAPI:
    """The app with the test SMTP server configured."""
    return await apps.get(smtp_url=smtp.url, smtp_timeout=5.0)


async def _emails(client: httpx.AsyncClient, admin: Actor, target: Target) -> list[dict[str, Any]]:
    response = await client.get(
        EMAILS, params={"candidate_reference": target.reference}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    emails: list[dict[str, Any]] = response.json()
    return emails


async def test_send_email_delivers_the_message_with_its_attachments_after_commit(
    mailer: FastAPI,
    settings: Settings,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    smtp: SmtpServer,
) -> None:
    resume, photo = pdf("resume"), image("PNG")
    seen_in_database: list[str | None] = []

    async def look_at_the_database(_: Received) -> None:
        # Another connection, in the SMTP server's own loop: what is committed when the
        # message arrives.
        engine = create_async_engine(settings.database_url)
        try:
            async with engine.connect() as connection:
                seen_in_database.append(
                    await connection.scalar(
                        select(Email.delivery_status).where(Email.subject == "Your interview")
                    )
                )
        finally:
            await engine.dispose()

    smtp.on_message = look_at_the_database
    body = "Hello Ada,\n\nSee you **Monday**.\n"

    async with client_for(mailer) as client:
        response = await client.post(
            EMAILS,
            json=example(
                target.reference,
                subject="Your interview",
                body=body,
                from_email="recruiting@example.com",
                to="ada@example.org",
                send_email="true",
                remote_file_urls=remote_files(
                    ("resume", remote.file("/resume.pdf", resume)),
                    ("office.png", remote.file("/office.png", photo)),
                ),
            ),
            headers=admin.headers,
        )
        listed = await _emails(client, admin, target)

    assert response.status_code == 201, response.text
    # Answered before the delivery, which runs once the email is committed.
    assert response.json()["delivery"] == {"status": "pending", "error": None, "sent_at": None}
    assert seen_in_database == ["pending"]
    [received] = smtp.received
    assert received.mail_from == "recruiting@example.com"
    assert received.rcpt_tos == ["ada@example.org"]
    message = received.message
    assert message["Subject"] == "Your interview"
    assert message["From"] == "recruiting@example.com"
    assert message["To"] == "ada@example.org"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().replace("\r\n", "\n") == body  # CRLF on the wire
    assert "<strong>Monday</strong>" in html.get_content()
    attachments = [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in message.iter_attachments()
    ]
    assert attachments == [("resume.pdf", PDF, resume), ("office.png", "image/png", photo)]
    [email] = listed
    delivery = email["delivery"]
    assert delivery["status"] == "sent"
    assert delivery["error"] is None
    assert parse_time(delivery["sent_at"]) >= parse_time(email["created_at"])


async def test_send_email_false_with_smtp_configured_only_records(
    mailer: FastAPI, admin: Actor, target: Target, smtp: SmtpServer
) -> None:
    async with client_for(mailer) as client:
        response = await client.post(
            EMAILS, json=example(target.reference, send_email=False), headers=admin.headers
        )
        listed = await _emails(client, admin, target)

    assert response.status_code == 201, response.text
    assert smtp.received == []
    assert [email["delivery"] for email in listed] == [NOT_REQUESTED]


async def test_smtp_server_refusing_the_message_is_recorded_as_failed(
    mailer: FastAPI, admin: Actor, target: Target, smtp: SmtpServer
) -> None:
    smtp.refuse = "550 5.7.1 Delivery not authorized"

    async with client_for(mailer) as client:
        response = await client.post(
            EMAILS, json=example(target.reference, send_email=True), headers=admin.headers
        )
        listed = await _emails(client, admin, target)

    assert response.status_code == 201, response.text
    assert smtp.received == []
    [email] = listed
    delivery = email["delivery"]
    assert delivery["status"] == "failed"
    assert delivery["sent_at"] is None
    assert "550" in delivery["error"]
    assert "Delivery not authorized" in delivery["error"]


async def test_smtp_server_that_cannot_be_reached_is_recorded_as_failed(
    apps: Apps, admin: Actor, target: Target
) -> None:
    unreachable = await apps.get(smtp_url=f"smtp://127.0.0.1:{free_port()}", smtp_timeout=5.0)

    async with client_for(unreachable) as client:
        response = await client.post(
            EMAILS, json=example(target.reference, send_email=True), headers=admin.headers
        )
        listed = await _emails(client, admin, target)

    assert response.status_code == 201, response.text
    [email] = listed
    delivery = email["delivery"]
    assert delivery["status"] == "failed"
    assert delivery["sent_at"] is None
    assert delivery["error"]


async def test_send_email_without_smtp_configured_is_refused_and_records_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    response = await client.post(
        EMAILS,
        json=example(
            target.reference,
            send_email="true",
            remote_file_urls=remote_files(("resume", remote.file("/resume.pdf", pdf()))),
        ),
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "send_email is not available: this server has no SMTP server configured (CANOPY_SMTP_URL)",
    )
    assert await email_counts(maker) == (0, 0)
    assert remote.requests == []


async def test_a_refused_email_is_not_sent(
    mailer: FastAPI, admin: Actor, target: Target, remote: RemoteServer, smtp: SmtpServer
) -> None:
    async with client_for(mailer) as client:
        response = await client.post(
            EMAILS,
            json=example(
                target.reference,
                send_email=True,
                remote_file_urls=remote_files(
                    ("a", remote.file("/a.pdf", pdf())), ("b", "http://10.0.0.1/b.pdf")
                ),
            ),
            headers=admin.headers,
        )

    assert response.status_code == 400, response.text
    assert smtp.received == []


async def test_send_email_with_s3_storage_attaches_the_stored_bytes(
    apps: Apps,
    s3_server: S3Server,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    smtp: SmtpServer,
) -> None:
    on_s3 = await apps.get(**s3_settings(s3_server), smtp_url=smtp.url, smtp_timeout=5.0)
    resume = pdf("on s3")

    async with client_for(on_s3) as client:
        response = await client.post(
            EMAILS,
            json=example(
                target.reference,
                send_email=True,
                remote_file_urls=remote_files(("resume", remote.file("/resume.pdf", resume))),
            ),
            headers=admin.headers,
        )
        listed = await _emails(client, admin, target)

    assert response.status_code == 201, response.text
    [received] = smtp.received
    assert [part.get_content() for part in received.message.iter_attachments()] == [resume]
    assert [email["delivery"]["status"] for email in listed] == ["sent"]
