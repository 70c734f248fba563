"""`canopy org image …` commands; `register(org_app)` adds them to `canopy org`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from canopy.clikit import JsonOption, emit, fail, load_settings, run
from canopy.db import commit, reads_first, run_rollback_hooks
from canopy.errors import ApiError
from canopy.models import Organization

if TYPE_CHECKING:
    from canopy.config import Settings
    from canopy.files.service import Files


@asynccontextmanager
async def cli_files(settings: Settings) -> AsyncIterator[Files]:
    """What ``create_app`` gives a request for file work (the object store, the safe
    downloader, the URL signer), for one command. Imported here, not at the top: every
    ``canopy`` command loads this module, and only the file commands need the HTTP client."""
    from canopy.files.fetch import Downloader, FetchPolicy
    from canopy.files.service import Files, storage_from_settings
    from canopy.files.urls import FileSigner

    storage = storage_from_settings(settings)
    temp_dir = settings.var_dir / "tmp"
    temp_dir.mkdir(parents=True, exist_ok=True)
    downloader = Downloader(FetchPolicy.from_settings(settings, temp_dir=temp_dir))
    signer = FileSigner(
        settings.resolved_secret_key(), settings.public_base_url, settings.file_url_ttl_seconds
    )
    try:
        yield Files(storage=storage, downloader=downloader, signer=signer, settings=settings)
    finally:
        await downloader.aclose()
        await storage.aclose()


@asynccontextmanager
async def committed(session: AsyncSession) -> AsyncIterator[None]:
    """Commit the command's work here, and on any failure (the commit's included) remove the
    objects it stored: ``clikit.run`` only commits."""
    try:
        yield
    except BaseException:
        await session.rollback()
        await run_rollback_hooks(session)
        raise
    await commit(session)


async def organization_by_reference(session: AsyncSession, reference: str) -> Organization:
    """The organisation, read in a transaction of its own that ends at once: a command's
    download or render that follows holds no lock (on SQLite, the whole database's write
    lock) that the server's requests would wait for."""
    from canopy.organizations import service as organizations_service

    async with reads_first(session):
        organization = await organizations_service.by_reference(session, reference)
    if organization is None:
        raise ApiError(404, f"no organisation with reference {reference}")
    return organization


def image_add(
    reference: Annotated[str, typer.Argument(metavar="REF", help="Organisation reference.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    description: Annotated[str | None, typer.Option(help="Description.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A local PNG, JPEG, GIF or WebP file.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="A remote image, fetched like the API does.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an image to an organisation, with its size variants."""
    from canopy.images import service
    from canopy.images.schemas import ImageCreate
    from canopy.params import validate

    if (file is None) == (url is None):
        raise fail("give exactly one of --file and --url")
    settings = load_settings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        data = validate(
            ImageCreate,
            {"organization_reference": reference, "name": name, "description": description},
        )
        organization = await organization_by_reference(session, reference)
        async with cli_files(settings) as files, committed(session):
            if file is not None:
                source = service.local_source(file, label="--file")
            else:
                assert url is not None
                source = service.remote_source(files, url, label="--url")
            async with source as checked:
                image = await service.create(
                    session,
                    files,
                    organization.id,
                    name=data.name,
                    description=data.description,
                    source=checked,
                )
        return {
            "id": image.id,
            "organization_reference": organization.reference,
            "name": image.name,
            "width": image.width,
            "height": image.height,
            "content_type": image.content_type,
        }

    data = run(work, settings)
    emit(
        as_json,
        data,
        f"image {data['id']} ({data['name']}, {data['width']}×{data['height']}) "
        f"added to {data['organization_reference']}",
    )


def register(org_app: typer.Typer) -> None:
    """Add ``image add`` under ``canopy org``."""
    image_app = typer.Typer(help="An organisation's images.", no_args_is_help=True)
    image_app.command("add")(image_add)
    org_app.add_typer(image_app, name="image")
