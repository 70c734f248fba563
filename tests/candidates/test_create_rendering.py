"""POST /candidates inserts every column and answers, byte for byte, what ``CandidateRead``
renders of the row it stored.

Create runs one ``INSERT … SELECT`` with the driver (``canopy.candidates.writes``): alone,
committing on its own, for a plain candidate; in the request's transaction with a comment or
remote files. Both ways are held here to the pydantic rendering of the candidate loaded back
through the ORM, with each set of flags, in two time zones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload

from canopy.auth import Principal
from canopy.candidates import service, writes
from canopy.candidates.schemas import CandidateCreate, CandidateFlags, CandidateRead
from canopy.errors import ApiError
from canopy.models import Candidate, Comment, Job, Role, Stage
from canopy.rawdb import session_fetch
from tests.candidates.helpers import CANDIDATES, MEDIA_FIELDS, JobInfo, new_job
from tests.candidates.test_list_rendering import FLAG_SETS, _time_zone, rich_body
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer


def test_create_inserts_every_column_of_the_candidate_table() -> None:
    """A column added to the model without a place in the insert fails here."""
    assert len(set(writes.INSERTED)) == len(writes.INSERTED)
    assert {*writes.INSERTED, "id"} == set(Candidate.__table__.columns.keys())


def _plain(admin: Actor, job: JobInfo) -> dict[str, Any]:
    return {
        "organization_reference": admin.org,
        "job_reference": job.reference,
        "email": "grace@example.com",
        "firstname": "Grace",
        "lastname": "Hopper",
    }


async def _stored(maker: async_sessionmaker[AsyncSession], reference: str) -> Candidate:
    async with maker() as session:
        found = await session.scalar(
            select(Candidate)
            .where(Candidate.reference == reference)
            .options(
                joinedload(Candidate.job).joinedload(Job.organization),
                joinedload(Candidate.stage),
            )
        )
        assert found is not None
        return found


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/St_Johns"])
@pytest.mark.parametrize("query", FLAG_SETS, ids=lambda q: "+".join(q) or "no-flags")
@pytest.mark.parametrize("kind", ["plain", "with a comment and files"])
async def test_create_answers_the_bytes_of_the_candidate_model(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    app: FastAPI,
    query: dict[str, str],
    zone: str,
    kind: str,
) -> None:
    job = await new_job(client, build, admin)
    body = _plain(admin, job) if kind == "plain" else rich_body(admin, job, remote)
    flags = CandidateFlags.model_validate(query)

    with _time_zone(zone):
        # A signed file URL carries the second it was signed in: a candidate created across
        # a second's boundary is created again.
        for _ in range(5):
            response = await client.post(CANDIDATES, params=query, json=body, headers=admin.headers)
            assert response.status_code == 201, response.text
            stored = await _stored(maker, response.json()["reference"])
            expected = CandidateRead.model_dump_json(
                service.to_read(stored, flags, app.state.files), exclude_unset=True
            ).encode()
            if response.content == expected or kind == "plain":
                break

    assert response.headers["content-type"] == "application/json"
    assert response.content == expected
    assert stored.creator_user_id == admin.user.id
    if kind == "plain":
        assert (stored.tags, stored.media, stored.archived) == ([], {}, False)
        assert stored.stage is not None
        assert stored.stage.reference == "initial"
    else:
        assert stored.stage_id == job.stages["refused"]
        assert stored.tags == ["ruby", "react native", "élixir", "go"]
        assert len(stored.media) == len(MEDIA_FIELDS)
        async with maker() as session:
            comments = (
                await session.scalars(select(Comment).where(Comment.candidate_id == stored.id))
            ).all()
        assert [c.raw_content for c in comments] == ["Met at the meetup."]


async def test_create_tries_again_when_the_pipeline_changes_between_insert_and_check(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """The insert finds no stage (they were just replaced), the check that follows finds one:
    the insert runs again and lands in the new initial stage; a job that keeps changing gets
    409."""
    job = await new_job(client, build, admin)
    principal = Principal(admin.token_id, admin.user.id, frozenset({"candidates_rw"}),
                          {admin.organization.id: Role.admin})  # fmt: skip
    data = CandidateCreate.model_validate(_plain(admin, job))

    async def run(changes: int) -> Sequence[Any]:
        async with maker() as session:
            calls = 0

            async def fetch(sql: str, *args: Any) -> list[Sequence[Any]]:
                nonlocal calls
                calls += 1
                if sql.startswith("INSERT") and calls <= 2 * changes:
                    # The job's stages go away just before the insert, and a new initial stage
                    # appears just after it.
                    await session_fetch(session, "DELETE FROM stage WHERE job_id = $1", job_id)
                    rows = await session_fetch(session, sql, *args)
                    session.add(Stage(job_id=job_id, name="New", reference="initial"))
                    await session.flush()
                    return rows
                return await session_fetch(session, sql, *args)

            values = writes._values(principal, data, [])
            sqlite = (await session.connection()).dialect.name == "sqlite"
            arguments = writes._arguments(values, principal, data, sqlite=sqlite)
            try:
                return await writes._insert_where_placed(fetch, principal, data, arguments)
            finally:
                await session.rollback()

    async with maker() as session:
        job_id = await session.scalar(select(Job.id).where(Job.reference == job.reference))

    row = await run(changes=1)
    assert row[0] is not None
    assert row[2] is not None
    with pytest.raises(ApiError) as raised:
        await run(changes=2)
    assert raised.value.status == 409
