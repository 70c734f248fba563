from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canopy.models.base import Base, Timestamped, UTCDateTime
from canopy.models.department import Department
from canopy.models.office import Office
from canopy.models.organization import Organization
from canopy.references import job_reference

if TYPE_CHECKING:
    from canopy.models.stage import Stage


class JobStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


class Job(Timestamped, Base):
    __tablename__ = "job"
    __table_args__ = (
        UniqueConstraint("organization_id", "external_reference"),
        UniqueConstraint("organization_id", "slug"),
        Index("ix_job_org_created", "organization_id", "created_at", "id"),
        Index("ix_job_org_status", "organization_id", "status"),
        Index("ix_job_created", "created_at", "id"),
        Index("ix_job_updated", "updated_at"),
        Index("ix_job_published", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(16), unique=True, default=job_reference)
    external_reference: Mapped[str | None] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    is_default: Mapped[bool] = mapped_column(default=False)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=16, validate_strings=True),
        default=JobStatus.draft,
    )
    name: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    company_description: Mapped[str | None] = mapped_column(Text)
    recruitment_process: Mapped[str | None] = mapped_column(Text)
    apply_url: Mapped[str | None] = mapped_column(String(2000))
    contract_type: Mapped[str] = mapped_column(String(32))
    contract_duration_min: Mapped[int | None] = mapped_column(Integer)
    contract_duration_max: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    education_level: Mapped[str | None] = mapped_column(String(32))
    experience_level: Mapped[str | None] = mapped_column(String(32))
    profession_reference: Mapped[str | None] = mapped_column(String(100))
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    salary_currency: Mapped[str | None] = mapped_column(String(3))
    salary_period: Mapped[str | None] = mapped_column(String(16))
    remote: Mapped[str | None] = mapped_column(String(16))
    start_date: Mapped[date | None] = mapped_column(Date)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("office.id", ondelete="SET NULL"), index=True
    )
    application_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Kept in step with the candidate rows by database triggers (see the migration that adds
    # this column), whatever writes them, so that counting a job's candidates never scans them.
    candidates_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="raise")
    department: Mapped[Department | None] = relationship(lazy="raise")
    office: Mapped[Office | None] = relationship(lazy="raise")
    stages: Mapped[list[Stage]] = relationship(
        lazy="raise", order_by="Stage.position", back_populates="job"
    )
    websites: Mapped[list[JobWebsite]] = relationship(
        lazy="raise", order_by="JobWebsite.position", cascade="all, delete-orphan"
    )
    offices: Mapped[list[JobOffice]] = relationship(
        lazy="raise", order_by="JobOffice.position", cascade="all, delete-orphan"
    )


class JobWebsite(Base):
    """A site the job is published on (``cms_sites_references``)."""

    __tablename__ = "job_website"
    __table_args__ = (
        UniqueConstraint("job_id", "reference"),
        Index("ix_job_website_reference", "reference", "job_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)


class JobOffice(Base):
    """The offices of a multi-office job; the first one is the job's ``office_id``."""

    __tablename__ = "job_office"
    __table_args__ = (UniqueConstraint("job_id", "office_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    office: Mapped[Office] = relationship(lazy="raise")
