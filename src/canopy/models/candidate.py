from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canopy.models.base import Base, Timestamped
from canopy.models.job import Job
from canopy.models.stage import Stage
from canopy.references import candidate_reference


class Candidate(Timestamped, Base):
    """A person in one job's pipeline."""

    __tablename__ = "candidate"
    __table_args__ = (
        Index("ix_candidate_job_created", "job_id", "created_at", "id"),
        Index("ix_candidate_job_stage", "job_id", "stage_id"),
        Index("ix_candidate_job_updated", "job_id", "updated_at"),
        Index("ix_candidate_creator", "creator_user_id", "job_id"),
        Index("ix_candidate_job_origin", "job_id", "origin"),
        Index("ix_candidate_job_referrer", "job_id", "referrer"),
        Index("ix_candidate_job_archived", "job_id", "archived", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True, default=candidate_reference)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id", ondelete="SET NULL"))
    creator_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    origin: Mapped[str] = mapped_column(String(200), default="external")
    referrer: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str] = mapped_column(String(320))
    firstname: Mapped[str] = mapped_column(String(200))
    lastname: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    subtitle: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(200))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    country_code: Mapped[str | None] = mapped_column(String(2))
    cover_letter: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    media: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    archived: Mapped[bool] = mapped_column(default=False)
    # Files downloaded from remote_*_url (§5.4), kept in the object store.
    resume_key: Mapped[str | None] = mapped_column(String(255))
    resume_size: Mapped[int | None] = mapped_column(BigInteger)
    resume_content_type: Mapped[str | None] = mapped_column(String(255))
    portfolio_key: Mapped[str | None] = mapped_column(String(255))
    portfolio_size: Mapped[int | None] = mapped_column(BigInteger)
    portfolio_content_type: Mapped[str | None] = mapped_column(String(255))
    avatar_key: Mapped[str | None] = mapped_column(String(255))
    avatar_size: Mapped[int | None] = mapped_column(BigInteger)
    avatar_content_type: Mapped[str | None] = mapped_column(String(255))

    job: Mapped[Job] = relationship(lazy="raise")
    stage: Mapped[Stage | None] = relationship(lazy="raise")


# Emails are matched case-insensitively (the ``email`` filter).
Index("ix_candidate_job_email_lower", Candidate.job_id, func.lower(Candidate.email))
