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
            help='A .json file (an array of articles, or an object with "articles", '
            '"cms_collection_categories" and "cms_collections" arrays), a .md file with front '
            "matter, or a folder of .md files.",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Create or update articles (by reference, else by slug), collections and categories (by
    id); all or nothing."""
    from canopy.articles import service

    settings = load_settings()
    # A naive published_at is in the configured zone, as the API's filters read it.
    render.set_timezone(settings.tz)
    try:
        batch = service.read(file)
    except ApiError as exc:
        raise fail(exc.description) from None

    async def work(session: AsyncSession) -> dict[str, Any]:
        result = await service.import_batch(session, batch)
        # The top-level counts stay the articles' (as before collections could come along).
        return {
            **result.articles.counts(),
            "articles": result.articles.articles,
            "cms_collection_categories": result.categories.summary(),
            "cms_collections": result.collections.summary(),
        }

    data = run(work, settings)
    lines = [f"articles: {_counts(data)}"]
    if batch.editorial:
        lines.append(f"collection categories: {_counts(data['cms_collection_categories'])}")
        lines.append(f"collections: {_counts(data['cms_collections'])}")
    emit(as_json, data, "\n".join(lines))


def _counts(data: dict[str, Any]) -> str:
    return f"{data['created']} created, {data['updated']} updated, {data['unchanged']} unchanged"
