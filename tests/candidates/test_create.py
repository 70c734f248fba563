"""POST /candidates (§5.4, §15.7): the Candidate object of §5.1 from the parameters of §5.4."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Candidate, Comment, Role
from tests.candidates.helpers import (
    CANDIDATE_REFERENCE,
    CANDIDATES,
    CONTRACT_CANDIDATE,
    CONTRACT_CREATE,
    MEDIA_FIELDS,
    REMOTE_FILE_PARAMS,
    assert_error,
    assert_invalid,
    counts,
    list_candidates,
    new_job,
    parse_time,
    row_counts,
)
from tests.fixtures.builders import Actor, Builder

FLAGS = {"stage": "true", "tags": "true"}


def _body(actor: Actor, job_reference: str, **fields: Any) -> dict[str, Any]:
    body = {
        "organization_reference": actor.org,
        "job_reference": job_reference,
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        **fields,
    }
    return {key: value for key, value in body.items() if value is not None}


async def test_create_with_every_documented_param_returns_the_contract_candidate_object(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    body = {
        **CONTRACT_CREATE,
        "organization_reference": admin.org,
        "job_reference": job.reference,
        "job_stage_id": job.stages["refused"],
    }
    before = datetime.now(UTC)

    response = await client.post(CANDIDATES, json=body, params=FLAGS, headers=admin.headers)

    assert response.status_code == 201, response.text
    candidate = response.json()
    assert set(CONTRACT_CANDIDATE) <= set(candidate)
    assert set(CONTRACT_CANDIDATE["profile"]) | set(MEDIA_FIELDS) == set(candidate["profile"])
    # Every documented field with a value has the documented JSON type.
    for key, example in CONTRACT_CANDIDATE.items():
        if example is not None and candidate[key] is not None:
            assert type(candidate[key]) is type(example), key
    reference = candidate["reference"]
    assert CANDIDATE_REFERENCE.match(reference)
    created = parse_time(candidate["created_at"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
    assert candidate["updated_at"] == candidate["created_at"]
    assert candidate == {
        "reference": reference,
        "cover_letter": "",
        "created_at": candidate["created_at"],
        "job_reference": job.reference,
        "modal_path": f"/dashboard/o/{admin.org}/jobs/{job.reference}/card/{reference}",
        "portfolio_size": None,
        "portfolio_url": None,
        "resume_content_type": None,
        "resume_size": None,
        "resume_url": None,
        "stage_id": job.stages["refused"],
        "stage": {
            "id": job.stages["refused"],
            "name": "Refused",
            "reference": "refused",
            "visible": True,
        },
        "updated_at": candidate["created_at"],
        "profile": {
            "address": None,
            "avatar_url": "http://testserver/assets/default-avatar.png",
            "city": None,
            "country_code": None,
            "country_name": None,
            "email": "test@example.com",
            "firstname": "Foo",
            "lastname": "Bar",
            "phone": "+33 6 12 34 56 78",
            "subtitle": "CTO @ WTTJ",
            "zip_code": None,
            **{name: CONTRACT_CREATE[name] for name in MEDIA_FIELDS},
        },
        "tags": ["ruby", "react", "go", "elixir", "react native"],
        "origin": "external",
        "archived": False,
    }


async def test_create_returns_the_same_object_as_a_later_retrieve(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    body = {**CONTRACT_CREATE, "organization_reference": admin.org, "job_reference": job.reference}

    created = await client.post(CANDIDATES, json=body, params=FLAGS, headers=admin.headers)
    retrieved = await client.get(
        f"{CANDIDATES}/{created.json()['reference']}", params=FLAGS, headers=admin.headers
    )

    assert retrieved.status_code == 200
    assert retrieved.json() == created.json()


async def test_create_without_flags_omits_stage_and_tags(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    response = await client.post(
        CANDIDATES, json=_body(admin, job.reference, tag_list="go"), headers=admin.headers
    )

    assert response.status_code == 201
    candidate = response.json()
    assert "stage" not in candidate
    assert "tags" not in candidate
    assert candidate["stage_id"] == job.initial


@pytest.mark.parametrize(
    ("flag", "present", "absent"), [("stage", "stage", "tags"), ("tags", "tags", "stage")]
)
async def test_create_with_one_flag_includes_only_that_inclusion(
    client: httpx.AsyncClient, admin: Actor, build: Builder, flag: str, present: str, absent: str
) -> None:
    job = await new_job(client, build, admin)

    response = await client.post(
        CANDIDATES, json=_body(admin, job.reference), params={flag: "1"}, headers=admin.headers
    )

    assert present in response.json()
    assert absent not in response.json()


async def test_create_without_job_stage_id_puts_the_candidate_in_the_initial_stage(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(client, admin, job.reference)

    assert candidate["stage_id"] == job.initial
    assert candidate["stage"] == {
        "id": job.initial,
        "name": "New",
        "reference": "initial",
        "visible": True,
    }
    assert await counts(client, admin, job.reference) == (
        1,
        {"initial": 1, "to_meet": 0, "interviewed": 0, "made_offer": 0, "hired": 0,
         "refused": 0, "archived": 0},
    )  # fmt: skip


async def test_create_accepts_job_stage_id_as_a_string(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(
        client, admin, job.reference, job_stage_id=str(job.stages["to_meet"])
    )

    assert candidate["stage"]["reference"] == "to_meet"


async def test_create_accepts_a_form_encoded_body(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    response = await client.post(
        CANDIDATES,
        data=_body(admin, job.reference, tag_list="ruby, go", archived="true"),
        params={"tags": "true"},
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["tags"] == ["ruby", "go"]
    assert response.json()["archived"] is True


async def test_create_trims_and_deduplicates_tags(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(
        client, admin, job.reference, tag_list=" ruby , react,ruby,, go ,react "
    )

    assert candidate["tags"] == ["ruby", "react", "go"]


async def test_create_without_tag_list_has_no_tags(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(client, admin, job.reference)

    assert candidate["tags"] == []


async def test_create_with_archived_true_returns_an_archived_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(client, admin, job.reference, archived=True)

    assert candidate["archived"] is True


async def test_create_with_a_null_archived_creates_a_candidate_that_is_not_archived(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(client, admin, job.reference, archived=None)
    response = await client.post(
        CANDIDATES, json={**_body(admin, job.reference), "archived": None}, headers=admin.headers
    )

    assert candidate["archived"] is False
    assert response.status_code == 201, response.text
    assert response.json()["archived"] is False


async def test_create_with_address_fields_fills_the_profile(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(
        client,
        admin,
        job.reference,
        address="11 bis rue Bachaumont",
        city="Paris",
        zip_code="75002",
        country_code="fr",
    )

    profile = candidate["profile"]
    assert (profile["address"], profile["city"], profile["zip_code"]) == (
        "11 bis rue Bachaumont",
        "Paris",
        "75002",
    )
    assert (profile["country_code"], profile["country_name"]) == ("FR", "France")


async def test_two_creates_get_different_random_references(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    first = await build.candidate(client, admin, job.reference, email="same@example.com")
    second = await build.candidate(client, admin, job.reference, email="same@example.com")

    assert CANDIDATE_REFERENCE.match(first["reference"])
    assert CANDIDATE_REFERENCE.match(second["reference"])
    assert first["reference"] != second["reference"]
    # Random, not a counter: the two share no long common prefix.
    assert first["reference"][:12] != second["reference"][:12]


async def test_create_with_comment_creates_a_rendered_comment(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    job = await new_job(client, build, admin)

    candidate = await build.candidate(client, admin, job.reference, comment="Hello **there**")

    async with maker() as session:
        rows = (
            await session.execute(
                select(Comment.raw_content, Comment.content, Comment.author_user_id)
                .join(Candidate, Candidate.id == Comment.candidate_id)
                .where(Candidate.reference == candidate["reference"])
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("Hello **there**", "<p>Hello <strong>there</strong></p>\n", admin.user.id)
    ]


async def test_create_without_comment_creates_no_comment(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    job = await new_job(client, build, admin)

    await build.candidate(client, admin, job.reference)

    assert await row_counts(maker) == (1, 0, 0)


@pytest.mark.parametrize(
    "param", ["email", "firstname", "lastname", "organization_reference", "job_reference"]
)
async def test_create_without_a_required_param_is_refused_and_creates_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    param: str,
) -> None:
    job = await new_job(client, build, admin)
    body = _body(admin, job.reference)
    del body[param]

    response = await client.post(CANDIDATES, json=body, headers=admin.headers)

    assert_error(response, 400, "validation_failed", f"{param} is missing")
    assert await row_counts(maker) == (0, 0, 0)


@pytest.mark.parametrize(
    "email", ["not-an-address", "ada@localhost", "@example.com", "ada lovelace@example.com", ""]
)
async def test_create_with_a_bad_email_is_refused(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    email: str,
) -> None:
    job = await new_job(client, build, admin)

    response = await client.post(
        CANDIDATES, json=_body(admin, job.reference, email=email), headers=admin.headers
    )

    assert_invalid(response, "email")
    assert await row_counts(maker) == (0, 0, 0)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("firstname", "Ada\x00"),
        ("cover_letter", "Dear\x00team"),
        ("comment", "\x00"),
        ("tag_list", ["go", "r\x00ust"]),
        ("job_reference", "WTTJ_\x00"),
    ],
)
async def test_create_with_a_nul_character_is_refused_naming_the_param(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    param: str,
    value: Any,
) -> None:
    job = await new_job(client, build, admin)

    response = await client.post(
        CANDIDATES, json={**_body(admin, job.reference), param: value}, headers=admin.headers
    )

    assert_error(
        response, 400, "validation_failed", f"{param} is invalid: must not contain NUL characters"
    )
    assert await row_counts(maker) == (0, 0, 0)


@pytest.mark.parametrize("param", REMOTE_FILE_PARAMS)
async def test_create_with_a_remote_file_url_is_refused_naming_it_and_creates_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    param: str,
) -> None:
    job = await new_job(client, build, admin)
    # Nothing listens on port 9 of the loopback: refused whether remote files are accepted or not.
    body = _body(admin, job.reference, comment="Hi", **{param: "http://127.0.0.1:9/cv.pdf"})

    response = await client.post(CANDIDATES, json=body, headers=admin.headers)

    assert_invalid(response, param)
    assert await row_counts(maker) == (0, 0, 0)
    assert (await counts(client, admin, job.reference))[0] == 0


async def test_create_with_a_stage_of_another_job_is_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    job = await new_job(client, build, admin)
    other = await new_job(client, build, admin, name="Designer")

    response = await client.post(
        CANDIDATES,
        json=_body(admin, job.reference, job_stage_id=other.stages["to_meet"]),
        headers=admin.headers,
    )

    assert_invalid(response, "job_stage_id")
    assert await row_counts(maker) == (0, 0, 0)


@pytest.mark.parametrize("stage_id", ["999999", "0", "-3", "abc", str(2**40)])
async def test_create_with_an_unknown_or_malformed_stage_id_is_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, stage_id: str
) -> None:
    job = await new_job(client, build, admin)

    response = await client.post(
        CANDIDATES, json=_body(admin, job.reference, job_stage_id=stage_id), headers=admin.headers
    )

    assert_invalid(response, "job_stage_id")


async def test_create_in_a_job_of_another_organization_than_the_one_named_is_not_found(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    foreign = await new_job(client, build, outsider)
    # A job of a second organisation the user is a member of: still not the one named.
    second = await build.organization()
    await build.member(second, admin.user, Role.admin)
    sibling = await build.actor(organization=second)
    sibling_job = await new_job(client, build, sibling)

    for reference in (foreign.reference, sibling_job.reference):
        response = await client.post(
            CANDIDATES, json=_body(admin, reference), headers=admin.headers
        )
        assert_error(response, 404, "not_found", "Job not found")


async def test_create_in_an_unknown_job_is_not_found(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        CANDIDATES, json=_body(admin, "WTTJ_nothere"), headers=admin.headers
    )

    assert_error(response, 404, "not_found", "Job not found")


async def test_create_in_an_organization_the_user_is_not_member_of_is_unauthorized(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    foreign = await new_job(client, build, outsider)

    for organization in (outsider.org, "Unknown"):
        response = await client.post(
            CANDIDATES,
            json={**_body(admin, foreign.reference), "organization_reference": organization},
            headers=admin.headers,
        )
        assert_error(response, 401, "unauthorized", "You are not member of this organization")
    assert (await counts(client, outsider, foreign.reference))[0] == 0


async def test_create_without_a_token_is_unauthorized_before_parameters_are_checked(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(CANDIDATES, json={})

    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_create_then_list_shows_the_candidate_in_its_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    candidate = await build.candidate(client, admin, job.reference)

    response = await list_candidates(client, admin, job.reference)

    assert [c["reference"] for c in response.json()] == [candidate["reference"]]
    assert response.headers["x-total"] == "1"
