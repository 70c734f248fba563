"""`canopy articles …` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import render
from canopy.clikit import JsonOption, emit, fail, load_settings, run
from canopy.errors import ApiError

app = typer.Typer(help="Articles.", no_args_is_help=True)


@app.command("import")
def import_articles(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help='A .json file (an array, or an object with an "articles" array), a .md file '
            "with front matter, or a folder of .md files.",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Create or update articles (by reference, else by slug); all or nothing."""
    from canopy.articles import service

    settings = load_settings()
    # A naive published_at is in the configured zone, as the API's filters read it.
    render.set_timezone(settings.tz)
    try:
        drafts = service.read(file)
    except ApiError as exc:
        raise fail(exc.description) from None

    async def work(session: AsyncSession) -> dict[str, Any]:
        result = await service.import_articles(session, drafts)
        return {**result.counts(), "articles": result.articles}

    data = run(work, settings)
    emit(
        as_json,
        data,
        f"articles: {data['created']} created, {data['updated']} updated, "
        f"{data['unchanged']} unchanged",
    )
