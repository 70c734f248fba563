"""The seed page, "Attach documents to a candidate", exactly as written: its curl example
against the real loopback server, its response array, and the files behind each ``file_url``.
Runs on both storage adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents.helpers import (
    DOCUMENT_KEYS,
    DOCUMENTS,
    PDF,
    Target,
    assert_document,
    document_count,
)
from tests.fixtures.apps import object_keys
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, pdf


async def test_seed_curl_example_attaches_both_files_and_answers_the_seed_array(
    files_app: FastAPI,
    files_client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    keys = await object_keys(files_app, "documents")
    resume, portfolio = pdf("Ada Lovelace, resume"), pdf("Ada Lovelace, portfolio")
    remote.file("/resume.pdf", resume, PDF)
    remote.file("/portfolio.pdf", portfolio, PDF)
    # The heredoc of the seed's curl example, with our candidate and server.
    body = f"""{{
  "candidate_reference": "{target.reference}",
  "remote_file_urls": [
    {{"filename": "resume", "url": "{remote.url("/resume.pdf")}"}},
    {{"filename": "portfolio", "url": "{remote.url("/portfolio.pdf")}"}}
  ]
}}
"""
    before = datetime.now(UTC)

    response = await files_client.post(
        DOCUMENTS,
        content=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {admin.token}"},
    )

    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    documents = response.json()
    assert isinstance(documents, list)
    assert [set(document) for document in documents] == [DOCUMENT_KEYS, DOCUMENT_KEYS]
    assert_document(documents[0], target, "resume", resume, PDF)
    assert_document(documents[1], target, "portfolio", portfolio, PDF)
    assert documents[0]["id"] != documents[1]["id"]
    paris = ZoneInfo("Europe/Paris")
    for document in documents:
        created = datetime.fromisoformat(document["created_at"])
        assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
        assert created.utcoffset() == created.astimezone(paris).utcoffset()
    assert len(remote.seen("/resume.pdf")) == len(remote.seen("/portfolio.pdf")) == 1
    assert await document_count(maker, target.reference) == 2
    assert len(await object_keys(files_app, "documents") - keys) == 2

    # Each file_url serves the bytes back, to anyone holding the link: no token.
    for document, data, name in zip(
        documents, (resume, portfolio), ("resume", "portfolio"), strict=True
    ):
        served = await files_client.get(document["file_url"])
        assert served.status_code == 200, served.text
        assert served.content == data
        assert served.headers["content-type"] == PDF
        assert served.headers["content-length"] == str(len(data))
        assert served.headers["content-disposition"] == (
            f"inline; filename=\"{name}.pdf\"; filename*=UTF-8''{name}.pdf"
        )
        assert served.headers["accept-ranges"] == "bytes"
        assert served.headers["x-content-type-options"] == "nosniff"


async def test_attached_documents_are_listed_oldest_first_with_the_same_fields(
    files_client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    first, second = pdf("first"), pdf("second")
    body = {
        "candidate_reference": target.reference,
        "remote_file_urls": [
            {"filename": "resume", "url": remote.file("/resume.pdf", first)},
            {"filename": "portfolio", "url": remote.file("/portfolio.pdf", second)},
        ],
    }
    created = await files_client.post(DOCUMENTS, json=body, headers=admin.headers)
    assert created.status_code == 201, created.text

    listed = await files_client.get(
        DOCUMENTS, params={"candidate_reference": target.reference}, headers=admin.headers
    )

    assert listed.status_code == 200, listed.text
    assert listed.headers["x-total"] == "2"

    def without_url(document: dict[str, object]) -> dict[str, object]:
        return {key: value for key, value in document.items() if key != "file_url"}

    assert [without_url(d) for d in listed.json()] == [without_url(d) for d in created.json()]
    for document, data in zip(listed.json(), (first, second), strict=True):
        served = await files_client.get(document["file_url"])
        assert served.content == data


async def test_a_candidate_without_documents_lists_an_empty_array(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    response = await client.get(
        DOCUMENTS, params={"candidate_reference": target.reference}, headers=admin.headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == []
    assert response.headers["x-total"] == "0"


async def test_the_seed_body_sent_twice_attaches_four_documents(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    body = {
        "candidate_reference": target.reference,
        "remote_file_urls": [
            {"filename": "resume", "url": remote.file("/resume.pdf", pdf())},
            {"filename": "portfolio", "url": remote.file("/portfolio.pdf", pdf())},
        ],
    }
    ids = []
    for _ in range(2):
        response = await client.post(DOCUMENTS, json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        ids += [document["id"] for document in response.json()]

    listed = await client.get(
        DOCUMENTS, params={"candidate_reference": target.reference}, headers=admin.headers
    )

    assert [document["id"] for document in listed.json()] == ids
    assert len(set(ids)) == 4
