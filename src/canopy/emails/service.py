"""Emails to candidates (§5.7): recorded, and delivered over SMTP after commit when asked.

The candidate is looked up in a transaction that only reads and ends before the remote
attachments are downloaded and stored; the writing transaction that follows checks the
candidate again and only inserts the email (§15.8)."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from canopy.auth import Principal
from canopy.candidates import service as candidates_service
from canopy.candidates.schemas import CandidateFlags
from canopy.config import PER_PAGE_LIMIT
from canopy.db import after_commit, reads_first
from canopy.emails import mail
from canopy.emails.schemas import AttachmentRead, DeliveryRead, EmailCreate, EmailRead
from canopy.errors import validation_failed
from canopy.files import service as files_service
from canopy.files.service import Files
from canopy.files.sniff import DOCUMENT_TYPES
from canopy.models import Candidate, Delivery, Email, EmailAttachment
from canopy.models.base import utcnow

logger = logging.getLogger("canopy.emails")
API_ORIGIN = "api"


def list_query(candidate: Candidate) -> Select[Email]:
    return (
        select(Email)
        .where(Email.candidate_id == candidate.id)
        # One IN query for the largest page allowed (SQLAlchemy splits by 500 otherwise).
        .options(selectinload(Email.attachments, chunksize=PER_PAGE_LIMIT))
        .order_by(Email.created_at, Email.id)
    )


def to_read(email: Email, candidate: Candidate, files: Files) -> EmailRead:
    return EmailRead(
        id=email.id,
        subject=email.subject,
        body=email.body,
        from_email=email.from_email,
        to=email.to,
        created_at=email.created_at,
        origin=email.origin,
        candidate_reference=candidate.reference,
        attachments=[
            AttachmentRead(
                filename=a.filename,
                file_url=files.url(a.object_key, a.filename, a.content_type, a.size),
                size=a.size,
                content_type=a.content_type,
            )
            for a in email.attachments
        ],
        delivery=DeliveryRead(
            status=email.delivery_status, error=email.delivery_error, sent_at=email.sent_at
        ),
    )


async def create(
    session: AsyncSession,
    files: Files,
    maker: async_sessionmaker[AsyncSession],
    principal: Principal,
    data: EmailCreate,
) -> tuple[Candidate, Email]:
    """Record an email to the candidate ``data`` names, with its remote attachments: all
    stored or none."""
    remote = data.remote_file_urls or []
    if remote:
        async with reads_first(session):
            candidate = await _candidate(session, principal, data)
    else:
        candidate = await _candidate(session, principal, data)
    settings = files.settings
    if data.send_email and not settings.smtp_url:
        raise validation_failed(
            "send_email is not available: this server has no SMTP server configured "
            "(CANOPY_SMTP_URL)"
        )
    if len(remote) > settings.max_files_per_request:
        raise validation_failed(
            f"remote_file_urls has {len(remote)} files; at most "
            f"{settings.max_files_per_request} are accepted per request"
        )
    stored: list[files_service.Stored] = []
    if remote:
        stored = await files_service.store_remote(
            session,
            files,
            [(item.filename, item.url) for item in remote],
            max_bytes=settings.max_document_bytes,
            allowed_types=DOCUMENT_TYPES,
            prefix="emails",
            label="remote_file_urls",
        )
        # Loaded again (and locked) in the writing transaction: the candidate may have been
        # deleted, or moved out of reach or to another organisation, during the download.
        candidate = await _candidate(session, principal, data, lock=True)
    email = Email(
        organization_id=candidate.organization_id,
        candidate_id=candidate.id,
        creator_user_id=principal.user_id,
        subject=data.subject,
        body=data.body,
        from_email=data.from_email,
        to=data.to,
        origin=API_ORIGIN,
        delivery_status=Delivery.pending if data.send_email else Delivery.not_requested,
        attachments=[
            EmailAttachment(
                filename=item.filename,
                object_key=item.key,
                size=item.size,
                content_type=item.content_type,
            )
            for item in stored
        ],
    )
    session.add(email)
    await session.flush()
    if data.send_email:
        # Delivered only once the email is committed; the outcome is recorded on it.
        after_commit(session, partial(deliver, files, maker, email.id))
    return candidate, email


async def _candidate(
    session: AsyncSession, principal: Principal, data: EmailCreate, *, lock: bool = False
) -> Candidate:
    return await candidates_service.get(
        session, principal, data.candidate_reference, CandidateFlags(), write=True, lock=lock
    )


async def deliver(files: Files, maker: async_sessionmaker[AsyncSession], email_id: int) -> None:
    """Send one pending email over SMTP and record what happened."""
    config = mail.SmtpConfig.from_url(files.settings.smtp_url, files.settings.smtp_timeout)
    async with maker() as session:
        email = await session.scalar(
            select(Email).where(Email.id == email_id).options(selectinload(Email.attachments))
        )
        if email is None or email.delivery_status is not Delivery.pending:
            return
        message = await mail.build_message(
            files.storage,
            subject=email.subject,
            body=email.body,
            from_email=email.from_email,
            to=email.to,
            attachments=[
                mail.Attachment(
                    files_service.download_name(a.filename, a.content_type),
                    a.object_key,
                    a.content_type,
                )
                for a in email.attachments
            ],
        )
    status, error = Delivery.sent, None
    sent_at: datetime | None = utcnow()
    try:
        await mail.send(config, message)
    except Exception as exc:  # every SMTP or network failure is recorded, none escapes
        logger.warning("email %s not delivered: %s", email_id, exc)
        status, error, sent_at = Delivery.failed, _describe(exc), None
    async with maker() as session:
        await session.execute(
            update(Email)
            .where(Email.id == email_id)
            .values(
                delivery_status=status,
                delivery_error=error,
                sent_at=sent_at,
                delivery_attempts=Email.delivery_attempts + 1,
            )
        )
        await session.commit()


def _describe(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:1000]
