"""Structured logs: one JSON access line per request, and the 500 line, with the request id."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from canopy.config import Settings
from canopy.main import create_app
from canopy.ops.logs import JsonFormatter
from tests.fixtures.builders import Actor

JOB_TEMPLATE = "/api/v1/external/jobs/{reference}"


async def test_access_log_is_json_with_request_id_and_route_template(
    client: httpx.AsyncClient, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="canopy.access"):
        response = await client.get(
            "/api/v1/external/jobs/no-such-job",
            headers={**admin.headers, "X-Request-Id": "access-7"},
        )

    records = [r for r in caplog.records if r.name == "canopy.access"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["logger"] == "canopy.access"
    assert entry["level"] == "INFO"
    assert entry["request_id"] == "access-7" == response.headers["x-request-id"]
    assert entry["method"] == "GET"
    assert entry["route"] == JOB_TEMPLATE
    assert entry["path"] == "/api/v1/external/jobs/no-such-job"
    assert entry["status"] == 404
    assert isinstance(entry["duration_ms"], float)
    assert entry["duration_ms"] >= 0


async def test_access_log_names_unknown_paths_unmatched(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="canopy.access"):
        await client.get("/no/such/path")

    (record,) = [r for r in caplog.records if r.name == "canopy.access"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["route"] == "unmatched"
    assert entry["status"] == 404


async def test_unhandled_error_log_is_json_with_request_id(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("boom for the log")

    app.add_api_route("/api/v1/external/explode", explode, methods=["GET"])
    with caplog.at_level(logging.INFO):
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                response = await c.get(
                    "/api/v1/external/explode", headers={"X-Request-Id": "boom-1"}
                )

    assert response.status_code == 500
    (failure,) = [r for r in caplog.records if r.name == "canopy.request"]
    entry = json.loads(JsonFormatter().format(failure))
    assert entry["level"] == "ERROR"
    assert entry["request_id"] == "boom-1"
    assert entry["path"] == "/api/v1/external/explode"
    assert "RuntimeError: boom for the log" in entry["exception"]
    (access,) = [r for r in caplog.records if r.name == "canopy.access"]
    access_entry = json.loads(JsonFormatter().format(access))
    assert access_entry["request_id"] == "boom-1"
    assert access_entry["status"] == 500
    assert access_entry["route"] == "/api/v1/external/explode"


def test_log_format_setting_defaults_to_json_and_accepts_text() -> None:
    assert Settings().log_format == "json"
    assert Settings(log_format="text").log_format == "text"
    with pytest.raises(ValueError, match="log_format"):
        Settings(log_format="xml")  # type: ignore[arg-type]
