from __future__ import annotations

from pydantic import BaseModel

from canopy.models import Role
from canopy.params import Params


class CurrentUserParams(Params):
    organizations: bool = False


class MembershipRead(BaseModel):
    reference: str
    name: str
    slug: str
    role: Role


class CurrentUserRead(BaseModel):
    display_name: str
    avatar_url: str | None
    email: str
    organizations: list[MembershipRead] | None = None
