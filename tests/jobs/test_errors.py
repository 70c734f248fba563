"""Every error of the Jobs API has the contract's body and nothing else (§1.5, §15.2)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import ALL, JOBS

CODES = {
    400: "validation_failed",
    401: "unauthorized",
    403: "invalid_scope",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


async def test_every_error_of_the_jobs_api_is_error_and_error_description_only(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    theirs = await build.job(client, outsider)
    reader = await build.actor(["jobs_r"], organization=admin.organization)
    nobody = {"Authorization": "Bearer cnp_wrong"}
    url = f"{JOBS}/{job['reference']}"
    requests: list[tuple[int, str, str, dict[str, Any]]] = [
        (400, "GET", JOBS, {"headers": admin.headers}),
        (400, "HEAD", JOBS, {"headers": admin.headers}),
        (400, "GET", ALL, {"params": {"status": "gone"}, "headers": admin.headers}),
        (
            400,
            "POST",
            JOBS,
            {"json": {"organization_reference": admin.org}, "headers": admin.headers},
        ),
        (400, "PUT", url, {"json": {"name": None}, "headers": admin.headers}),
        (400, "PUT", f"{url}/update_status", {"json": {}, "headers": admin.headers}),
        (400, "GET", url, {"params": {"office": "sure"}, "headers": admin.headers}),
        (401, "GET", url, {}),
        (401, "GET", url, {"headers": nobody}),
        (
            401,
            "GET",
            JOBS,
            {"params": {"organization_reference": outsider.org}, "headers": reader.headers},
        ),
        (403, "GET", ALL, {"headers": reader.headers}),
        (403, "POST", JOBS, {"json": {}, "headers": reader.headers}),
        (404, "GET", f"{JOBS}/WTTJ_nothere", {"headers": admin.headers}),
        (404, "PUT", f"{JOBS}/{theirs['reference']}", {"json": {}, "headers": admin.headers}),
        (404, "GET", f"{url}/nothing/here", {"headers": admin.headers}),
        (405, "DELETE", url, {"headers": admin.headers}),
        (405, "PATCH", JOBS, {"headers": admin.headers}),
        (
            413,
            "POST",
            JOBS,
            {"content": b"{" + b" " * (2 * 1024 * 1024) + b"}", "headers": admin.headers},
        ),
        (
            415,
            "POST",
            JOBS,
            {"content": b"name=x", "headers": {**admin.headers, "Content-Type": "text/plain"}},
        ),
    ]

    for status, method, target, kwargs in requests:
        response = await client.request(method, target, **kwargs)

        case = (method, target, status)
        assert response.status_code == status, (case, response.text)
        assert response.headers["content-type"] == "application/json", case
        if method == "HEAD":
            assert response.content == b"", case
            continue
        body = response.json()
        assert set(body) == {"error", "error_description"}, case
        assert body["error"] == CODES[status], case
        assert isinstance(body["error_description"], str), case
        assert body["error_description"], case
