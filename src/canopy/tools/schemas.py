from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from canopy.organizations.schemas import http_url
from canopy.params import Params

CATEGORY_REFERENCE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class ToolListParams(Params):
    name: str | None = Field(
        default=None, max_length=200, description="Part of a tool's name or alternative names"
    )
    organization_reference: str | None = Field(
        default=None, max_length=64, description="List this organisation's tools instead"
    )

    @field_validator("name", "organization_reference")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class ToolCategoryRead(BaseModel):
    name: str
    reference: str
    id: int


class ToolRead(BaseModel):
    """§6.6; ``percent`` and ``comment`` only in an organisation's list."""

    thumb_url: str | None
    tool_category: ToolCategoryRead
    alternative_names: str | None
    name: str
    id: int
    percent: float | None = None
    comment: str | None = None


# -- the catalogue file (`canopy tools import`) ------------------------------------------------


class CatalogueCategory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)

    @field_validator("reference")
    @classmethod
    def _reference(cls, value: str) -> str:
        if not CATEGORY_REFERENCE.match(value):
            raise ValueError("may contain only lowercase letters, digits, '-' and '_'")
        return value


class CatalogueTool(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    alternative_names: str | None = Field(default=None, max_length=1000)
    thumb_url: str | None = None
    category: str

    @field_validator("thumb_url")
    @classmethod
    def _thumb_url(cls, value: str | None) -> str | None:
        return http_url(value)


class Catalogue(BaseModel):
    """``{"categories": [{reference, name}], "tools": [{name, alternative_names, thumb_url,
    category}]}``; every tool names a category of the file."""

    model_config = ConfigDict(extra="forbid")

    categories: list[CatalogueCategory]
    tools: list[CatalogueTool]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        references = [c.reference for c in self.categories]
        if len(set(references)) != len(references):
            raise ValueError("a category reference appears twice")
        names = [t.name.casefold() for t in self.tools]
        if len(set(names)) != len(names):
            raise ValueError("a tool name appears twice")
        known = set(references)
        for tool in self.tools:
            if tool.category not in known:
                raise ValueError(f"tool {tool.name!r} names unknown category {tool.category!r}")
        return self


class ImportResult(BaseModel):
    categories_created: int = 0
    categories_updated: int = 0
    tools_created: int = 0
    tools_updated: int = 0
    tools_unchanged: int = 0
