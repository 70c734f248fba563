"""The documents suite runs on both databases; the tests that take `files_app` also run on
both storage adapters: the local folder (the suite's own app) and S3 on the moto server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.documents.helpers import Target, new_target
from tests.fixtures.apps import Apps, client_for, s3_settings
from tests.fixtures.builders import Actor, Builder

STORAGES = ("local", "s3")


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings that choose the storage adapter (none: the local folder)."""
    if request.param == "local":
        return {}
    return s3_settings(request.getfixturevalue("s3_server"))


@pytest.fixture
async def files_app(apps: Apps, storage: dict[str, str]) -> FastAPI:
    return await apps.get(**storage)


@pytest.fixture
async def files_client(files_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(files_app) as client:
        yield client


@pytest.fixture
async def target(client: httpx.AsyncClient, admin: Actor, build: Builder) -> Target:
    """A candidate of `admin`'s, in a new job."""
    return await new_target(client, build, admin)
