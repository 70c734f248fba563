from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from canopy.params import Params
from canopy.slugs import MAX_SLUG, SLUG_PATTERN


def _check_slug(value: str | None) -> str | None:
    if value is not None and not SLUG_PATTERN.match(value):
        raise ValueError("may contain only lowercase letters, digits and single dashes")
    return value


class DepartmentListParams(Params):
    organization_reference: str = Field(description="Reference of the organisation")


class DepartmentCreate(Params):
    organization_reference: str
    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=MAX_SLUG)
    is_active: bool = True
    description: str | None = Field(default=None, max_length=10_000)

    _slug = field_validator("slug")(_check_slug)


class DepartmentUpdate(Params):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=MAX_SLUG)
    is_active: bool | None = None
    description: str | None = Field(default=None, max_length=10_000)

    _slug = field_validator("slug")(_check_slug)


class DepartmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    is_active: bool
    slug: str
    description: str | None
