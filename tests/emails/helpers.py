"""What the emails tests share: the path, the Email object's keys, an email of the contract's
example, and counts taken in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Email, EmailAttachment

EMAILS = "/api/v1/external/emails"

# §5.7's Email object, plus Canopy's `delivery`: these keys and no other.
EMAIL_KEYS = frozenset(
    {
        "id",
        "subject",
        "body",
        "from_email",
        "to",
        "created_at",
        "origin",
        "candidate_reference",
        "attachments",
        "delivery",
    }
)
ATTACHMENT_KEYS = frozenset({"filename", "file_url", "size", "content_type"})
NOT_REQUESTED = {"status": "not_requested", "error": None, "sent_at": None}


def example(candidate_reference: str, **fields: Any) -> dict[str, Any]:
    """The parameters of §5.7's example email, with `fields` on top."""
    return {
        "candidate_reference": candidate_reference,
        "subject": "Greetings",
        "body": "Email body",
        "from_email": "test@example.com",
        "to": "example@test.com",
        **fields,
    }


async def email_counts(maker: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """How many emails and attachments the database holds."""
    async with maker() as session:
        return (
            await session.scalar(select(func.count()).select_from(Email)) or 0,
            await session.scalar(select(func.count()).select_from(EmailAttachment)) or 0,
        )
