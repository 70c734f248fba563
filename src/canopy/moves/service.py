"""Moves (§7): where candidates went, stage to stage and job to job."""

from __future__ import annotations

from sqlalchemy import Select, or_
from sqlalchemy.orm import joinedload

from canopy import tenancy
from canopy.auth import Principal
from canopy.models import Job, Move, Organization, Stage
from canopy.moves.schemas import MoveRead, MoveSide, MoveStage, Ref


def list_query(principal: Principal, organization: Organization, job: Job | None) -> Select[Move]:
    stmt = tenancy.moves(principal).where(
        or_(
            Move.from_organization_id == organization.id,
            Move.to_organization_id == organization.id,
        )
    )
    if job is not None:
        stmt = stmt.where(or_(Move.from_job_id == job.id, Move.to_job_id == job.id))
    return stmt.options(
        joinedload(Move.candidate),
        joinedload(Move.from_organization),
        joinedload(Move.to_organization),
        joinedload(Move.from_job),
        joinedload(Move.to_job),
        joinedload(Move.from_stage),
        joinedload(Move.to_stage),
    ).order_by(Move.created_at, Move.id)


def _side(organization: Organization, job: Job, stage: Stage | None) -> MoveSide:
    return MoveSide(
        stage=MoveStage(id=stage.id, name=stage.name, reference=stage.reference)
        if stage is not None
        else None,
        organization=Ref(reference=organization.reference),
        job=Ref(reference=job.reference),
    )


def to_read(move: Move) -> MoveRead:
    return MoveRead(
        candidate=Ref(reference=move.candidate.reference),
        from_=_side(move.from_organization, move.from_job, move.from_stage),
        to=_side(move.to_organization, move.to_job, move.to_stage),
        created_at=move.created_at,
        updated_at=move.updated_at,
    )
