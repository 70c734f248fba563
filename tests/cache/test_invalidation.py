"""Every write that changes what a cached read shows is seen by the very next read: through the
API, straight to the database (ORM or Core), or through another app on the same database.
Before each write, the reads are checked to come from the cache, so that a stale entry would
be caught."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Job, Stage
from tests.cache.helpers import (
    DEPARTMENTS,
    OFFICES,
    ORGANIZATIONS,
    Reads,
    ok,
    statements,
)
from tests.embed.helpers import add_website
from tests.fixtures.apps import Apps, client_for
from tests.fixtures.builders import JOBS, Actor, Builder


@pytest.fixture
async def reads(client: httpx.AsyncClient, admin: Actor, build: Builder) -> Reads:
    """A published job with an office, a department and two sites, and the reads of it."""
    department = await ok(
        client.post(
            DEPARTMENTS,
            json={"organization_reference": admin.org, "name": "Tech"},
            headers=admin.headers,
        )
    )
    job = await build.job(
        client,
        admin,
        name="Backend Engineer",
        status="published",
        department_id=department.json()["id"],
        cms_sites_references="wttj_fr,smgo_fr",
    )
    return Reads(client, admin, job["reference"])


async def _from_cache(app: Any, reads: Reads) -> tuple[Any, ...]:
    """Every read, rendered if need be, then again: the second time from the cache."""
    first = await reads.everything()
    again, count = await statements(app, reads.everything())
    assert count == 0, "a read the cache holds costs no SQL statement"
    assert again == first
    return first


def _job_named(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(item for item in items if item["name"] == name)


async def test_job_writes_show_on_the_next_read_of_every_route(
    app: Any, client: httpx.AsyncClient, admin: Actor, reads: Reads, build: Builder
) -> None:
    h = admin.headers
    url = f"{JOBS}/{reads.job_reference}"
    await _from_cache(app, reads)

    await ok(client.put(url, json={"name": "Renamed"}, headers=h))
    job, jobs, everything, embed = await reads.everything()
    assert job["name"] == "Renamed"
    assert "Renamed" in {j["name"] for j in jobs}
    assert "Renamed" in {j["name"] for j in everything}
    assert "Renamed" in {j["name"] for j in embed["jobs"]}

    await _from_cache(app, reads)
    await ok(client.put(f"{url}/update_status", json={"status": "archived"}, headers=h))
    job, jobs, everything, embed = await reads.everything()
    assert job["status"] == "archived"
    assert job["archived_at"] is not None
    assert _job_named(jobs, "Renamed")["status"] == "archived"
    assert _job_named(everything, "Renamed")["status"] == "archived"
    assert "Renamed" not in {j["name"] for j in embed["jobs"]}  # only published jobs

    await _from_cache(app, reads)
    await ok(client.put(f"{url}/update_status", json={"status": "published"}, headers=h))
    job, _, _, embed = await reads.everything()
    assert job["status"] == "published"
    assert "Renamed" in {j["name"] for j in embed["jobs"]}

    await _from_cache(app, reads)
    await build.job(client, admin, name="Second", status="published")
    _, jobs, everything, embed = await reads.everything()
    assert "Second" in {j["name"] for j in jobs}
    assert "Second" in {j["name"] for j in everything}
    assert "Second" in {j["name"] for j in embed["jobs"]}

    await _from_cache(app, reads)
    await ok(client.put(url, json={"cms_sites_references": "wttj_fr"}, headers=h))
    job, _, _, embed = await reads.everything()
    assert [site["reference"] for site in job["websites"]] == ["wttj_fr"]
    assert _job_named(embed["jobs"], "Renamed")["cms_sites_references"] == ["wttj_fr"]


async def test_office_department_and_organisation_writes_show_on_the_next_read(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    reads: Reads,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    h = admin.headers
    job, _, _, embed = await _from_cache(app, reads)
    office_id, department_id = job["office_id"], job["department_id"]

    await ok(client.put(f"{OFFICES}/{office_id}", json={"name": "Head office"}, headers=h))
    job, jobs, everything, embed = await reads.everything()
    assert job["office"]["name"] == "Head office"
    assert _job_named(jobs, job["name"])["office"]["name"] == "Head office"
    assert _job_named(everything, job["name"])["offices"][0]["name"] == "Head office"
    assert _job_named(embed["jobs"], job["name"])["office"]["name"] == "Head office"

    await _from_cache(app, reads)
    await ok(client.put(f"{DEPARTMENTS}/{department_id}", json={"name": "Eng"}, headers=h))
    embed = await reads.embed()
    assert _job_named(embed["jobs"], job["name"])["department"]["name"] == "Eng"

    await _from_cache(app, reads)
    await ok(client.put(f"{ORGANIZATIONS}/{admin.org}", json={"name": "Acme"}, headers=h))
    job, jobs, everything, embed = await reads.everything()
    assert job["organization"]["name"] == "Acme"
    assert all(j["organization"]["name"] == "Acme" for j in jobs)
    assert _job_named(everything, job["name"])["organization"]["name"] == "Acme"
    assert embed["name"] == "Acme"

    await _from_cache(app, reads)
    await add_website(
        maker, admin.organization.id, reference="jungle", name="J", root_url="https://j.example"
    )
    embed = await reads.embed()
    assert [w["reference"] for w in embed["websites"]] == ["jungle"]


async def test_writes_straight_to_the_database_show_on_the_next_read(
    app: Any, admin: Actor, reads: Reads, maker: async_sessionmaker[AsyncSession], build: Builder
) -> None:
    """No write path can forget the versions: a Core update of a stage, a timestamp placed in
    the past, a job renamed in the ORM, all outside the API."""
    job = (await _from_cache(app, reads))[0]
    first = job["stages"][0]
    async with maker() as session:
        await session.execute(update(Stage).where(Stage.id == first["id"]).values(name="Fresh"))
        await session.commit()
    assert (await reads.job())["stages"][0]["name"] == "Fresh"

    await _from_cache(app, reads)
    async with maker() as session:
        row = await session.scalar(select(Job).where(Job.reference == reads.job_reference))
        assert row is not None
        row.name = "Straight"
        await session.commit()
    job, jobs, everything, embed = await reads.everything()
    assert job["name"] == "Straight"
    assert "Straight" in {j["name"] for j in jobs}
    assert "Straight" in {j["name"] for j in everything}
    assert "Straight" in {j["name"] for j in embed["jobs"]}

    await _from_cache(app, reads)
    await build.job_times(reads.job_reference, created_at=datetime(2020, 1, 1, 12, tzinfo=UTC))
    assert (await reads.job())["created_at"].startswith("2020-01-01")


async def test_candidate_counters_change_only_the_reads_that_show_them(
    app: Any, client: httpx.AsyncClient, admin: Actor, reads: Reads, build: Builder
) -> None:
    counted = {"candidates_count": "true"}
    await reads.job(**counted)
    await reads.jobs(**counted)
    await _from_cache(app, reads)

    await build.candidate(client, admin, reads.job_reference)

    job = await reads.job(**counted)
    assert job["candidates_count"] == 1
    assert job["stages"][0]["candidates_count"] == 1
    listed = await reads.jobs(**counted)
    assert next(j for j in listed if j["reference"] == reads.job_reference)["candidates_count"] == 1
    # The reads without the counters keep their entries: a candidate is not their content.
    _, count = await statements(app, reads.everything())
    assert count == 0


async def test_a_write_through_another_app_shows_on_this_apps_next_read(
    app: Any, apps: Apps, admin: Actor, reads: Reads
) -> None:
    """Two workers on one database: what one writes, the other's cache never hides."""
    await _from_cache(app, reads)
    other = await apps.get(response_cache_bytes=1024 * 1024)
    async with client_for(other) as worker:
        await ok(
            worker.put(
                f"{JOBS}/{reads.job_reference}", json={"name": "Elsewhere"}, headers=admin.headers
            )
        )
    job, jobs, everything, embed = await reads.everything()
    assert job["name"] == "Elsewhere"
    assert "Elsewhere" in {j["name"] for j in jobs}
    assert "Elsewhere" in {j["name"] for j in everything}
    assert "Elsewhere" in {j["name"] for j in embed["jobs"]}
