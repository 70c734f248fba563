"""The tool catalogue file and its import: validated, and an idempotent upsert by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.errors import ApiError
from canopy.models import Tool, ToolCategory
from canopy.tools import service


def test_the_shipped_catalogue_is_valid_and_holds_the_contract_examples() -> None:
    catalogue = service.load_catalogue()

    assert len(catalogue.tools) >= 60
    by_name = {tool.name: tool for tool in catalogue.tools}
    categories = {c.reference: c.name for c in catalogue.categories}
    assert by_name["Amazon Cloudfront"].alternative_names == "Aws Cloudfront, Cloudfront"
    assert by_name["Amazon Cloudfront"].category == "pm"
    assert by_name["Javascript"].alternative_names == "JS"
    assert by_name["Javascript"].category == "frontend"
    assert categories["pm"] == "Product Management"
    assert categories["frontend"] == "Front"
    for reference in ("monitoring", "data", "ide", "backend", "devops", "design"):
        assert reference in categories


async def test_import_twice_changes_nothing_and_keeps_ids(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    catalogue = service.load_catalogue()
    async with maker() as session:
        first = await service.import_catalogue(session, catalogue)
        await session.commit()
        ids = dict((await session.execute(select(Tool.name, Tool.id))).all())
    async with maker() as session:
        second = await service.import_catalogue(session, catalogue)
        await session.commit()
        again = dict((await session.execute(select(Tool.name, Tool.id))).all())

    assert first.tools_created == len(catalogue.tools)
    assert first.categories_created == len(catalogue.categories)
    assert second.model_dump() == {
        "categories_created": 0,
        "categories_updated": 0,
        "tools_created": 0,
        "tools_updated": 0,
        "tools_unchanged": len(catalogue.tools),
    }
    assert again == ids


async def test_import_updates_by_name_case_insensitively(
    maker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    path = tmp_path / "tools.json"
    path.write_text(
        json.dumps(
            {
                "categories": [{"reference": "data", "name": "Data"}],
                "tools": [{"name": "postgres", "category": "data"}],
            }
        )
    )
    async with maker() as session:
        await service.import_catalogue(session, service.load_catalogue(path))
        await session.commit()
    path.write_text(
        json.dumps(
            {
                "categories": [{"reference": "data", "name": "Databases"}],
                "tools": [
                    {
                        "name": "Postgres",
                        "alternative_names": "PostgreSQL, PG",
                        "thumb_url": "https://cdn.test/pg.png",
                        "category": "data",
                    }
                ],
            }
        )
    )
    async with maker() as session:
        result = await service.import_catalogue(session, service.load_catalogue(path))
        await session.commit()
        tools = (await session.scalars(select(Tool))).all()
        category_name = await session.scalar(select(ToolCategory.name))
        count = await session.scalar(select(func.count()).select_from(Tool))

    assert (result.tools_updated, result.categories_updated) == (1, 1)
    assert count == 1
    (tool,) = tools
    assert (tool.name, tool.alternative_names, tool.thumb_url) == (
        "Postgres",
        "PostgreSQL, PG",
        "https://cdn.test/pg.png",
    )
    assert category_name == "Databases"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not valid JSON"),
        ('{"categories": [], "tools": [{"name": "X", "category": "nope"}]}', "unknown category"),
        (
            '{"categories": [{"reference": "a", "name": "A"}], "tools": ['
            '{"name": "X", "category": "a"}, {"name": "x", "category": "a"}]}',
            "a tool name appears twice",
        ),
        ('{"categories": [{"reference": "Bad Ref", "name": "A"}], "tools": []}', "reference"),
        (
            '{"categories": [{"reference": "a", "name": "A"}], "tools": ['
            '{"name": "X", "category": "a", "thumb_url": "file:///etc/passwd"}]}',
            "thumb_url",
        ),
        ('{"categories": [], "tools": [], "extra": 1}', "extra"),
    ],
)
def test_a_bad_catalogue_file_is_refused_with_a_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "tools.json"
    path.write_text(content)
    with pytest.raises(ApiError) as raised:
        service.load_catalogue(path)
    assert raised.value.status == 400
    assert str(path) in raised.value.description
    assert message in raised.value.description


def test_a_missing_catalogue_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ApiError, match="cannot read"):
        service.load_catalogue(tmp_path / "missing.json")
