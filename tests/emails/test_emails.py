"""Emails to candidates (§5.7): recorded with ``POST /emails`` (not sent unless asked), listed
with ``GET /emails``; their parameters, scopes and reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents.helpers import Target, member
from tests.emails.helpers import EMAIL_KEYS, EMAILS, NOT_REQUESTED, email_counts, example
from tests.fixtures.assertions import assert_error, parse_time
from tests.fixtures.builders import Actor, Builder


async def test_create_records_the_contract_email_object_without_sending_it(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    before = datetime.now(UTC)

    response = await client.post(EMAILS, json=example(target.reference), headers=admin.headers)

    assert response.status_code == 201, response.text
    email = response.json()
    assert set(email) == EMAIL_KEYS
    assert type(email["id"]) is int
    created = parse_time(email["created_at"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
    assert email == {
        "id": email["id"],
        "subject": "Greetings",
        "body": "Email body",
        "from_email": "test@example.com",
        "to": "example@test.com",
        "created_at": email["created_at"],
        "origin": "api",
        "candidate_reference": target.reference,
        "attachments": [],
        "delivery": NOT_REQUESTED,
    }
    assert await email_counts(maker) == (1, 0)


async def test_list_shows_the_candidates_emails_oldest_first_as_created(
    client: httpx.AsyncClient, admin: Actor, build: Builder, target: Target
) -> None:
    created = []
    for n in range(3):
        response = await client.post(
            EMAILS, json=example(target.reference, subject=f"Mail {n}"), headers=admin.headers
        )
        assert response.status_code == 201, response.text
        created.append(response.json())
    other = await build.candidate(client, admin, target.job_reference)
    await client.post(EMAILS, json=example(other["reference"]), headers=admin.headers)

    listed = await client.get(
        EMAILS, params={"candidate_reference": target.reference}, headers=admin.headers
    )
    page = await client.get(
        EMAILS,
        params={"candidate_reference": target.reference, "per_page": 2, "page": 2},
        headers=admin.headers,
    )

    assert listed.status_code == 200, listed.text
    assert listed.json() == created
    assert listed.headers["x-total"] == "3"
    assert page.json() == created[2:]


async def test_list_of_a_candidate_without_emails_is_an_empty_array(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    response = await client.get(
        EMAILS, params={"candidate_reference": target.reference}, headers=admin.headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == []


@pytest.mark.parametrize("send_email", ["false", "0", False])
async def test_send_email_false_only_records(
    client: httpx.AsyncClient, admin: Actor, target: Target, send_email: Any
) -> None:
    response = await client.post(
        EMAILS, json=example(target.reference, send_email=send_email), headers=admin.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["delivery"] == NOT_REQUESTED


async def test_create_accepts_a_form_body(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    form = urlencode(example(target.reference, body="Hello,\nsee you **soon**."))

    response = await client.post(
        EMAILS,
        content=form,
        headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["body"] == "Hello,\nsee you **soon**."


async def test_body_is_stored_as_given(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    body = "<p>Hi <script>x()</script></p>\n\n* markdown\n\nplain — ünïcode"

    response = await client.post(
        EMAILS, json=example(target.reference, body=body), headers=admin.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["body"] == body


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["candidate_reference", "subject", "body", "from_email", "to"])
async def test_create_without_a_required_param_is_refused_and_records_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    param: str,
) -> None:
    body = example(target.reference)
    del body[param]

    response = await client.post(EMAILS, json=body, headers=admin.headers)

    assert_error(response, 400, "validation_failed", f"{param} is missing")
    assert await email_counts(maker) == (0, 0)


@pytest.mark.parametrize(
    ("fields", "description"),
    [
        pytest.param(
            {"subject": "Hello\nBcc: everyone@example.com"},
            "subject is invalid: must be a single line",
            id="subject-newline",
        ),
        pytest.param(
            {"subject": "Hello\r"}, "subject is invalid: must be a single line", id="subject-cr"
        ),
        pytest.param(
            {"subject": ""},
            "subject is invalid: string should have at least 1 character",
            id="subject-empty",
        ),
        pytest.param(
            {"body": ""},
            "body is invalid: string should have at least 1 character",
            id="body-empty",
        ),
        pytest.param(
            {"from_email": "not an address"},
            "from_email is invalid: is not an email address",
            id="from-not-an-address",
        ),
        pytest.param(
            {"from_email": "@example.com"},
            "from_email is invalid: is not an email address",
            id="from-no-local-part",
        ),
        pytest.param(
            {"to": "someone@localhost"},
            "to is invalid: is not an email address",
            id="to-no-dot-in-domain",
        ),
        pytest.param(
            {"to": "a@example.com, b@example.com"},
            "to is invalid: is not an email address",
            id="to-two-addresses",
        ),
        pytest.param(
            {"to": "a@example.com\r\nBcc: b@example.com"},
            "to is invalid: is not an email address",
            id="to-header-injection",
        ),
        pytest.param(
            {"to": "Ada <ada@example.com>"},
            "to is invalid: is not an email address",
            id="to-display-name",
        ),
        pytest.param(
            {"send_email": "maybe"},
            "send_email is invalid: input should be a valid boolean, unable to interpret input",
            id="send-email-not-a-boolean",
        ),
    ],
)
async def test_create_with_a_bad_value_is_refused_naming_it_and_records_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    fields: dict[str, str],
    description: str,
) -> None:
    response = await client.post(
        EMAILS, json=example(target.reference, **fields), headers=admin.headers
    )

    assert_error(response, 400, "validation_failed", description)
    assert await email_counts(maker) == (0, 0)


async def test_list_without_candidate_reference_is_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(EMAILS, headers=admin.headers)

    assert_error(response, 400, "validation_failed", "candidate_reference is missing")


async def test_without_a_token_is_unauthorized(client: httpx.AsyncClient) -> None:
    assert_error(
        await client.post(EMAILS, json={}), 401, "unauthorized", "The access token is missing"
    )
    assert_error(await client.get(EMAILS), 401, "unauthorized", "The access token is missing")


# -- scopes and reach ------------------------------------------------------------------------


async def test_create_with_emails_rw_and_candidates_rw_records_the_email(
    client: httpx.AsyncClient, admin: Actor, build: Builder, target: Target
) -> None:
    other = await member(build, admin, ["emails_rw", "candidates_rw"])

    response = await client.post(EMAILS, json=example(target.reference), headers=other.headers)

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "candidates_scope",
    ["my_candidates_rw", "my_candidtates_rw"],  # the docs' typo too (§15.4)
)
async def test_create_with_my_candidates_rw_reaches_the_candidates_the_user_created(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    candidates_scope: str,
) -> None:
    writer = await member(build, admin, ["emails_rw", candidates_scope])
    own = await build.candidate(client, writer, target.job_reference)

    response = await client.post(EMAILS, json=example(own["reference"]), headers=writer.headers)
    someone_elses = await client.post(
        EMAILS, json=example(target.reference), headers=writer.headers
    )

    assert response.status_code == 201, response.text
    assert_error(someone_elses, 404, "not_found", "Candidate not found")


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        pytest.param(["candidates_rw"], "emails_rw", id="no-emails-scope"),
        pytest.param(["emails_r", "candidates_rw"], "emails_rw", id="emails_r"),
        pytest.param(["emails_rw"], "candidates_rw or my_candidates_rw", id="no-candidates"),
        pytest.param(
            ["emails_rw", "candidates_r"], "candidates_rw or my_candidates_rw", id="candidates_r"
        ),
        pytest.param(["documents_rw", "candidates_rw"], "emails_rw", id="documents"),
    ],
)
async def test_create_without_the_write_scopes_is_invalid_scope(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    scopes: list[str],
    missing: str,
) -> None:
    other = await member(build, admin, scopes)

    response = await client.post(EMAILS, json=example(target.reference), headers=other.headers)

    assert_error(response, 403, "invalid_scope", f"This endpoint requires the {missing} scope")
    assert await email_counts(maker) == (0, 0)


@pytest.mark.parametrize(
    "scopes",
    [
        pytest.param(["emails_r", "candidates_r"], id="read"),
        pytest.param(["emails_rw", "candidates_rw"], id="rw-implies-r"),
    ],
)
async def test_list_with_emails_r_and_candidates_r_shows_the_emails(
    client: httpx.AsyncClient, admin: Actor, build: Builder, target: Target, scopes: list[str]
) -> None:
    created = await client.post(EMAILS, json=example(target.reference), headers=admin.headers)
    other = await member(build, admin, scopes)

    response = await client.get(
        EMAILS, params={"candidate_reference": target.reference}, headers=other.headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == [created.json()]


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        pytest.param(["candidates_r"], "emails_r", id="no-emails-scope"),
        pytest.param(["emails_r"], "candidates_r or my_candidates_r", id="no-candidates"),
        pytest.param(["documents_r", "candidates_r"], "emails_r", id="documents"),
    ],
)
async def test_list_without_the_read_scopes_is_invalid_scope(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    scopes: list[str],
    missing: str,
) -> None:
    other = await member(build, admin, scopes)

    response = await client.get(
        EMAILS, params={"candidate_reference": target.reference}, headers=other.headers
    )

    assert_error(response, 403, "invalid_scope", f"This endpoint requires the {missing} scope")


async def test_candidate_out_of_reach_is_not_found_for_create_and_list(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    outsider: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    mine_only = await member(build, admin, ["emails_rw", "my_candidates_rw"])

    for actor in (outsider, mine_only):
        created = await client.post(EMAILS, json=example(target.reference), headers=actor.headers)
        listed = await client.get(
            EMAILS, params={"candidate_reference": target.reference}, headers=actor.headers
        )
        assert_error(created, 404, "not_found", "Candidate not found")
        assert_error(listed, 404, "not_found", "Candidate not found")
    assert await email_counts(maker) == (0, 0)
