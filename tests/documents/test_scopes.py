"""Who may attach and list documents (§5.8, §15.4): the scopes, and which candidates a token
reaches; anything out of reach is "not found" (§15.2)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Role
from tests.documents.helpers import (
    DOCUMENTS,
    Target,
    assert_error,
    document_count,
    member,
    remote_files,
)
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, pdf


async def _attach(
    client: httpx.AsyncClient, actor: Actor, reference: str, remote: RemoteServer
) -> httpx.Response:
    return await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": reference,
            "remote_file_urls": remote_files(("resume", remote.file("/resume.pdf", pdf()))),
        },
        headers=actor.headers,
    )


async def _list(client: httpx.AsyncClient, actor: Actor, reference: str) -> httpx.Response:
    return await client.get(
        DOCUMENTS, params={"candidate_reference": reference}, headers=actor.headers
    )


@pytest.mark.parametrize(
    "scopes",
    [
        pytest.param(["documents_rw", "candidates_rw"], id="candidates_rw"),
        pytest.param(["documents_rw", "candidates_rw", "my_candidates_rw"], id="both"),
    ],
)
async def test_attach_with_documents_rw_and_candidates_rw_is_created(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    remote: RemoteServer,
    scopes: list[str],
) -> None:
    writer = await member(build, admin, scopes)

    response = await _attach(client, writer, target.reference, remote)

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "candidates_scope",
    [
        "my_candidates_rw",
        "my_candidtates_rw",  # the docs' typo, accepted when the token is minted (§15.4)
    ],
)
async def test_attach_with_my_candidates_rw_reaches_the_candidates_the_user_created(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    candidates_scope: str,
) -> None:
    writer = await member(build, admin, ["documents_rw", candidates_scope])
    own = await build.candidate(client, writer, target.job_reference)

    attached = await _attach(client, writer, own["reference"], remote)
    someone_elses = await _attach(client, writer, target.reference, remote)

    assert attached.status_code == 201, attached.text
    assert_error(someone_elses, 404, "not_found", "Candidate not found")
    assert await document_count(maker, target.reference) == 0


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        pytest.param(["candidates_rw"], "documents_rw", id="no-documents-scope"),
        pytest.param(["documents_r", "candidates_rw"], "documents_rw", id="documents_r"),
        pytest.param(["documents_rw"], "candidates_rw or my_candidates_rw", id="no-candidates"),
        pytest.param(
            ["documents_rw", "candidates_r", "my_candidates_r"],
            "candidates_rw or my_candidates_rw",
            id="candidates_r",
        ),
        pytest.param(["emails_rw", "jobs_rw"], "documents_rw", id="unrelated"),
    ],
)
async def test_attach_without_the_write_scopes_is_invalid_scope_and_downloads_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    scopes: list[str],
    missing: str,
) -> None:
    writer = await member(build, admin, scopes)

    response = await _attach(client, writer, target.reference, remote)

    assert_error(response, 403, "invalid_scope", f"This endpoint requires the {missing} scope")
    assert remote.requests == []
    assert await document_count(maker, target.reference) == 0


@pytest.mark.parametrize(
    "scopes",
    [
        pytest.param(["documents_r", "candidates_r"], id="read"),
        pytest.param(["documents_rw", "candidates_rw"], id="rw-implies-r"),
    ],
)
async def test_list_with_documents_r_and_candidates_r_is_allowed(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    remote: RemoteServer,
    scopes: list[str],
) -> None:
    reader = await member(build, admin, scopes)
    attached = await _attach(client, admin, target.reference, remote)
    assert attached.status_code == 201, attached.text

    response = await _list(client, reader, target.reference)

    assert response.status_code == 200, response.text
    assert [d["id"] for d in response.json()] == [d["id"] for d in attached.json()]


async def test_list_with_my_candidates_r_reaches_the_candidates_the_user_created(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    remote: RemoteServer,
) -> None:
    reader = await member(build, admin, ["documents_r", "my_candidates_r"])
    # A candidate created through the API by the reader's user, with another of its tokens.
    secret, token_id = await build.token(reader.user, ["candidates_rw"])
    writer = replace(reader, token=secret, token_id=token_id)
    created = await build.candidate(client, writer, target.job_reference)
    attached = await _attach(client, admin, created["reference"], remote)

    own = await _list(client, reader, created["reference"])
    someone_elses = await _list(client, reader, target.reference)

    assert own.status_code == 200, own.text
    assert [d["id"] for d in own.json()] == [d["id"] for d in attached.json()]
    assert_error(someone_elses, 404, "not_found", "Candidate not found")


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        pytest.param(["candidates_r"], "documents_r", id="no-documents-scope"),
        pytest.param(["documents_r"], "candidates_r or my_candidates_r", id="no-candidates"),
        pytest.param(["emails_r", "jobs_r"], "documents_r", id="unrelated"),
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
    reader = await member(build, admin, scopes)

    response = await _list(client, reader, target.reference)

    assert_error(response, 403, "invalid_scope", f"This endpoint requires the {missing} scope")


async def test_candidate_of_another_organization_is_not_found_for_attach_and_list(
    client: httpx.AsyncClient,
    outsider: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    attached = await _attach(client, outsider, target.reference, remote)
    listed = await _list(client, outsider, target.reference)

    assert_error(attached, 404, "not_found", "Candidate not found")
    assert_error(listed, 404, "not_found", "Candidate not found")
    assert remote.requests == []
    assert await document_count(maker, target.reference) == 0


async def test_unknown_candidate_is_not_found(
    client: httpx.AsyncClient, admin: Actor, remote: RemoteServer
) -> None:
    unknown = "wttj-d655345409a6097309156b05"

    attached = await _attach(client, admin, unknown, remote)
    listed = await _list(client, admin, unknown)

    assert_error(attached, 404, "not_found", "Candidate not found")
    assert_error(listed, 404, "not_found", "Candidate not found")


async def test_limited_member_reaches_only_the_candidates_of_assigned_jobs(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    remote: RemoteServer,
) -> None:
    limited = await build.actor(
        ["documents_rw", "candidates_rw"], organization=admin.organization, role=Role.limited
    )

    before = await _attach(client, limited, target.reference, remote)
    await build.assign(target.job_reference, limited.user)
    after = await _attach(client, limited, target.reference, remote)

    assert_error(before, 404, "not_found", "Candidate not found")
    assert after.status_code == 201, after.text


async def test_list_of_another_candidate_does_not_show_these_documents(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    target: Target,
    remote: RemoteServer,
) -> None:
    other = await build.candidate(client, admin, target.job_reference)
    attached = await _attach(client, admin, target.reference, remote)
    assert attached.status_code == 201

    response = await _list(client, admin, other["reference"])

    assert response.json() == []
