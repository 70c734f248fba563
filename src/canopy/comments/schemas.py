from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from canopy.params import Params


class CommentCreate(Params):
    candidate_reference: str = Field(max_length=64)
    content: str = Field(min_length=1, max_length=20_000)


class CommentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    content: str
    raw_content: str
