"""`canopy org video …` commands; `register(org_app)` adds them to `canopy org`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from canopy.clikit import JsonOption, emit, load_settings, run
from canopy.images.commands import cli_files, committed, organization_by_reference


def video_add(
    reference: Annotated[str, typer.Argument(metavar="REF", help="Organisation reference.")],
    source: Annotated[str, typer.Option(help="youtube, dailymotion or 360player.")],
    name: Annotated[str, typer.Option(help="Title.")],
    url: Annotated[
        str | None, typer.Option(help="The video's page (YouTube/Dailymotion: gives the id).")
    ] = None,
    external_reference: Annotated[
        str | None,
        typer.Option(help="The provider's video id (YouTube/Dailymotion: gives the URL)."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="Description.")] = None,
    subtitle: Annotated[str | None, typer.Option(help="Subtitle.")] = None,
    image_url: Annotated[
        str | None, typer.Option(help="A thumbnail, fetched like the API does.")
    ] = None,
    details: Annotated[
        str | None, typer.Option(help="The provider's payload, a JSON object (64 KB at most).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a video to an organisation."""
    from canopy.params import validate
    from canopy.videos import service
    from canopy.videos.schemas import VideoCreate

    settings = load_settings()
    params = {
        "organization_reference": reference,
        "source": source,
        "url": url,
        "external_reference": external_reference,
        "name": name,
        "description": description,
        "subtitle": subtitle,
        "details": details,
        "remote_image_url": image_url,
    }

    async def work(session: AsyncSession) -> dict[str, Any]:
        data = validate(VideoCreate, {k: v for k, v in params.items() if v is not None})
        organization = await organization_by_reference(session, reference)
        async with cli_files(settings) as files, committed(session):
            video, image = await service.create(session, files, organization, data)
        return {
            "id": video.id,
            "organization_reference": organization.reference,
            "source": video.source,
            "external_reference": video.external_reference,
            "url": video.url,
            "image_id": image.id if image is not None else None,
        }

    data = run(work, settings)
    emit(
        as_json,
        data,
        f"video {data['id']} ({data['source']} {data['external_reference']}) "
        f"added to {data['organization_reference']}",
    )


def register(org_app: typer.Typer) -> None:
    """Add ``video add`` under ``canopy org``."""
    video_app = typer.Typer(help="An organisation's videos.", no_args_is_help=True)
    video_app.command("add")(video_add)
    org_app.add_typer(video_app, name="video")
