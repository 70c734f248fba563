"""/metrics: Prometheus counters by route template, and the remote fetch counters."""

from __future__ import annotations

import httpx
from prometheus_client import REGISTRY

from tests.documents.helpers import DOCUMENTS, PDF, new_target, remote_files
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, pdf

JOB_TEMPLATE = "/api/v1/external/jobs/{reference}"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    before = sample("canopy_http_requests_total", method="GET", route=JOB_TEMPLATE, status="404")
    unmatched = sample("canopy_http_requests_total", method="GET", route="unmatched", status="404")

    for reference in ("no-such-job-1", "no-such-job-2"):
        response = await client.get(f"/api/v1/external/jobs/{reference}", headers=admin.headers)
        assert response.status_code == 404
    await client.get("/nowhere/at/all")
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "canopy_http_requests_total{" in text
    assert "canopy_http_request_duration_seconds_bucket{" in text
    assert f'route="{JOB_TEMPLATE}"' in text
    assert "no-such-job" not in text
    assert "/nowhere" not in text
    assert (
        sample("canopy_http_requests_total", method="GET", route=JOB_TEMPLATE, status="404")
        == before + 2
    )
    assert (
        sample("canopy_http_requests_total", method="GET", route="unmatched", status="404")
        == unmatched + 1
    )
    assert (
        sample("canopy_http_request_duration_seconds_count", method="GET", route=JOB_TEMPLATE) >= 2
    )


async def test_metrics_count_remote_fetches_by_outcome(
    client: httpx.AsyncClient, build: Builder, admin: Actor, remote: RemoteServer
) -> None:
    target = await new_target(client, build, admin)
    body = pdf()
    fine = remote.file("/fine.pdf", body, PDF)
    ok, refused = (
        sample("canopy_remote_fetches_total", outcome="ok"),
        sample("canopy_remote_fetches_total", outcome="refused"),
    )
    fetched = sample("canopy_remote_fetch_bytes_total")

    accepted = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(("a", fine)),
        },
        headers=admin.headers,
    )
    rejected = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(("b", remote.url("/missing.pdf"))),
        },
        headers=admin.headers,
    )

    assert accepted.status_code in (200, 201), accepted.text
    assert rejected.status_code == 400
    assert sample("canopy_remote_fetches_total", outcome="ok") == ok + 1
    assert sample("canopy_remote_fetches_total", outcome="refused") == refused + 1
    assert sample("canopy_remote_fetch_bytes_total") == fetched + len(body)
    text = (await client.get("/metrics")).text
    assert 'canopy_remote_fetches_total{outcome="ok"}' in text
    assert "canopy_remote_fetch_bytes_total" in text
