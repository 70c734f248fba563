"""What ``canopy`` commands write (another process, outside the API) shows on the API's very
next read, even of a response it keeps in its cache (canopy.cache)."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.processes import Account, Canopy

pytestmark = pytest.mark.slow

EMBED = "/api/v1/embed"
JOBS = "/api/v1/external/jobs"


async def test_commands_show_on_the_next_cached_read(
    migrated: Canopy, member: Account, api: httpx.AsyncClient
) -> None:
    ref = member.organization_reference
    _, token = migrated.issue_token(member.email)
    headers = {"Authorization": f"Bearer {token}"}
    params = {"organization_reference": ref, "organization": "true"}
    for _ in range(2):  # rendered, then kept
        embed = await api.get(EMBED, params={"organization_reference": ref})
        jobs = await api.get(JOBS, params=params, headers=headers)
        assert embed.json()["name"] == "Acme"
        assert {job["organization"]["name"] for job in jobs.json()} == {"Acme"}
    tag = embed.headers["etag"]

    migrated.ok("org", "update", ref, "--name", "Renamed by the CLI")
    migrated.ok(
        "org", "website", "add", ref, "--reference", "wk-careers_acme",
        "--name", "Acme Careers", "--root-url", "https://acme.example",
    )  # fmt: skip

    embed = await api.get(
        EMBED, params={"organization_reference": ref}, headers={"If-None-Match": tag}
    )
    assert embed.status_code == 200
    assert embed.json()["name"] == "Renamed by the CLI"
    assert [w["reference"] for w in embed.json()["websites"]] == ["wk-careers_acme"]
    jobs = await api.get(JOBS, params=params, headers=headers)
    assert {job["organization"]["name"] for job in jobs.json()} == {"Renamed by the CLI"}
