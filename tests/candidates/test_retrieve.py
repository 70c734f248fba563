"""GET /candidates/:reference (§5.3): the Candidate object, ``stage`` and ``tags`` on request."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Stage
from tests.candidates.helpers import CANDIDATES, assert_error, counts, list_candidates, new_job
from tests.fixtures.builders import Actor, Builder


async def test_retrieve_returns_the_candidate_without_inclusions_by_default(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    created = await build.candidate(client, admin, job.reference, tag_list="go,rust")

    response = await client.get(f"{CANDIDATES}/{created['reference']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json() == {k: v for k, v in created.items() if k not in ("stage", "tags")}


@pytest.mark.parametrize("truth", ["true", "1", "True"])
async def test_retrieve_with_both_flags_includes_stage_and_tags(
    client: httpx.AsyncClient, admin: Actor, build: Builder, truth: str
) -> None:
    job = await new_job(client, build, admin)
    created = await build.candidate(
        client, admin, job.reference, tag_list="go,rust", job_stage_id=job.stages["archived"]
    )

    response = await client.get(
        f"{CANDIDATES}/{created['reference']}",
        params={"stage": truth, "tags": truth},
        headers=admin.headers,
    )

    candidate = response.json()
    assert candidate == created
    assert candidate["stage"] == {
        "id": job.stages["archived"],
        "name": "Archived",
        "reference": "archived",
        "visible": False,
    }
    assert candidate["tags"] == ["go", "rust"]


async def test_retrieve_with_false_flags_omits_the_inclusions(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    created = await build.candidate(client, admin, job.reference)

    response = await client.get(
        f"{CANDIDATES}/{created['reference']}",
        params={"stage": "false", "tags": "0"},
        headers=admin.headers,
    )

    assert "stage" not in response.json()
    assert "tags" not in response.json()


async def test_retrieve_accepts_the_token_in_the_query_string(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    created = await build.candidate(client, admin, job.reference)

    response = await client.get(
        f"{CANDIDATES}/{created['reference']}", params={"access_token": admin.token}
    )

    assert response.status_code == 200
    assert response.json()["reference"] == created["reference"]


@pytest.mark.parametrize(
    "reference", ["wttj-000000000000000000000000", "WTTJ-nope", "1", "wttj-" + "f" * 59]
)
async def test_retrieve_of_an_unknown_candidate_is_not_found(
    client: httpx.AsyncClient, admin: Actor, reference: str
) -> None:
    response = await client.get(f"{CANDIDATES}/{reference}", headers=admin.headers)

    assert_error(response, 404, "not_found", "Candidate not found")


async def test_retrieve_and_update_with_a_nul_character_in_the_reference_are_not_found(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    got = await client.get(f"{CANDIDATES}/wttj-%00", headers=admin.headers)
    put = await client.put(f"{CANDIDATES}/wttj-%00", json={}, headers=admin.headers)

    assert_error(got, 404, "not_found", "Resource not found")
    assert_error(put, 404, "not_found", "Resource not found")


async def test_a_nul_character_in_a_job_reference_is_not_found(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    got = await client.get("/api/v1/external/jobs/WTTJ_%00", headers=admin.headers)

    assert_error(got, 404, "not_found", "Resource not found")


async def test_retrieve_without_a_token_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{CANDIDATES}/wttj-000000000000000000000000")

    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_retrieve_after_its_stage_was_deleted_shows_no_stage(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    job = await new_job(client, build, admin)
    created = await build.candidate(client, admin, job.reference, job_stage_id=job.stages["hired"])
    async with maker() as session:
        stage = await session.get(Stage, job.stages["hired"])
        assert stage is not None
        await session.delete(stage)
        await session.commit()

    response = await client.get(
        f"{CANDIDATES}/{created['reference']}", params={"stage": "true"}, headers=admin.headers
    )

    assert response.status_code == 200
    assert response.json()["stage_id"] is None
    assert response.json()["stage"] is None
    # Still the job's candidate: its counter and the list agree.
    assert (await counts(client, admin, job.reference))[0] == 1
    listed = await list_candidates(client, admin, job.reference)
    assert [c["reference"] for c in listed.json()] == [created["reference"]]
    assert listed.headers["x-total"] == "1"
