"""Moves (§7, §15.7): what an update records, the counters it keeps, and GET /moves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Candidate, Move, Role, Stage
from canopy.models.base import utcnow
from tests.candidates.helpers import (
    CANDIDATES,
    MOVES,
    PIPELINE,
    JobInfo,
    assert_error,
    assert_invalid,
    counts,
    list_candidates,
    new_job,
    parse_time,
    references,
    row_counts,
)
from tests.fixtures.builders import Actor, Builder

FLAGS = {"stage": "true"}
STAGE_NAMES = {
    "initial": "New",
    "to_meet": "To meet",
    "interviewed": "Interview",
    "made_offer": "Offer",
    "hired": "Hired",
    "refused": "Refused",
    "archived": "Archived",
}


def _side(org: str, job: JobInfo, stage: str | None) -> dict[str, Any]:
    return {
        "stage": None
        if stage is None
        else {"id": job.stages[stage], "name": STAGE_NAMES[stage], "reference": stage},
        "organization": {"reference": org},
        "job": {"reference": job.reference},
    }


def _move(
    candidate: str, source: tuple[str, JobInfo, str | None], target: tuple[str, JobInfo, str]
) -> dict[str, Any]:
    """A move as §7 shows it, but for its timestamps."""
    return {"candidate": {"reference": candidate}, "from": _side(*source), "to": _side(*target)}


def _untimed(response: httpx.Response) -> list[dict[str, Any]]:
    """The moves without their timestamps, after checking those."""
    assert response.status_code == 200, response.text
    moves: list[dict[str, Any]] = response.json()
    for move in moves:
        assert set(move) == {"candidate", "from", "to", "created_at", "updated_at"}
        parse_time(move["created_at"])
        parse_time(move["updated_at"])
    return [{k: v for k, v in move.items() if not k.endswith("_at")} for move in moves]


async def _moves(client: httpx.AsyncClient, actor: Actor, **params: Any) -> httpx.Response:
    return await client.get(
        MOVES, params={"organization_reference": actor.org, **params}, headers=actor.headers
    )


async def _put(
    client: httpx.AsyncClient, actor: Actor, reference: str, **body: Any
) -> httpx.Response:
    return await client.put(
        f"{CANDIDATES}/{reference}", json=body, params=FLAGS, headers=actor.headers
    )


def _zeros(**nonzero: int) -> dict[str, int]:
    return {**dict.fromkeys(PIPELINE, 0), **nonzero}


# -- what updates record ------------------------------------------------------------------


async def test_changing_job_stage_id_records_a_stage_to_stage_move(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    candidate = await build.candidate(client, admin, job.reference)
    ref = candidate["reference"]

    response = await _put(client, admin, ref, job_stage_id=job.stages["to_meet"])

    assert response.status_code == 200, response.text
    assert response.json()["stage_id"] == job.stages["to_meet"]
    assert response.json()["stage"]["reference"] == "to_meet"
    moves = await _moves(client, admin)
    assert _untimed(moves) == [_move(ref, (admin.org, job, "initial"), (admin.org, job, "to_meet"))]
    move = moves.json()[0]
    assert move["created_at"] == move["updated_at"]
    assert parse_time(move["created_at"]) >= parse_time(candidate["created_at"])


async def test_an_update_that_keeps_the_job_and_stage_records_no_move(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    job = await new_job(client, build, admin)
    ref = (await build.candidate(client, admin, job.reference))["reference"]

    same_stage = await _put(client, admin, ref, job_stage_id=job.initial)
    same_job = await _put(client, admin, ref, job_reference=job.reference, firstname="X")
    profile_only = await _put(client, admin, ref, archived=True)

    assert [r.status_code for r in (same_stage, same_job, profile_only)] == [200, 200, 200]
    assert _untimed(await _moves(client, admin)) == []
    assert await row_counts(maker) == (1, 0, 0)


async def test_a_different_job_reference_moves_the_candidate_to_that_jobs_initial_stage(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    first = await new_job(client, build, admin, name="First")
    second = await new_job(client, build, admin, name="Second")
    candidate = await build.candidate(
        client, admin, first.reference, job_stage_id=first.stages["interviewed"]
    )
    ref = candidate["reference"]

    response = await _put(client, admin, ref, job_reference=second.reference)

    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["job_reference"] == second.reference
    assert moved["modal_path"] == f"/dashboard/o/{admin.org}/jobs/{second.reference}/card/{ref}"
    assert moved["stage_id"] == second.initial
    assert moved["stage"]["reference"] == "initial"
    assert _untimed(await _moves(client, admin)) == [
        _move(ref, (admin.org, first, "interviewed"), (admin.org, second, "initial"))
    ]
    assert references(await list_candidates(client, admin, first.reference)) == []
    assert references(await list_candidates(client, admin, second.reference)) == [ref]


async def test_a_different_job_reference_with_a_stage_of_that_job_moves_to_that_stage(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    first = await new_job(client, build, admin, name="First")
    second = await new_job(client, build, admin, name="Second")
    ref = (await build.candidate(client, admin, first.reference))["reference"]

    response = await _put(
        client, admin, ref, job_reference=second.reference, job_stage_id=second.stages["hired"]
    )

    assert response.json()["stage"]["id"] == second.stages["hired"]
    assert _untimed(await _moves(client, admin)) == [
        _move(ref, (admin.org, first, "initial"), (admin.org, second, "hired"))
    ]


async def test_a_different_job_reference_with_a_stage_of_the_current_job_is_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    first = await new_job(client, build, admin, name="First")
    second = await new_job(client, build, admin, name="Second")
    candidate = await build.candidate(client, admin, first.reference)

    response = await _put(
        client,
        admin,
        candidate["reference"],
        job_reference=second.reference,
        job_stage_id=first.stages["hired"],
    )

    assert_invalid(response, "job_stage_id")
    retrieved = await client.get(
        f"{CANDIDATES}/{candidate['reference']}", params=FLAGS, headers=admin.headers
    )
    assert retrieved.json() == {k: v for k, v in candidate.items() if k != "tags"}
    assert await row_counts(maker) == (1, 0, 0)


async def test_moving_to_a_job_of_another_organization_the_user_belongs_to_records_the_move(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    ours = await new_job(client, build, admin)
    theirs = await new_job(client, build, outsider)
    await build.member(outsider.organization, admin.user, Role.standard)
    candidate = await build.candidate(client, admin, ours.reference, comment="Keep me")
    ref = candidate["reference"]

    response = await _put(
        client, admin, ref, job_reference=theirs.reference, job_stage_id=theirs.stages["to_meet"]
    )

    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["job_reference"] == theirs.reference
    assert moved["modal_path"] == f"/dashboard/o/{outsider.org}/jobs/{theirs.reference}/card/{ref}"
    assert moved["stage"]["id"] == theirs.stages["to_meet"]
    expected = [_move(ref, (admin.org, ours, "initial"), (outsider.org, theirs, "to_meet"))]
    # The move involves both organisations: each lists it.
    assert _untimed(await _moves(client, admin)) == expected
    assert _untimed(await _moves(client, outsider)) == expected
    # The candidate now belongs to the other organisation, whose members reach it.
    got = await client.get(f"{CANDIDATES}/{ref}", headers=outsider.headers)
    assert got.status_code == 200
    assert references(await list_candidates(client, outsider, theirs.reference)) == [ref]
    assert references(await list_candidates(client, admin, ours.reference)) == []


async def test_moving_to_a_job_of_an_organization_the_user_is_not_member_of_changes_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    ours = await new_job(client, build, admin)
    theirs = await new_job(client, build, outsider)
    candidate = await build.candidate(client, admin, ours.reference)

    response = await _put(
        client,
        admin,
        candidate["reference"],
        job_reference=theirs.reference,
        firstname="Changed",
    )

    assert_error(response, 404, "not_found", "Job not found")
    retrieved = await client.get(
        f"{CANDIDATES}/{candidate['reference']}", params=FLAGS, headers=admin.headers
    )
    assert retrieved.json() == {k: v for k, v in candidate.items() if k != "tags"}
    assert await row_counts(maker) == (1, 0, 0)
    assert await counts(client, outsider, theirs.reference) == (0, _zeros())


async def test_a_limited_member_cannot_move_a_candidate_to_an_unassigned_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    first = await new_job(client, build, admin, name="First")
    second = await new_job(client, build, admin, name="Second")
    limited = await build.actor(
        ["candidates_rw"], organization=admin.organization, role=Role.limited
    )
    await build.assign(first.reference, limited.user)
    ref = (await build.candidate(client, limited, first.reference))["reference"]

    response = await _put(client, limited, ref, job_reference=second.reference)

    assert_error(response, 404, "not_found", "Job not found")
    assert _untimed(await _moves(client, admin)) == []


async def test_an_unknown_job_reference_on_update_is_not_found(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    ref = (await build.candidate(client, admin, job.reference))["reference"]

    response = await _put(client, admin, ref, job_reference="WTTJ_nothere")

    assert_error(response, 404, "not_found", "Job not found")


# -- the counters -------------------------------------------------------------------------


async def test_job_and_stage_counters_follow_creates_and_moves_exactly(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    first = await new_job(client, build, admin, name="First")
    second = await new_job(client, build, admin, name="Second")
    theirs = await new_job(client, build, outsider)
    await build.member(outsider.organization, admin.user, Role.standard)
    a, b, c = [
        (await build.candidate(client, admin, first.reference, **fields))["reference"]
        for fields in ({}, {}, {"job_stage_id": first.stages["refused"]})
    ]
    assert await counts(client, admin, first.reference) == (3, _zeros(initial=2, refused=1))

    await _put(client, admin, a, job_stage_id=first.stages["to_meet"])
    assert await counts(client, admin, first.reference) == (
        3,
        _zeros(initial=1, to_meet=1, refused=1),
    )

    await _put(client, admin, c, job_reference=second.reference)
    assert await counts(client, admin, first.reference) == (2, _zeros(initial=1, to_meet=1))
    assert await counts(client, admin, second.reference) == (1, _zeros(initial=1))

    await _put(
        client, admin, b, job_reference=second.reference, job_stage_id=second.stages["hired"]
    )
    await _put(client, admin, a, archived=True)  # archiving moves nothing
    assert await counts(client, admin, first.reference) == (1, _zeros(to_meet=1))
    assert await counts(client, admin, second.reference) == (2, _zeros(initial=1, hired=1))

    await _put(client, admin, c, job_reference=theirs.reference)
    assert await counts(client, admin, second.reference) == (1, _zeros(hired=1))
    assert await counts(client, outsider, theirs.reference) == (1, _zeros(initial=1))

    # The unfiltered list's X-Total comes from the counter: it must agree with the rows.
    for job in (first, second):
        listed = await list_candidates(client, admin, job.reference)
        assert listed.headers["x-total"] == str(len(listed.json()))
    assert len(_untimed(await _moves(client, admin))) == 4


async def test_a_refused_update_leaves_the_counters_unchanged(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    theirs = await new_job(client, build, outsider)
    ref = (await build.candidate(client, admin, job.reference))["reference"]

    refused = [
        await _put(client, admin, ref, job_stage_id=theirs.stages["hired"]),
        await _put(client, admin, ref, job_reference=theirs.reference),
        await _put(client, admin, ref, job_stage_id=job.stages["hired"], email="bad"),
    ]

    assert [r.status_code for r in refused] == [400, 404, 400]
    assert await counts(client, admin, job.reference) == (1, _zeros(initial=1))
    assert await counts(client, outsider, theirs.reference) == (0, _zeros())


# -- GET /moves ---------------------------------------------------------------------------


async def test_moves_need_the_moves_r_scope(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    reader = await build.actor(["candidates_rw", "jobs_r", "me_r"], organization=admin.organization)

    response = await _moves(client, reader)

    assert_error(response, 403, "invalid_scope", "This endpoint requires the moves_r scope")


async def test_moves_without_organization_reference_are_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(MOVES, headers=admin.headers)

    assert_error(response, 400, "validation_failed", "organization_reference is missing")


async def test_moves_of_an_organization_the_user_is_not_member_of_are_unauthorized(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor
) -> None:
    for organization in (outsider.org, "Unknown"):
        response = await client.get(
            MOVES, params={"organization_reference": organization}, headers=admin.headers
        )
        assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_moves_with_an_unknown_or_unreachable_job_reference_are_not_found(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    theirs = await new_job(client, build, outsider)

    for reference in ("WTTJ_nothere", theirs.reference):
        response = await _moves(client, admin, job_reference=reference)
        assert_error(response, 404, "not_found", "Job not found")


async def _three_moves(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> tuple[list[JobInfo], list[dict[str, Any]]]:
    """Jobs 1–3 and three moves: a stage move in job 1, job 1 → job 2, a stage move in job 3."""
    jobs = [await new_job(client, build, admin, name=f"Job {n}") for n in (1, 2, 3)]
    one, two, three = jobs
    a = (await build.candidate(client, admin, one.reference))["reference"]
    b = (await build.candidate(client, admin, one.reference))["reference"]
    c = (await build.candidate(client, admin, three.reference))["reference"]
    await _put(client, admin, a, job_stage_id=one.stages["to_meet"])
    await _put(client, admin, b, job_reference=two.reference)
    await _put(client, admin, c, job_stage_id=three.stages["refused"])
    org = admin.org
    expected = [
        _move(a, (org, one, "initial"), (org, one, "to_meet")),
        _move(b, (org, one, "initial"), (org, two, "initial")),
        _move(c, (org, three, "initial"), (org, three, "refused")),
    ]
    return jobs, expected


async def test_moves_job_reference_keeps_the_moves_from_or_to_that_job_oldest_first(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    (one, two, three), expected = await _three_moves(client, admin, build)

    assert _untimed(await _moves(client, admin)) == expected
    assert _untimed(await _moves(client, admin, job_reference=one.reference)) == expected[:2]
    assert _untimed(await _moves(client, admin, job_reference=two.reference)) == expected[1:2]
    assert _untimed(await _moves(client, admin, job_reference=three.reference)) == expected[2:]


async def test_moves_are_ordered_by_creation_time(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    _, expected = await _three_moves(client, admin, build)
    async with maker() as session:
        first = await session.scalar(select(Move.id).order_by(Move.id).limit(1))
        await session.execute(
            update(Move)
            .where(Move.id == first)
            .values(created_at=utcnow() + timedelta(hours=1), updated_at=Move.updated_at)
        )
        await session.commit()

    response = await _moves(client, admin)

    assert _untimed(response) == [expected[1], expected[2], expected[0]]
    times = [parse_time(move["created_at"]) for move in response.json()]
    assert times == sorted(times)


async def test_moves_page_with_the_paging_headers_and_answer_head(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    _, expected = await _three_moves(client, admin, build)

    first = await _moves(client, admin, per_page=2)
    second = await _moves(client, admin, per_page=2, page=2)
    head = await client.head(
        MOVES, params={"organization_reference": admin.org, "per_page": 2}, headers=admin.headers
    )

    assert _untimed(first) == expected[:2]
    assert _untimed(second) == expected[2:]
    for response, page in ((first, "1"), (second, "2"), (head, "1")):
        assert response.headers["x-total"] == "3"
        assert response.headers["x-total-pages"] == "2"
        assert response.headers["x-per-page"] == "2"
        assert response.headers["x-page"] == page
    assert head.status_code == 200
    assert head.content == b""


async def test_moves_of_other_organizations_are_not_listed(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    theirs = await new_job(client, build, outsider)
    ref = (await build.candidate(client, outsider, theirs.reference))["reference"]
    await _put(client, outsider, ref, job_stage_id=theirs.stages["hired"])

    ours = await _moves(client, admin)

    assert _untimed(ours) == []
    assert ours.headers["x-total"] == "0"
    assert len(_untimed(await _moves(client, outsider))) == 1


async def test_a_limited_member_sees_only_the_moves_of_its_assigned_jobs(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    (one, two, three), expected = await _three_moves(client, admin, build)
    limited = await build.actor(["moves_r"], organization=admin.organization, role=Role.limited)
    await build.assign(two.reference, limited.user)
    await build.assign(three.reference, limited.user)

    listed = await _moves(client, limited)
    unassigned = await _moves(client, limited, job_reference=one.reference)

    assert _untimed(listed) == expected[1:]
    assert listed.headers["x-total"] == "2"
    assert_error(unassigned, 404, "not_found", "Job not found")


@pytest.mark.parametrize("deleted", ["from", "to"])
async def test_a_stage_deleted_after_the_move_renders_as_null(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    deleted: str,
) -> None:
    job = await new_job(client, build, admin)
    ref = (await build.candidate(client, admin, job.reference))["reference"]
    await _put(client, admin, ref, job_stage_id=job.stages["made_offer"])
    gone = "initial" if deleted == "from" else "made_offer"
    async with maker() as session:
        stage = await session.get(Stage, job.stages[gone])
        assert stage is not None
        await session.delete(stage)
        await session.commit()

    response = await _moves(client, admin)

    move = _move(ref, (admin.org, job, "initial"), (admin.org, job, "made_offer"))
    move[deleted]["stage"] = None
    assert _untimed(response) == [move]
    async with maker() as session:
        assert await session.scalar(select(Candidate.id).where(Candidate.reference == ref))
