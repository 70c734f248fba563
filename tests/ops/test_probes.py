"""/healthz and /readyz: liveness without dependencies, readiness of the database and storage."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.fixtures.apps import Apps, client_for
from tests.fixtures.assertions import error


async def test_healthz_answers_ok_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_storage_ready(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "storage": "ok"},
    }


async def test_readyz_answers_503_naming_the_missing_storage(
    apps: Apps, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "files"
    app = await apps.get(storage_url=f"file://{folder.as_posix()}")
    shutil.rmtree(folder)  # an unmounted volume: the app created it, then it went away

    async with client_for(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body == {
        **error("service_unavailable", "Not ready: storage unavailable"),
        "checks": {"database": "ok", "storage": "unavailable"},
    }
    assert str(folder) not in response.text  # why is logged, not shown
    assert any(str(folder) in record.getMessage() for record in caplog.records)


async def test_probes_are_tagged_operations_in_openapi(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    for path in ("/healthz", "/readyz", "/metrics"):
        assert paths[path]["get"]["tags"] == ["Operations"], path
