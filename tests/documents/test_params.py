"""How ``POST /documents`` takes its parameters (§1.2, §15.1): the seed's JSON, a form body
with Rack-style arrays, the query string alone; and which parameters it refuses (§15.2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents.helpers import (
    DOCUMENTS,
    PDF,
    Target,
    assert_document,
    assert_error,
    document_count,
    remote_files,
)
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, pdf

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _seed_pairs(target: Target, resume_url: str, portfolio_url: str) -> list[tuple[str, str]]:
    """The seed's parameters as Rack-style form pairs."""
    return [
        ("candidate_reference", target.reference),
        ("remote_file_urls[][filename]", "resume"),
        ("remote_file_urls[][url]", resume_url),
        ("remote_file_urls[][filename]", "portfolio"),
        ("remote_file_urls[][url]", portfolio_url),
    ]


async def _assert_seed_attached(
    response: httpx.Response, client: httpx.AsyncClient, target: Target, bodies: list[bytes]
) -> None:
    assert response.status_code == 201, response.text
    documents = response.json()
    assert [document["filename"] for document in documents] == ["resume", "portfolio"]
    for document, body, name in zip(documents, bodies, ("resume", "portfolio"), strict=True):
        assert_document(document, target, name, body, PDF)
        assert (await client.get(document["file_url"])).content == body


@pytest.fixture
def seed_files(remote: RemoteServer) -> tuple[list[str], list[bytes]]:
    bodies = [pdf("resume"), pdf("portfolio")]
    urls = [remote.file("/resume.pdf", bodies[0]), remote.file("/portfolio.pdf", bodies[1])]
    return urls, bodies


async def test_seed_request_as_a_form_body_attaches_both_files(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    seed_files: tuple[list[str], list[bytes]],
) -> None:
    (resume, portfolio), bodies = seed_files
    form = urlencode(_seed_pairs(target, resume, portfolio))

    response = await client.post(DOCUMENTS, content=form, headers={**admin.headers, **FORM})

    await _assert_seed_attached(response, client, target, bodies)


async def test_seed_request_as_query_string_parameters_only_attaches_both_files(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    seed_files: tuple[list[str], list[bytes]],
) -> None:
    (resume, portfolio), bodies = seed_files
    query = urlencode(_seed_pairs(target, resume, portfolio))

    response = await client.post(f"{DOCUMENTS}?{query}", headers=admin.headers)

    await _assert_seed_attached(response, client, target, bodies)


async def test_form_body_with_indexed_hashes_keeps_the_index_order(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    seed_files: tuple[list[str], list[bytes]],
) -> None:
    (resume, portfolio), bodies = seed_files
    # Out of order on purpose, and past 9 so that "10" sorts after "2".
    pairs = [
        ("candidate_reference", target.reference),
        ("remote_file_urls[10][filename]", "portfolio"),
        ("remote_file_urls[10][url]", portfolio),
        ("remote_file_urls[2][url]", resume),
        ("remote_file_urls[2][filename]", "resume"),
    ]

    response = await client.post(
        DOCUMENTS, content=urlencode(pairs), headers={**admin.headers, **FORM}
    )

    await _assert_seed_attached(response, client, target, bodies)


async def test_candidate_reference_in_the_query_and_files_in_the_json_body_are_merged(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    seed_files: tuple[list[str], list[bytes]],
) -> None:
    (resume, portfolio), bodies = seed_files

    response = await client.post(
        DOCUMENTS,
        params={"candidate_reference": target.reference},
        json={"remote_file_urls": remote_files(("resume", resume), ("portfolio", portfolio))},
        headers=admin.headers,
    )

    await _assert_seed_attached(response, client, target, bodies)


async def test_filename_is_kept_as_given_and_served_with_its_utf8_name(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    name = 'CV – Zoé "Z" Ñandú; 2024.PDF'
    body = pdf()

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files((name, remote.file("/cv", body, "text/plain"))),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    [document] = response.json()
    assert_document(document, target, name, body, PDF)  # the type from the bytes, not the server
    served = await client.get(document["file_url"])
    assert served.content == body
    # Ends in .PDF already: no extension added. The ASCII name drops what it cannot carry.
    assert served.headers["content-disposition"] == (
        'inline; filename="CV  Zo Z and; 2024.PDF"; '
        "filename*=UTF-8''CV%20%E2%80%93%20Zo%C3%A9%20%22Z%22%20%C3%91and%C3%BA%3B%202024.PDF"
    )


async def test_exactly_ten_files_are_accepted(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    url = remote.file("/resume.pdf", pdf())
    files = remote_files(*((f"file {n}", f"{url}?n={n}") for n in range(10)))

    response = await client.post(
        DOCUMENTS,
        json={"candidate_reference": target.reference, "remote_file_urls": files},
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert [d["filename"] for d in response.json()] == [f"file {n}" for n in range(10)]


# -- refusals -------------------------------------------------------------------------------


async def test_eleven_files_are_refused_before_any_is_downloaded(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    url = remote.file("/resume.pdf", pdf())
    files = remote_files(*((f"file {n}", url) for n in range(11)))

    response = await client.post(
        DOCUMENTS,
        json={"candidate_reference": target.reference, "remote_file_urls": files},
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "remote_file_urls has 11 files; at most 10 are accepted per request",
    )
    assert remote.requests == []
    assert await document_count(maker, target.reference) == 0


async def test_missing_candidate_reference_is_refused(
    client: httpx.AsyncClient, admin: Actor, remote: RemoteServer
) -> None:
    response = await client.post(
        DOCUMENTS,
        json={"remote_file_urls": remote_files(("resume", remote.file("/r.pdf", pdf())))},
        headers=admin.headers,
    )

    assert_error(response, 400, "validation_failed", "candidate_reference is missing")
    assert remote.requests == []


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="absent"),
        pytest.param({"remote_file_urls": []}, id="empty-list"),
        pytest.param({"remote_file_urls": None}, id="null"),
    ],
)
async def test_missing_or_empty_remote_file_urls_is_refused(
    client: httpx.AsyncClient, admin: Actor, target: Target, extra: dict[str, Any]
) -> None:
    response = await client.post(
        DOCUMENTS,
        json={"candidate_reference": target.reference, **extra},
        headers=admin.headers,
    )

    assert_error(response, 400, "validation_failed", "remote_file_urls is missing")


async def test_remote_file_urls_missing_from_a_form_body_is_refused(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    response = await client.post(
        DOCUMENTS,
        content=urlencode({"candidate_reference": target.reference}),
        headers={**admin.headers, **FORM},
    )

    assert_error(response, 400, "validation_failed", "remote_file_urls is missing")


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        pytest.param("a\x01b", "must not contain control characters or slashes", id="control"),
        pytest.param("a\nb", "must not contain control characters or slashes", id="newline"),
        pytest.param("a\x7fb", "must not contain control characters or slashes", id="delete"),
        pytest.param("../a", "must not contain control characters or slashes", id="slash"),
        pytest.param("a\\b", "must not contain control characters or slashes", id="backslash"),
        pytest.param("x" * 256, "string should have at most 255 characters", id="too-long"),
        pytest.param("", "string should have at least 1 character", id="empty"),
    ],
)
async def test_bad_filename_is_refused_naming_it_and_nothing_is_downloaded(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    filename: str,
    reason: str,
) -> None:
    url = remote.file("/resume.pdf", pdf())

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(("fine", url), (filename, url)),
        },
        headers=admin.headers,
    )

    assert_error(
        response, 400, "validation_failed", f"remote_file_urls.1.filename is invalid: {reason}"
    )
    assert remote.requests == []


async def test_a_filename_of_255_characters_is_accepted(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    name = "é" * 255

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files((name, remote.file("/resume.pdf", pdf()))),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()[0]["filename"] == name


@pytest.mark.parametrize(
    ("item", "description"),
    [
        pytest.param({"filename": "resume"}, "remote_file_urls.0.url is missing", id="no-url"),
        pytest.param({"url": "http://x"}, "remote_file_urls.0.filename is missing", id="no-name"),
        pytest.param(
            {"filename": "resume", "url": ""},
            "remote_file_urls.0.url is invalid: string should have at least 1 character",
            id="empty-url",
        ),
    ],
)
async def test_incomplete_remote_file_is_refused_naming_its_field(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    item: dict[str, str],
    description: str,
) -> None:
    response = await client.post(
        DOCUMENTS,
        json={"candidate_reference": target.reference, "remote_file_urls": [item]},
        headers=admin.headers,
    )

    assert_error(response, 400, "validation_failed", description)


async def test_remote_file_urls_that_is_not_a_list_is_refused(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    response = await client.post(
        DOCUMENTS,
        json={"candidate_reference": target.reference, "remote_file_urls": "http://x/a.pdf"},
        headers=admin.headers,
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "validation_failed"
    assert response.json()["error_description"].startswith("remote_file_urls is invalid: ")


async def test_without_a_token_is_unauthorized_before_parameters_are_checked(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(DOCUMENTS, json={})

    assert_error(response, 401, "unauthorized", "The access token is missing")
