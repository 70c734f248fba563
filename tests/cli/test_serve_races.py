"""Races between two `canopy serve` workers on one database: the uniqueness rules hold when
the requests that test them arrive at the same time on different processes."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.fixtures.processes import Canopy, serve

pytestmark = pytest.mark.slow

JOBS = "/api/v1/external/jobs"
RACERS = 10


async def test_racing_creates_with_one_external_reference_make_exactly_one_job(
    migrated: Canopy,
) -> None:
    account = migrated.seed()
    _, token = migrated.issue_token(account.email, ["jobs_rw", "offices_rw"])
    auth = {"Authorization": f"Bearer {token}"}
    with serve(migrated, workers=2) as server:
        limits = httpx.Limits(max_connections=RACERS, max_keepalive_connections=0)
        async with httpx.AsyncClient(
            base_url=server.url, headers=auth, limits=limits, timeout=30
        ) as client:
            office = await client.post(
                "/api/v1/external/offices",
                json={"organization_reference": account.organization_reference,
                      "name": "Paris", "city": "Paris", "country_code": "FR"},
            )  # fmt: skip
            assert office.status_code == 201, office.text
            body = {
                "organization_reference": account.organization_reference,
                "name": "Backend Engineer",
                "description": "Build Canopy.",
                "profile": "Curious.",
                "contract_type": "FULL_TIME",
                "language": "en",
                "office_id": office.json()["id"],
                "external_reference": "ATS-42",
            }
            responses = await asyncio.wait_for(
                asyncio.gather(*(client.post(JOBS, json=body) for _ in range(RACERS))),
                timeout=60,
            )
        assert server.stop() == 0, server.output()

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 400: RACERS - 1}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {
                "error": "validation_failed",
                "error_description": "external_reference has already been taken",
            }
    rows = [row for row in migrated.rows("job") if row["external_reference"] == "ATS-42"]
    assert len(rows) == 1
    assert "Traceback" not in server.output(), server.output()
