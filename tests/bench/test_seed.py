"""The bench's data set: rows as the API would have written them, counters right, and read back
by the real routes with the seeded tokens."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.seed import DataSet, seed
from canopy.config import Settings
from canopy.jobs.service import DEFAULT_STAGES
from canopy.models import Candidate, Job, Stage

pytestmark = pytest.mark.bench
API = "/api/v1/external"
DATA = DataSet(organizations=2, jobs=9, candidates=300)


async def _counts(session: AsyncSession, stmt: Select[tuple[int | None, int]]) -> dict[Any, int]:
    return {key: count for key, count in (await session.execute(stmt)).all()}


async def test_seed_writes_the_data_set_with_counters_that_match_the_rows(
    settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    seeded = await seed(settings, DATA)

    async with maker() as session:
        jobs = (await session.scalars(select(Job).order_by(Job.id))).all()
        stages = await session.scalar(select(func.count()).select_from(Stage))
        per_job = select(Candidate.job_id, func.count()).group_by(Candidate.job_id)
        per_stage = select(Candidate.stage_id, func.count()).group_by(Candidate.stage_id)
        by_job = await _counts(session, per_job)
        by_stage = await _counts(session, per_stage)
        stage_counts = await _counts(session, select(Stage.id, Stage.candidates_count))
    assert len(jobs) == DATA.jobs == len(seeded.jobs)
    assert [j.reference for j in jobs] == [j.reference for j in seeded.jobs]
    assert sum(j.is_default for j in jobs) == DATA.organizations
    assert stages == DATA.jobs * len(DEFAULT_STAGES)
    assert sum(by_job.values()) == DATA.candidates == seeded.candidate_count
    assert {j.id: j.candidates_count for j in jobs} == {j.id: by_job.get(j.id, 0) for j in jobs}
    assert stage_counts == {s: by_stage.get(s, 0) for s in stage_counts}
    assert len({(j.organization_id, j.slug) for j in jobs}) == len(jobs)


async def test_seeded_data_is_read_by_the_real_routes(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    seeded = await seed(settings, DATA)
    member = {"Authorization": f"Bearer {seeded.member_token}"}
    partner = {"Authorization": f"Bearer {seeded.partner_token}"}
    job = next(j for j in seeded.jobs if not j.is_default)
    candidate = seeded.candidates[0]

    jobs = await client.get(
        f"{API}/jobs",
        params={"organization_reference": job.organization_reference, "stages": "true"},
        headers=member,
    )
    retrieved = await client.get(
        f"{API}/jobs/{job.reference}", params={"candidates_count": "true"}, headers=member
    )
    listed = await client.get(
        f"{API}/candidates", params={"job_reference": job.reference}, headers=member
    )
    everything = await client.get(f"{API}/jobs/all", headers=partner)
    refused = await client.get(f"{API}/jobs/all", headers=member)
    embed = await client.get(
        "/api/v1/embed", params={"organization_reference": job.organization_reference}
    )
    owner = seeded.jobs[candidate.job]
    found = await client.get(
        f"{API}/candidates/{candidate.reference}", params={"stage": "true"}, headers=member
    )

    assert jobs.status_code == 200, jobs.text
    assert [s["id"] for s in jobs.json()[1]["stages"]] == list(seeded.jobs[1].stage_ids)
    assert retrieved.json()["candidates_count"] == int(listed.headers["x-total"]) > 0
    assert everything.headers["x-total"] == str(DATA.jobs)
    assert refused.status_code == 403
    assert embed.status_code == 200
    assert embed.json()["jobs"]
    assert found.status_code == 200, found.text
    assert found.json()["job_reference"] == owner.reference
    assert found.json()["stage"]["id"] in owner.stage_ids
