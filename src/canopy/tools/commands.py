"""`canopy tools …` commands: the tool catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from canopy.clikit import JsonOption, emit, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

app = typer.Typer(help="The tool catalogue.", no_args_is_help=True)


@app.command("import")
def tools_import(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[FILE]", help="A catalogue JSON file (default: the one shipped with Canopy)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Load a tool catalogue: categories by reference and tools by name are created or updated,
    so importing twice changes nothing."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        from canopy.tools import service

        catalogue = service.load_catalogue(file)
        result = await service.import_catalogue(session, catalogue)
        return result.model_dump()

    data = run(work)
    emit(
        as_json,
        data,
        f"tools: {data['tools_created']} created, {data['tools_updated']} updated, "
        f"{data['tools_unchanged']} unchanged; categories: {data['categories_created']} created, "
        f"{data['categories_updated']} updated",
    )
