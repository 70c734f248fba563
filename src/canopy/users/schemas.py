from __future__ import annotations

from pydantic import BaseModel, Field

from canopy.models import JobStatus, Role
from canopy.params import Params


class CurrentUserParams(Params):
    """Each inclusion needs a scope; without it the block is left out (never a 403)."""

    organizations: bool = Field(
        default=False, description="Add the user's organisations (needs organizations_r)"
    )
    jobs: bool = Field(default=False, description="Add their jobs (needs jobs_r)")
    stages: bool = Field(default=False, description="Add each job's stages (needs jobs_r)")


class StageRead(BaseModel):
    id: int
    name: str
    reference: str | None
    visible: bool


class UserJobRead(BaseModel):
    reference: str
    name: str
    status: JobStatus
    organization_reference: str
    stages: list[StageRead] | None = None


class MembershipRead(BaseModel):
    reference: str
    name: str
    slug: str
    role: Role
    jobs: list[UserJobRead] | None = None


class CurrentUserRead(BaseModel):
    """§15.9: with ``organizations=true`` the user's organisations (each with its ``jobs`` when
    ``jobs=true``); ``jobs=true`` alone lists the jobs at the top level."""

    display_name: str
    avatar_url: str | None
    email: str
    organizations: list[MembershipRead] | None = None
    jobs: list[UserJobRead] | None = None
