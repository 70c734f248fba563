from __future__ import annotations

from pydantic import BaseModel, Field

from canopy.params import Params
from canopy.render import Timestamp


class MoveListParams(Params):
    organization_reference: str = Field(description="An organisation involved (from and/or to)")
    job_reference: str | None = Field(
        default=None, max_length=64, description="A job involved (from and/or to)"
    )


class Ref(BaseModel):
    reference: str


class MoveStage(BaseModel):
    id: int
    name: str
    reference: str | None


class MoveSide(BaseModel):
    stage: MoveStage | None
    organization: Ref
    job: Ref


class MoveRead(BaseModel):
    candidate: Ref
    from_: MoveSide = Field(serialization_alias="from")
    to: MoveSide
    created_at: Timestamp
    updated_at: Timestamp
