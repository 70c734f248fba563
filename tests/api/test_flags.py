"""Inclusion flags never refuse (§15.2): a flag whose extra scope the token lacks leaves its
block out of a 200; the endpoint's own scope is still required. The response cache keys the
flags as they apply to the caller, so tokens with different scopes never share a wrong entry."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import JOBS, Actor, Builder

ALL = f"{JOBS}/all"
ORGANIZATIONS = "/api/v1/external/organizations"
CURRENT_USER = "/api/v1/external/users/current"
EVERY_JOB_FLAG = {
    "stages": "true",
    "websites": "true",
    "office": "true",
    "offices": "true",
    "candidates_count": "true",
    "application_fields": "true",
    "organization": "true",
}
# The blocks that need no scope beyond jobs_r.
FREE_BLOCKS = {"stages", "websites", "application_fields", "organization"}
SCOPED_BLOCKS = {"office", "offices", "candidates_count"}


@pytest.fixture
async def job(client: httpx.AsyncClient, admin: Actor, build: Builder) -> dict[str, Any]:
    created = await build.job(client, admin, name="Flagged", cms_sites_references="wttj_fr")
    response = await client.get(
        f"{JOBS}/{created['reference']}", params={"stages": "true"}, headers=admin.headers
    )
    stage = response.json()["stages"][0]["id"]
    await build.candidates(created["reference"], [stage, stage])
    return created


def _by_name(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {item["name"]: item for item in response.json()}


def _assert_scoped_blocks_left_out(item: dict[str, Any]) -> None:
    assert not SCOPED_BLOCKS & set(item)
    assert set(item) >= FREE_BLOCKS
    assert all("candidates_count" not in stage for stage in item["stages"])


def _assert_every_block(item: dict[str, Any]) -> None:
    assert set(item) >= FREE_BLOCKS | SCOPED_BLOCKS
    assert all("candidates_count" in stage for stage in item["stages"])


async def test_every_job_flag_without_its_scope_answers_200_without_the_block(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    reader = await build.actor(["jobs_r"], organization=admin.organization)

    retrieved = await client.get(
        f"{JOBS}/{job['reference']}", params=EVERY_JOB_FLAG, headers=reader.headers
    )
    listed = await client.get(
        JOBS, params={"organization_reference": admin.org, **EVERY_JOB_FLAG}, headers=reader.headers
    )
    head = await client.head(
        JOBS, params={"organization_reference": admin.org, **EVERY_JOB_FLAG}, headers=reader.headers
    )

    assert retrieved.status_code == 200, retrieved.text
    _assert_scoped_blocks_left_out(retrieved.json())
    for item in _by_name(listed).values():
        _assert_scoped_blocks_left_out(item)
    assert head.status_code == 200
    assert head.headers["x-total"] == "2"


async def test_jobs_all_flags_without_their_scopes_are_left_out(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    partner = await build.actor(["su_jobs_r"], organization=admin.organization)

    response = await client.get(ALL, params=EVERY_JOB_FLAG, headers=partner.headers)

    assert response.status_code == 200, response.text
    assert job["reference"] in {item["reference"] for item in response.json()}
    for item in response.json():
        _assert_scoped_blocks_left_out(item)


async def test_a_flag_never_lets_a_token_without_the_endpoint_scope_in(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    stranger = await build.actor(["offices_r", "candidates_r"], organization=admin.organization)

    response = await client.get(
        f"{JOBS}/{job['reference']}", params=EVERY_JOB_FLAG, headers=stranger.headers
    )

    assert_error(
        response, 403, "invalid_scope", "This endpoint requires the jobs_r or su_jobs_r scope"
    )


@pytest.mark.parametrize("first", ["full", "narrow"])
async def test_the_response_cache_never_serves_one_tokens_blocks_to_another(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any], first: str
) -> None:
    full = await build.actor(
        ["jobs_r", "offices_r", "candidates_r"], organization=admin.organization
    )
    narrow = await build.actor(["jobs_r"], organization=admin.organization)
    callers = [full, narrow] if first == "full" else [narrow, full]
    list_params = {"organization_reference": admin.org, **EVERY_JOB_FLAG}

    # Twice each, interleaved: the second round is answered from the cache.
    for _ in range(2):
        for caller in callers:
            retrieved = await client.get(
                f"{JOBS}/{job['reference']}", params=EVERY_JOB_FLAG, headers=caller.headers
            )
            listed = _by_name(await client.get(JOBS, params=list_params, headers=caller.headers))
            assert retrieved.status_code == 200, retrieved.text
            if caller is full:
                _assert_every_block(retrieved.json())
                assert retrieved.json()["candidates_count"] == 2
                assert listed["Flagged"]["candidates_count"] == 2
                for item in listed.values():
                    _assert_every_block(item)
            else:
                _assert_scoped_blocks_left_out(retrieved.json())
                for item in listed.values():
                    _assert_scoped_blocks_left_out(item)


async def test_a_token_that_may_not_see_a_block_shares_the_entry_of_one_that_did_not_ask(
    client: httpx.AsyncClient, admin: Actor, build: Builder, job: dict[str, Any]
) -> None:
    narrow = await build.actor(["jobs_r"], organization=admin.organization)
    asked = await client.get(
        f"{JOBS}/{job['reference']}",
        params={"stages": "true", "candidates_count": "true"},
        headers=narrow.headers,
    )
    plain = await client.get(
        f"{JOBS}/{job['reference']}", params={"stages": "true"}, headers=admin.headers
    )

    assert asked.status_code == plain.status_code == 200
    assert asked.json() == plain.json()


@pytest.mark.parametrize(
    ("flag", "scopes"),
    [("offices", ["offices_r"]), ("images", ["images_r"]), ("videos", ["videos_r"])],
)
async def test_organisation_flags_without_their_scope_answer_200_without_the_block(
    client: httpx.AsyncClient, build: Builder, flag: str, scopes: list[str]
) -> None:
    bare = await build.actor(["organizations_r"])
    scoped = await build.actor(["organizations_r", *scopes], organization=bare.organization)

    left_out = await client.get(
        f"{ORGANIZATIONS}/{bare.org}", params={flag: "true"}, headers=bare.headers
    )
    shown = await client.get(
        f"{ORGANIZATIONS}/{bare.org}", params={flag: "true"}, headers=scoped.headers
    )

    assert left_out.status_code == shown.status_code == 200
    assert flag not in left_out.json()
    assert shown.json()[flag] == []
    assert {k: v for k, v in shown.json().items() if k != flag} == left_out.json()


@pytest.mark.parametrize(
    ("scopes", "shown"),
    [
        (["me_r"], set()),
        (["me_r", "organizations_r"], {"organizations"}),
        (["me_r", "jobs_r"], {"jobs"}),
        (["me_r", "organizations_r", "jobs_r"], {"organizations"}),
    ],
)
async def test_current_user_flags_without_their_scope_are_left_out(
    client: httpx.AsyncClient, build: Builder, scopes: list[str], shown: set[str]
) -> None:
    actor = await build.actor(scopes)

    response = await client.get(
        CURRENT_USER,
        params={"organizations": "true", "jobs": "true", "stages": "true"},
        headers=actor.headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"display_name", "avatar_url", "email", *shown}
    jobs = body.get("jobs") or [
        job for org in body.get("organizations", []) for job in org.get("jobs", [])
    ]
    if "jobs_r" in scopes:
        assert jobs
        assert all(job["stages"] for job in jobs)
    else:
        assert not jobs
