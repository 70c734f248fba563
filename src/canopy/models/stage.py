from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canopy.models.base import Base, Timestamped

if TYPE_CHECKING:
    from canopy.models.job import Job


class Stage(Timestamped, Base):
    """A column of a job's pipeline."""

    __tablename__ = "stage"
    __table_args__ = (Index("ix_stage_job_position", "job_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(64))
    visible: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    candidates_count: Mapped[int] = mapped_column(default=0, server_default="0")

    job: Mapped[Job] = relationship(lazy="raise", back_populates="stages")
