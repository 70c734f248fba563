"""Who reaches which candidates (§2, §15.4): scopes, organisations, roles and assignments."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.config import Settings
from canopy.models import Membership, Role
from tests.candidates.helpers import (
    CANDIDATES,
    JOBS,
    JobInfo,
    assert_error,
    list_candidates,
    new_job,
    references,
    row_counts,
)
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.processes import Canopy, describe
from tests.fixtures.processes import assert_error as assert_command_error

READ_SCOPE_ERROR = "This endpoint requires the candidates_r or my_candidates_r scope"
WRITE_SCOPE_ERROR = "This endpoint requires the candidates_rw or my_candidates_rw scope"


async def _member(
    build: Builder, of: Actor, scopes: Iterable[str], role: Role = Role.standard
) -> Actor:
    """Another user of ``of``'s organisation, with a token holding exactly ``scopes``."""
    return await build.actor(scopes=scopes, organization=of.organization, role=role)


def _body(actor: Actor, job_reference: str) -> dict[str, str]:
    return {
        "organization_reference": actor.org,
        "job_reference": job_reference,
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
    }


async def _status(client: httpx.AsyncClient, actor: Actor, reference: str) -> tuple[int, int]:
    """What ``actor`` gets on retrieving and on updating the candidate."""
    got = await client.get(f"{CANDIDATES}/{reference}", headers=actor.headers)
    put = await client.put(
        f"{CANDIDATES}/{reference}", json={"subtitle": "touched"}, headers=actor.headers
    )
    return got.status_code, put.status_code


# -- candidates_* --------------------------------------------------------------------------


async def test_candidates_r_reads_every_candidate_of_the_organization(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    writer = await _member(build, admin, ["candidates_rw"])
    made = [
        (await build.candidate(client, author, job.reference))["reference"]
        for author in (admin, writer, admin)
    ]
    reader = await _member(build, admin, ["candidates_r"])

    listed = await list_candidates(client, reader, job.reference, per_page=2)
    retrieved = [await client.get(f"{CANDIDATES}/{ref}", headers=reader.headers) for ref in made]

    assert references(listed) == made[:2]
    assert listed.headers["x-total"] == "3"
    assert [r.status_code for r in retrieved] == [200, 200, 200]


async def test_candidates_r_reaches_every_organization_the_user_is_a_member_of(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    ours = await new_job(client, build, admin)
    theirs = await new_job(client, build, outsider)
    mine = await build.candidate(client, admin, ours.reference)
    other = await build.candidate(client, outsider, theirs.reference)
    reader = await _member(build, admin, ["candidates_r"])
    await build.member(outsider.organization, reader.user, Role.standard)

    for job, candidate in ((ours, mine), (theirs, other)):
        listed = await list_candidates(client, reader, job.reference)
        assert references(listed) == [candidate["reference"]]
        got = await client.get(f"{CANDIDATES}/{candidate['reference']}", headers=reader.headers)
        assert got.status_code == 200


async def test_candidates_r_alone_cannot_create_or_update(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    job = await new_job(client, build, admin)
    existing = await build.candidate(client, admin, job.reference)
    reader = await _member(build, admin, ["candidates_r"])

    created = await client.post(
        CANDIDATES, json=_body(reader, job.reference), headers=reader.headers
    )
    updated = await client.put(
        f"{CANDIDATES}/{existing['reference']}", json={"firstname": "X"}, headers=reader.headers
    )

    assert_error(created, 403, "invalid_scope", WRITE_SCOPE_ERROR)
    assert_error(updated, 403, "invalid_scope", WRITE_SCOPE_ERROR)
    assert await row_counts(maker) == (1, 0, 0)
    got = await client.get(f"{CANDIDATES}/{existing['reference']}", headers=admin.headers)
    assert got.json()["profile"]["firstname"] == existing["profile"]["firstname"]


@pytest.mark.parametrize("scopes", [["jobs_r"], ["comments_w", "moves_r", "documents_rw"]])
async def test_a_token_without_a_candidates_scope_reaches_no_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder, scopes: list[str]
) -> None:
    job = await new_job(client, build, admin)
    candidate = await build.candidate(client, admin, job.reference)
    other = await _member(build, admin, scopes)

    listed = await list_candidates(client, other, job.reference)
    got = await client.get(f"{CANDIDATES}/{candidate['reference']}", headers=other.headers)
    created = await client.post(CANDIDATES, json=_body(other, job.reference), headers=other.headers)

    assert_error(listed, 403, "invalid_scope", READ_SCOPE_ERROR)
    assert_error(got, 403, "invalid_scope", READ_SCOPE_ERROR)
    assert_error(created, 403, "invalid_scope", WRITE_SCOPE_ERROR)


async def test_candidates_rw_implies_candidates_r(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    candidate = await build.candidate(client, admin, job.reference)
    writer = await _member(build, admin, ["candidates_rw"])

    listed = await list_candidates(client, writer, job.reference)

    assert references(listed) == [candidate["reference"]]
    assert await _status(client, writer, candidate["reference"]) == (200, 200)


async def test_another_organizations_candidate_is_not_found(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    theirs = await new_job(client, build, outsider)
    candidate = await build.candidate(client, outsider, theirs.reference)

    got = await client.get(f"{CANDIDATES}/{candidate['reference']}", headers=admin.headers)
    put = await client.put(
        f"{CANDIDATES}/{candidate['reference']}", json={"firstname": "X"}, headers=admin.headers
    )
    listed = await list_candidates(client, admin, theirs.reference)

    assert_error(got, 404, "not_found", "Candidate not found")
    assert_error(put, 404, "not_found", "Candidate not found")
    assert_error(listed, 404, "not_found", "Job not found")
    again = await client.get(f"{CANDIDATES}/{candidate['reference']}", headers=outsider.headers)
    assert again.json() == {k: v for k, v in candidate.items() if k not in ("stage", "tags")}


async def test_a_former_member_no_longer_reaches_the_organizations_candidates(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    job = await new_job(client, build, admin)
    candidate = await build.candidate(client, admin, job.reference)
    member = await _member(build, admin, ["candidates_rw"])
    assert await _status(client, member, candidate["reference"]) == (200, 200)
    async with maker() as session:
        await session.execute(delete(Membership).where(Membership.user_id == member.user.id))
        await session.commit()

    assert await _status(client, member, candidate["reference"]) == (404, 404)


# -- my_candidates_* -----------------------------------------------------------------------


async def test_my_candidates_r_reaches_only_the_candidates_the_user_created(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    author = await _member(build, admin, ["my_candidates_rw"])
    own = []
    for actor in (admin, author, admin, author):
        created = await build.candidate(client, actor, job.reference)
        if actor is author:
            own.append(created["reference"])
    secret, _ = await build.token(author.user, ["my_candidates_r"])
    reader = Actor(author.user, author.organization, secret, 0)

    first = await list_candidates(client, reader, job.reference, per_page=1)
    everyone = await list_candidates(client, reader, job.reference)
    head = await client.head(
        CANDIDATES, params={"job_reference": job.reference}, headers=reader.headers
    )

    assert references(first) == own[:1]
    assert (first.headers["x-total"], first.headers["x-total-pages"]) == ("2", "2")
    assert references(everyone) == own
    assert head.headers["x-total"] == "2"
    # The same list through a full-reach token counts everyone.
    assert (await list_candidates(client, admin, job.reference)).headers["x-total"] == "4"


async def test_my_candidates_r_does_not_find_another_users_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    others = await build.candidate(client, admin, job.reference)
    reader = await _member(build, admin, ["my_candidates_r"])

    got = await client.get(f"{CANDIDATES}/{others['reference']}", headers=reader.headers)
    filtered = await list_candidates(
        client, reader, job.reference, email=others["profile"]["email"]
    )

    assert_error(got, 404, "not_found", "Candidate not found")
    assert references(filtered) == []
    assert filtered.headers["x-total"] == "0"


async def test_my_candidates_r_cannot_create(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    job = await new_job(client, build, admin)
    reader = await _member(build, admin, ["my_candidates_r"])

    response = await client.post(
        CANDIDATES, json=_body(reader, job.reference), headers=reader.headers
    )

    assert_error(response, 403, "invalid_scope", WRITE_SCOPE_ERROR)
    assert await row_counts(maker) == (0, 0, 0)


async def test_my_candidates_rw_writes_its_own_candidates_but_not_another_users(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    author = await _member(build, admin, ["my_candidates_rw"])
    own = await build.candidate(client, author, job.reference)
    others = await build.candidate(client, admin, job.reference)

    assert await _status(client, author, own["reference"]) == (200, 200)
    assert await _status(client, author, others["reference"]) == (404, 404)
    untouched = await client.get(f"{CANDIDATES}/{others['reference']}", headers=admin.headers)
    assert untouched.json()["profile"]["subtitle"] is None


async def test_my_candidates_rw_implies_my_candidates_r(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    author = await _member(build, admin, ["my_candidates_rw"])
    own = await build.candidate(client, author, job.reference)

    listed = await list_candidates(client, author, job.reference)

    assert references(listed) == [own["reference"]]


async def test_my_candidates_covers_every_token_of_the_user_but_not_rows_made_elsewhere(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    author = await _member(build, admin, ["my_candidates_rw"])
    own = await build.candidate(client, author, job.reference)
    await build.candidate_row(job.reference)  # not created through the API: nobody's own
    secret, _ = await build.token(author.user, ["my_candidates_r"])
    second = Actor(author.user, author.organization, secret, 0)

    listed = await list_candidates(client, second, job.reference)

    assert references(listed) == [own["reference"]]


async def test_my_candidates_rw_with_candidates_r_reads_all_but_writes_only_its_own(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    author = await _member(build, admin, ["my_candidates_rw"])
    own = await build.candidate(client, author, job.reference)
    others = await build.candidate(client, admin, job.reference)
    secret, _ = await build.token(author.user, ["my_candidates_rw", "candidates_r"])
    token = Actor(author.user, author.organization, secret, 0)

    listed = await list_candidates(client, token, job.reference)

    assert references(listed) == [own["reference"], others["reference"]]
    assert listed.headers["x-total"] == "2"
    assert await _status(client, token, own["reference"]) == (200, 200)
    assert await _status(client, token, others["reference"]) == (200, 404)


async def test_the_docs_typo_my_candidtates_rw_works_as_my_candidates_rw(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    author = await _member(build, admin, ["my_candidtates_rw"])

    created = await client.post(
        CANDIDATES, json=_body(author, job.reference), headers=author.headers
    )

    assert created.status_code == 201, created.text
    assert await _status(client, author, created.json()["reference"]) == (200, 200)


# -- limited members and job assignments ---------------------------------------------------

LIMITED_SCOPES = ["jobs_r", "candidates_rw"]


async def _limited_setup(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> tuple[JobInfo, JobInfo, str, str, Actor]:
    """Two jobs with one candidate each, and a limited member assigned to neither."""
    first = await new_job(client, build, admin, name="First")
    second = await new_job(client, build, admin, name="Second")
    in_first = (await build.candidate(client, admin, first.reference))["reference"]
    in_second = (await build.candidate(client, admin, second.reference))["reference"]
    limited = await _member(build, admin, LIMITED_SCOPES, Role.limited)
    return first, second, in_first, in_second, limited


async def test_a_limited_member_reaches_no_candidate_of_an_unassigned_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    first, _, in_first, _, limited = await _limited_setup(client, admin, build)

    listed = await list_candidates(client, limited, first.reference)
    created = await client.post(
        CANDIDATES, json=_body(limited, first.reference), headers=limited.headers
    )

    assert_error(listed, 404, "not_found", "Job not found")
    assert_error(created, 404, "not_found", "Job not found")
    assert await _status(client, limited, in_first) == (404, 404)
    assert await row_counts(maker) == (2, 0, 0)


async def test_a_limited_member_reaches_the_candidates_of_its_assigned_jobs_only(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    first, second, in_first, in_second, limited = await _limited_setup(client, admin, build)

    await build.assign(first.reference, limited.user)

    listed = await list_candidates(client, limited, first.reference)
    assert references(listed) == [in_first]
    assert listed.headers["x-total"] == "1"
    assert await _status(client, limited, in_first) == (200, 200)
    created = await client.post(
        CANDIDATES, json=_body(limited, first.reference), headers=limited.headers
    )
    assert created.status_code == 201, created.text
    assert_error(
        await list_candidates(client, limited, second.reference), 404, "not_found", "Job not found"
    )
    assert await _status(client, limited, in_second) == (404, 404)


async def test_a_limited_member_loses_reach_when_the_assignment_is_taken_back(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    first, _, in_first, _, limited = await _limited_setup(client, admin, build)
    await build.assign(first.reference, limited.user)
    assert await _status(client, limited, in_first) == (200, 200)

    await build.assign(first.reference, limited.user, assigned=False)

    assert await _status(client, limited, in_first) == (404, 404)


async def test_get_jobs_for_a_limited_member_lists_only_its_assigned_jobs(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    first, second, _, _, limited = await _limited_setup(client, admin, build)
    await build.assign(second.reference, limited.user)

    listed = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=limited.headers
    )
    unassigned = await client.get(f"{JOBS}/{first.reference}", headers=limited.headers)
    everything = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )

    assert [job["reference"] for job in listed.json()] == [second.reference]
    assert listed.headers["x-total"] == "1"
    assert_error(unassigned, 404, "not_found", "Job not found")
    assert len(everything.json()) == 3  # the spontaneous job and the two


async def test_a_standard_member_reaches_every_job_without_assignments(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    _, _, in_first, in_second, _ = await _limited_setup(client, admin, build)
    standard = await _member(build, admin, LIMITED_SCOPES, Role.standard)

    assert await _status(client, standard, in_first) == (200, 200)
    assert await _status(client, standard, in_second) == (200, 200)


async def test_the_role_applies_per_organization(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    ours = await new_job(client, build, admin)
    theirs = await new_job(client, build, outsider)
    mine = (await build.candidate(client, admin, ours.reference))["reference"]
    other = (await build.candidate(client, outsider, theirs.reference))["reference"]
    user = await _member(build, admin, LIMITED_SCOPES, Role.limited)
    await build.member(outsider.organization, user.user, Role.standard)

    assert await _status(client, user, mine) == (404, 404)
    assert await _status(client, user, other) == (200, 200)


@pytest.mark.slow
async def test_job_assign_command_gives_and_takes_back_reach_and_refuses_unknown_names(
    client: httpx.AsyncClient, admin: Actor, build: Builder, settings: Settings
) -> None:
    first, _, in_first, _, limited = await _limited_setup(client, admin, build)
    # The command run as a user runs it, on the database the app under test uses.
    canopy = Canopy(var_dir=settings.var_dir, database_url=settings.database_url)
    email = limited.user.email

    # Independent commands at once: each start costs seconds of imports.
    assigned, unknown_job, unknown_user = await asyncio.to_thread(
        canopy.run_all,
        [
            ("job", "assign", "--job", first.reference, "--user", email, "--json"),
            ("job", "assign", "--job", "WTTJ_nothere", "--user", email),
            ("job", "assign", "--job", first.reference, "--user", "nobody@example.com"),
        ],
    )

    assert assigned.returncode == 0, describe(assigned)
    assert json.loads(assigned.stdout) == {
        "job_reference": first.reference,
        "user": email,
        "assigned": True,
    }
    assert_command_error(unknown_job, "no job with reference WTTJ_nothere")
    assert_command_error(unknown_user, "no user with email nobody@example.com")
    assert await _status(client, limited, in_first) == (200, 200)
    assert references(await list_candidates(client, limited, first.reference)) == [in_first]

    removed = await asyncio.to_thread(
        canopy.run, "job", "assign", "--job", first.reference, "--user", email, "--remove"
    )

    assert removed.returncode == 0, describe(removed)
    assert removed.stdout == f"{email} no longer assigned to {first.reference}\n"
    assert await _status(client, limited, in_first) == (404, 404)
