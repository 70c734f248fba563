"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from canopy import __version__, rawdb, render
from canopy import openapi as openapi_document
from canopy.api import ROUTERS
from canopy.cache import ResponseCache
from canopy.config import Settings, get_settings
from canopy.db import create_engine, create_sessionmaker
from canopy.errors import install_handlers
from canopy.files.fetch import Downloader, FetchPolicy
from canopy.files.service import Files, storage_from_settings
from canopy.files.urls import FileSigner
from canopy.limits import service as limits
from canopy.middleware import RequestContextMiddleware
from canopy.ops.logs import configure_logging

DESCRIPTION = """\
Canopy's HTTP API is wire-compatible with the Welcome to the Jungle Solutions API: an integration
written against the public WTTJ documentation works by changing only the base URL and the token.

Authenticate with `Authorization: Bearer <token>` or `?access_token=<token>`. Parameters may come
from the query string, a JSON body or a form body. Errors are `{"error", "error_description"}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    render.set_timezone(settings.tz)
    configure_logging(settings.log_format, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.write_sessionmaker = create_sessionmaker(engine, write=True)
        app.state.raw_reader = rawdb.open_reader(engine, settings.database_lookup_pool_size)
        app.state.response_cache = ResponseCache(settings.response_cache_bytes)
        storage = storage_from_settings(settings)
        temp_dir = settings.var_dir / "tmp"
        temp_dir.mkdir(parents=True, exist_ok=True)
        downloader = Downloader(FetchPolicy.from_settings(settings, temp_dir=temp_dir))
        app.state.storage = storage
        app.state.file_signer = FileSigner(
            app.state.secret_key, settings.public_base_url, settings.file_url_ttl_seconds
        )
        app.state.files = Files(
            storage=storage, downloader=downloader, signer=app.state.file_signer, settings=settings
        )
        app.state.limits = await limits.Limits.open(settings, temp_dir)
        try:
            yield
        finally:
            await app.state.limits.aclose()
            await downloader.aclose()
            await storage.aclose()
            await app.state.raw_reader.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Canopy API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.secret_key = settings.resolved_secret_key()
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    limits.install(app)  # inside the request middleware, added next
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_request_bytes)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document.build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
