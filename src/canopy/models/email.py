from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canopy.models.base import Base, Timestamped, UTCDateTime
from canopy.models.candidate import Candidate


class Delivery(enum.StrEnum):
    """What became of an email: only recorded, or handed to the SMTP server."""

    not_requested = "not_requested"
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Email(Timestamped, Base):
    __tablename__ = "email"
    __table_args__ = (
        Index("ix_email_candidate_created", "candidate_id", "created_at", "id"),
        Index("ix_email_delivery", "delivery_status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    creator_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    from_email: Mapped[str] = mapped_column(String(320))
    to: Mapped[str] = mapped_column(String(2000))
    origin: Mapped[str] = mapped_column(String(32), default="api")
    delivery_status: Mapped[Delivery] = mapped_column(
        Enum(Delivery, native_enum=False, length=16, validate_strings=True),
        default=Delivery.not_requested,
    )
    delivery_error: Mapped[str | None] = mapped_column(String(1000))
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    candidate: Mapped[Candidate] = relationship(lazy="raise")
    attachments: Mapped[list[EmailAttachment]] = relationship(
        lazy="raise", order_by="EmailAttachment.id", cascade="all, delete-orphan"
    )


class EmailAttachment(Base):
    __tablename__ = "email_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("email.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    object_key: Mapped[str] = mapped_column(String(255), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(255))
