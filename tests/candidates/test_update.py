"""PUT /candidates/:reference (§5.5): every parameter optional, only what is given changes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.candidates.helpers import (
    CANDIDATES,
    MEDIA_FIELDS,
    REMOTE_FILE_PARAMS,
    JobInfo,
    assert_error,
    assert_invalid,
    new_job,
    parse_time,
    row_counts,
)
from tests.fixtures.builders import Actor, Builder

FLAGS = {"stage": "true", "tags": "true"}


async def _setup(
    client: httpx.AsyncClient, admin: Actor, build: Builder, **fields: Any
) -> tuple[JobInfo, dict[str, Any]]:
    job = await new_job(client, build, admin)
    candidate = await build.candidate(client, admin, job.reference, **fields)
    return job, candidate


async def _put(
    client: httpx.AsyncClient, actor: Actor, reference: str, **body: Any
) -> httpx.Response:
    return await client.put(
        f"{CANDIDATES}/{reference}", json=body, params=FLAGS, headers=actor.headers
    )


async def _get(client: httpx.AsyncClient, actor: Actor, reference: str) -> dict[str, Any]:
    response = await client.get(f"{CANDIDATES}/{reference}", params=FLAGS, headers=actor.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_update_changes_the_given_profile_fields_and_keeps_the_others(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    _, before = await _setup(
        client, admin, build, phone="0102030405", subtitle="Engineer", tag_list="go"
    )
    await asyncio.sleep(0.01)  # so that updated_at visibly moves

    response = await _put(
        client,
        admin,
        before["reference"],
        email="grace@example.com",
        firstname="Grace",
        lastname="Hopper",
        subtitle="Rear admiral",
        cover_letter="Dear team,",
        city="Arlington",
        country_code="us",
    )

    assert response.status_code == 200, response.text
    after = response.json()
    assert after["profile"] == {
        **before["profile"],
        "email": "grace@example.com",
        "firstname": "Grace",
        "lastname": "Hopper",
        "subtitle": "Rear admiral",
        "city": "Arlington",
        "country_code": "US",
        "country_name": "United States",
    }
    assert after["cover_letter"] == "Dear team,"
    assert after["tags"] == ["go"]
    assert after["stage"] == before["stage"]
    assert after["created_at"] == before["created_at"]
    assert parse_time(after["updated_at"]) > parse_time(before["updated_at"])
    assert await _get(client, admin, before["reference"]) == after


async def test_update_with_no_params_changes_nothing_but_updated_at(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    _, before = await _setup(client, admin, build, tag_list="go", media_github="https://gh/x")

    response = await _put(client, admin, before["reference"])

    assert response.status_code == 200, response.text
    assert {**response.json(), "updated_at": None} == {**before, "updated_at": None}


async def test_update_with_tag_list_replaces_the_tags(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    _, before = await _setup(client, admin, build, tag_list="ruby,go")

    replaced = await _put(client, admin, before["reference"], tag_list="elixir, go ,elixir")
    cleared = await _put(client, admin, before["reference"], tag_list="")

    assert replaced.json()["tags"] == ["elixir", "go"]
    assert cleared.json()["tags"] == []


async def test_update_sets_and_clears_media_links(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    _, before = await _setup(
        client, admin, build, media_github="https://github.com/a", media_twitter="https://t/a"
    )

    response = await _put(
        client,
        admin,
        before["reference"],
        media_github="",
        media_twitter=None,
        media_linkedin="https://www.linkedin.com/in/a",
    )

    profile = response.json()["profile"]
    assert {name: profile[name] for name in MEDIA_FIELDS} == {
        **dict.fromkeys(MEDIA_FIELDS),
        "media_linkedin": "https://www.linkedin.com/in/a",
    }


@pytest.mark.parametrize(("value", "expected"), [("true", True), (True, True), ("0", False)])
async def test_update_archived_archives_and_unarchives(
    client: httpx.AsyncClient, admin: Actor, build: Builder, value: Any, expected: bool
) -> None:
    _, before = await _setup(client, admin, build, archived=not expected)

    response = await _put(client, admin, before["reference"], archived=value)

    assert response.json()["archived"] is expected


@pytest.mark.parametrize("param", ["email", "firstname", "lastname", "archived"])
async def test_update_refuses_to_null_a_required_field(
    client: httpx.AsyncClient, admin: Actor, build: Builder, param: str
) -> None:
    _, before = await _setup(client, admin, build)

    response = await _put(client, admin, before["reference"], **{param: None})

    assert_error(response, 400, "validation_failed", f"{param} cannot be null")
    assert await _get(client, admin, before["reference"]) == before


async def test_update_with_a_bad_email_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    _, before = await _setup(client, admin, build)

    response = await _put(client, admin, before["reference"], email="nope", firstname="X")

    assert_invalid(response, "email")
    assert await _get(client, admin, before["reference"]) == before


@pytest.mark.parametrize("param", REMOTE_FILE_PARAMS)
async def test_update_with_a_remote_file_url_is_refused_naming_it_and_changes_nothing(
    client: httpx.AsyncClient, admin: Actor, build: Builder, param: str
) -> None:
    job, before = await _setup(client, admin, build)

    response = await _put(
        client,
        admin,
        before["reference"],
        firstname="Changed",
        job_stage_id=job.stages["hired"],
        **{param: "http://127.0.0.1:9/file.pdf"},
    )

    assert_invalid(response, param)
    assert await _get(client, admin, before["reference"]) == before


async def test_update_with_a_stage_of_another_job_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    _, before = await _setup(client, admin, build)
    other = await new_job(client, build, admin, name="Designer")

    response = await _put(
        client, admin, before["reference"], job_stage_id=other.stages["hired"], firstname="X"
    )

    assert_invalid(response, "job_stage_id")
    assert await _get(client, admin, before["reference"]) == before
    assert await row_counts(maker) == (1, 0, 0)


async def test_update_of_an_unknown_candidate_is_not_found(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await _put(client, admin, "wttj-000000000000000000000000", firstname="X")

    assert_error(response, 404, "not_found", "Candidate not found")


async def test_update_ignores_organization_reference_referrer_and_comment(
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    job, before = await _setup(client, admin, build, referrer="www.linkedin.com")

    response = await _put(
        client,
        admin,
        before["reference"],
        organization_reference=outsider.org,
        referrer="elsewhere",
        comment="ignored",
    )

    assert response.status_code == 200, response.text
    assert response.json()["modal_path"] == before["modal_path"]
    listed = await client.get(
        CANDIDATES,
        params={"job_reference": job.reference, "referrer": "www.linkedin.com"},
        headers=admin.headers,
    )
    assert [c["reference"] for c in listed.json()] == [before["reference"]]
    assert await row_counts(maker) == (1, 0, 0)
