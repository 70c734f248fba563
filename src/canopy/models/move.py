from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canopy.models.base import Base, Timestamped
from canopy.models.job import Job
from canopy.models.organization import Organization
from canopy.models.stage import Stage

if TYPE_CHECKING:
    from canopy.models.candidate import Candidate


class Move(Timestamped, Base):
    """A candidate's move between stages or jobs (§7). A stage deleted later becomes null."""

    __tablename__ = "move"
    __table_args__ = (
        Index("ix_move_from_org", "from_organization_id", "created_at", "id"),
        Index("ix_move_to_org", "to_organization_id", "created_at", "id"),
        Index("ix_move_from_job", "from_job_id"),
        Index("ix_move_to_job", "to_job_id"),
        Index("ix_move_candidate", "candidate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    from_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    from_job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id", ondelete="SET NULL"))
    to_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    to_job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    to_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id", ondelete="SET NULL"))

    candidate: Mapped[Candidate] = relationship(lazy="raise")
    from_organization: Mapped[Organization] = relationship(
        lazy="raise", foreign_keys=[from_organization_id]
    )
    to_organization: Mapped[Organization] = relationship(
        lazy="raise", foreign_keys=[to_organization_id]
    )
    from_job: Mapped[Job] = relationship(lazy="raise", foreign_keys=[from_job_id])
    to_job: Mapped[Job] = relationship(lazy="raise", foreign_keys=[to_job_id])
    from_stage: Mapped[Stage | None] = relationship(lazy="raise", foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage | None] = relationship(lazy="raise", foreign_keys=[to_stage_id])
