"""The tool catalogue (§6.6): listing, lookups by id or name, and its import from a file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from canopy import tenancy
from canopy.auth import Principal
from canopy.errors import describe_validation, validation_failed
from canopy.models import Organization, OrganizationTool, Tool, ToolCategory
from canopy.tools.schemas import Catalogue, ImportResult, ToolCategoryRead, ToolRead

# Reading an organisation's tools is reading the organisation.
SU_SCOPE = "su_organizations_r"


def _name_filter(name: str | None) -> Any:
    if not name or not name.strip():
        return None
    needle = name.strip().lower()
    return or_(
        func.lower(Tool.name).contains(needle, autoescape=True),
        func.lower(Tool.alternative_names).contains(needle, autoescape=True),
    )


def catalogue_query(name: str | None) -> Select[Tool]:
    """The catalogue, oldest first, ``name`` matching names and alternative names."""
    stmt = select(Tool).options(joinedload(Tool.category))
    condition = _name_filter(name)
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt.order_by(Tool.created_at, Tool.id)


def organization_query(
    principal: Principal, organization: Organization, name: str | None
) -> Select[OrganizationTool]:
    """The organisation's tools in the order they were set."""
    stmt = (
        tenancy.owned(OrganizationTool, principal, organization=organization, su_scope=SU_SCOPE)
        .join(Tool, Tool.id == OrganizationTool.tool_id)
        .options(joinedload(OrganizationTool.tool).joinedload(Tool.category))
    )
    condition = _name_filter(name)
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt.order_by(OrganizationTool.created_at, OrganizationTool.id)


def to_read(tool: Tool) -> ToolRead:
    category = tool.category
    return ToolRead(
        thumb_url=tool.thumb_url,
        tool_category=ToolCategoryRead(
            name=category.name, reference=category.reference, id=category.id
        ),
        alternative_names=tool.alternative_names,
        name=tool.name,
        id=tool.id,
    )


def to_organization_read(row: OrganizationTool) -> ToolRead:
    read = to_read(row.tool)
    read.percent = row.percent
    read.comment = row.comment
    return read


def render(rows: Sequence[Tool | OrganizationTool]) -> list[ToolRead]:
    return [
        to_organization_read(row) if isinstance(row, OrganizationTool) else to_read(row)
        for row in rows
    ]


async def organization_tools(session: AsyncSession, organization_id: int) -> list[ToolRead]:
    """Every tool of an organisation the caller was already allowed to reach: the admin command
    line (no principal) and the answer to a write."""
    rows = await session.scalars(
        select(OrganizationTool)
        .where(OrganizationTool.organization_id == organization_id)
        .options(joinedload(OrganizationTool.tool).joinedload(Tool.category))
        .order_by(OrganizationTool.created_at, OrganizationTool.id)
    )
    return [to_organization_read(row) for row in rows]


# -- lookups ---------------------------------------------------------------------------------


def _alternatives(tool: Tool) -> list[str]:
    return [part.strip().lower() for part in (tool.alternative_names or "").split(",")]


async def find(
    session: AsyncSession, *, ids: Sequence[int] = (), names: Sequence[str] = ()
) -> tuple[dict[int, Tool], dict[str, Tool]]:
    """Tools by id, and by name (case-insensitive; an alternative name also matches when no
    tool has that name). Keys of the name map are lowercased; unknown ones are missing."""
    by_id: dict[int, Tool] = {}
    wanted_ids = [i for i in ids if tenancy.is_id(i)]
    if wanted_ids:
        for tool in await session.scalars(select(Tool).where(Tool.id.in_(wanted_ids))):
            by_id[tool.id] = tool
    by_name: dict[str, Tool] = {}
    lowered = sorted({name.strip().lower() for name in names})
    if lowered:
        for tool in await session.scalars(select(Tool).where(func.lower(Tool.name).in_(lowered))):
            by_name[tool.name.lower()] = tool
        missing = [name for name in lowered if name not in by_name]
        if missing:
            # Alternative names are a comma list: the (small) catalogue is scanned once.
            for tool in await session.scalars(select(Tool).order_by(Tool.id)):
                for alternative in _alternatives(tool):
                    if alternative in missing and alternative not in by_name:
                        by_name[alternative] = tool
    return by_id, by_name


# -- the catalogue file ----------------------------------------------------------------------


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue in ``path``, or the one shipped with Canopy; 400 naming what is wrong."""
    where = str(path) if path is not None else "the shipped catalogue"
    try:
        if path is None:
            text = resources.files("canopy.tools").joinpath("data/tools.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise validation_failed(f"cannot read {where}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise validation_failed(f"{where} is not valid JSON: {exc}") from None
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(f"{where}: {describe_validation(exc.errors())}") from None


async def import_catalogue(session: AsyncSession, catalogue: Catalogue) -> ImportResult:
    """Upsert categories by reference and tools by name (case-insensitively): running it
    again changes nothing, and tools already in use keep their ids."""
    result = ImportResult()
    categories = {c.reference: c for c in await session.scalars(select(ToolCategory))}
    for item in catalogue.categories:
        category = categories.get(item.reference)
        if category is None:
            category = ToolCategory(reference=item.reference, name=item.name)
            session.add(category)
            categories[item.reference] = category
            result.categories_created += 1
        elif category.name != item.name:
            category.name = item.name
            result.categories_updated += 1
    await session.flush()
    tools = {t.name.lower(): t for t in await session.scalars(select(Tool))}
    for entry in catalogue.tools:
        category_id = categories[entry.category].id
        tool = tools.get(entry.name.lower())
        if tool is None:
            session.add(
                Tool(
                    name=entry.name,
                    alternative_names=entry.alternative_names,
                    thumb_url=entry.thumb_url,
                    tool_category_id=category_id,
                )
            )
            result.tools_created += 1
            continue
        wanted = (entry.name, entry.alternative_names, entry.thumb_url, category_id)
        if (tool.name, tool.alternative_names, tool.thumb_url, tool.tool_category_id) == wanted:
            result.tools_unchanged += 1
            continue
        tool.name, tool.alternative_names, tool.thumb_url, tool.tool_category_id = wanted
        result.tools_updated += 1
    await session.flush()
    return result
