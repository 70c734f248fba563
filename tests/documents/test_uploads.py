"""Beyond the original: documents uploaded as ``multipart/form-data`` parts, alone or with
remote URLs, all or nothing; and the limits on what one request may carry (§15.2: 413).
The uploads run on both storage adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents.helpers import (
    DOCUMENTS,
    PDF,
    Target,
    assert_document,
    assert_error,
    document_count,
)
from tests.fixtures.apps import Apps, client_for, object_keys
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, docx, image, odt, pdf, txt

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
# One file of at most 4 KB per request: a request body may carry 4 KB + 1 MB.
TIGHT = {"max_files_per_request": 1, "max_document_bytes": 4096}
TIGHT_LIMIT = 4096 + 1024 * 1024

Part = tuple[str, tuple[str, bytes, str]]


def _part(filename: str, body: bytes, content_type: str = "application/octet-stream") -> Part:
    return ("files", (filename, body, content_type))


async def test_uploaded_parts_are_attached_with_their_names_and_sniffed_types(
    files_app: FastAPI,
    files_client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    temp_files: Callable[[FastAPI], list[str]],
) -> None:
    bodies = [pdf("uploaded"), docx(), image("PNG")]
    keys = await object_keys(files_app, "documents")

    response = await files_client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference},
        # The client's claimed types are wrong on purpose: the bytes decide.
        files=[
            _part("resume.pdf", bodies[0], "text/plain"),
            _part("letter.docx", bodies[1]),
            _part("photo.png", bodies[2], "application/pdf"),
        ],
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    documents = response.json()
    assert_document(documents[0], target, "resume.pdf", bodies[0], PDF)
    assert_document(documents[1], target, "letter.docx", bodies[1], DOCX)
    assert_document(documents[2], target, "photo.png", bodies[2], "image/png")
    for document, body in zip(documents, bodies, strict=True):
        served = await files_client.get(document["file_url"])
        assert served.content == body
        assert served.headers["content-type"] == document["content_type"]
    assert len(await object_keys(files_app, "documents") - keys) == 3
    assert temp_files(files_app) == []


@pytest.mark.parametrize("field", ["filenames", "filenames[]"])
async def test_filenames_fields_name_the_uploaded_parts_in_order(
    client: httpx.AsyncClient, admin: Actor, target: Target, field: str
) -> None:
    response = await client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference, field: ["Resume", "Cover letter"]},
        files=[_part("a.pdf", pdf("a")), _part("b.odt", odt()), _part("c.txt", txt())],
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    # Fewer names than parts: the others keep their own.
    assert [d["filename"] for d in response.json()] == ["Resume", "Cover letter", "c.txt"]
    assert [d["content_type"] for d in response.json()] == [PDF, ODT, "text/plain"]


async def test_a_single_filenames_field_names_the_single_part(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    response = await client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference, "filenames": "Resume"},
        files=[_part("scan-0042.pdf", pdf())],
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert [d["filename"] for d in response.json()] == ["Resume"]


async def test_more_filenames_than_parts_is_refused(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    response = await client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference, "filenames": ["One", "Two"]},
        files=[_part("a.pdf", pdf())],
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "filenames has more names than there are uploaded files",
    )
    assert await document_count(maker, target.reference) == 0


async def test_a_bad_filenames_field_is_refused_naming_it(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    response = await client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference, "filenames": ["ok", "../etc/passwd"]},
        files=[_part("a.pdf", pdf()), _part("b.pdf", pdf())],
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "filenames.1 is invalid: must not contain control characters or slashes",
    )


async def test_a_part_name_with_folders_keeps_only_the_base_name(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    response = await client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference},
        files=[_part("C:\\Users\\ada\\cv.pdf", pdf()), _part("/home/ada/letter.pdf", pdf())],
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert [d["filename"] for d in response.json()] == ["cv.pdf", "letter.pdf"]


async def test_uploads_and_remote_urls_in_one_request_are_all_attached(
    files_client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    uploaded, fetched = pdf("uploaded"), pdf("fetched")
    url = remote.file("/portfolio.pdf", fetched)

    response = await files_client.post(
        DOCUMENTS,
        data={
            "candidate_reference": target.reference,
            "filenames": "Resume",
            "remote_file_urls[][filename]": "portfolio",
            "remote_file_urls[][url]": url,
        },
        files=[_part("cv.pdf", uploaded)],
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    documents = response.json()
    assert [d["filename"] for d in documents] == ["Resume", "portfolio"]
    for document, body in zip(documents, (uploaded, fetched), strict=True):
        assert (await files_client.get(document["file_url"])).content == body


@pytest.mark.parametrize(
    ("parts", "description"),
    [
        pytest.param(
            [_part("a.pdf", pdf()), _part("empty.pdf", b"")],
            "files[1] (empty.pdf) is empty",
            id="empty",
        ),
    ],
)
async def test_a_refused_upload_is_named_and_nothing_is_stored(
    files_app: FastAPI,
    files_client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
    parts: list[Part],
    description: str,
) -> None:
    keys = await object_keys(files_app, "documents")

    response = await files_client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference},
        files=parts,
        headers=admin.headers,
    )

    assert_error(response, 400, "validation_failed", description)
    assert await document_count(maker, target.reference) == 0
    assert await object_keys(files_app, "documents") == keys
    assert temp_files(files_app) == []


async def test_fine_uploads_with_a_failing_remote_url_store_nothing(
    files_app: FastAPI,
    files_client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
) -> None:
    keys = await object_keys(files_app, "documents")

    response = await files_client.post(
        DOCUMENTS,
        data={
            "candidate_reference": target.reference,
            "remote_file_urls[][filename]": "metadata",
            "remote_file_urls[][url]": "http://169.254.169.254/latest/meta-data/",
        },
        files=[_part("a.pdf", pdf()), _part("b.pdf", pdf())],
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "remote_file_urls[0] (http://169.254.169.254/latest/meta-data/) could not be "
        "downloaded: the host is not allowed",
    )
    assert await document_count(maker, target.reference) == 0
    assert await object_keys(files_app, "documents") == keys
    assert temp_files(files_app) == []


async def test_uploads_and_remote_urls_count_together_against_the_ten_file_limit(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    url = remote.file("/a.pdf", pdf())
    # The remote files in the query string, the uploads in the body: one request.
    query = [("candidate_reference", target.reference)]
    for n in range(6):
        query += [("remote_file_urls[][filename]", f"remote {n}"), ("remote_file_urls[][url]", url)]

    response = await client.post(
        f"{DOCUMENTS}?{urlencode(query)}",  # in order: httpx's params would group the keys
        files=[_part(f"{n}.pdf", pdf()) for n in range(5)],
        headers=admin.headers,
    )

    assert_error(
        response,
        400,
        "validation_failed",
        "remote_file_urls has 11 files; at most 10 are accepted per request",
    )
    assert remote.requests == []


# -- the limits on a request's size -----------------------------------------------------


async def test_upload_larger_than_the_document_cap_is_refused_naming_it(
    apps: Apps,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
) -> None:
    tight = await apps.get(**TIGHT)
    keys = await object_keys(tight, "documents")

    async with client_for(tight) as client:
        response = await client.post(
            DOCUMENTS,
            data={"candidate_reference": target.reference},
            files=[_part("big.pdf", pdf("x" * 5000))],
            headers=admin.headers,
        )

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "validation_failed"
    assert response.json()["error_description"].startswith("files[0] (big.pdf) is larger than ")
    assert await document_count(maker, target.reference) == 0
    assert await object_keys(tight, "documents") == keys
    assert temp_files(tight) == []


async def _chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
async def test_request_body_over_the_whole_request_limit_is_payload_too_large(
    apps: Apps,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
    chunked: bool,
) -> None:
    tight = await apps.get(**TIGHT)
    keys = await object_keys(tight, "documents")
    # A well-formed multipart body of 2 MB: one part over the limit of the whole request.
    built = httpx.Request(
        "POST",
        "http://testserver/",
        data={"candidate_reference": target.reference},
        files=[_part("huge.pdf", pdf() + b"\n" * (2 * 1024 * 1024))],
    )
    body = built.read()
    headers = {**admin.headers, "Content-Type": built.headers["content-type"]}

    async with client_for(tight) as client:
        if chunked:
            request = client.build_request(
                "POST", DOCUMENTS, content=_chunks(body), headers=headers
            )
            assert "content-length" not in request.headers
            assert request.headers["transfer-encoding"] == "chunked"
            response = await client.send(request)
        else:
            response = await client.post(DOCUMENTS, content=body, headers=headers)

    assert_error(
        response,
        413,
        "payload_too_large",
        f"The request body is larger than {TIGHT_LIMIT} bytes",
    )
    assert await document_count(maker, target.reference) == 0
    assert await object_keys(tight, "documents") == keys
    assert temp_files(tight) == []


async def test_request_body_just_under_the_whole_request_limit_is_read(
    apps: Apps, admin: Actor, target: Target
) -> None:
    tight = await apps.get(**TIGHT)
    # Under the request limit, but its part is over the document cap: the 400 of the part.
    built = httpx.Request(
        "POST",
        "http://testserver/",
        data={"candidate_reference": target.reference},
        files=[_part("big.pdf", pdf() + b"\n" * (TIGHT_LIMIT - 4096))],
    )
    body = built.read()
    assert len(body) <= TIGHT_LIMIT
    headers = {**admin.headers, "Content-Type": built.headers["content-type"]}

    async with client_for(tight) as client:
        response = await client.post(DOCUMENTS, content=_chunks(body), headers=headers)

    assert response.status_code == 400, response.text
    assert response.json()["error_description"].startswith("files[0] (big.pdf) is larger than ")


async def test_json_body_over_its_limit_is_payload_too_large(
    client: httpx.AsyncClient, admin: Actor, target: Target
) -> None:
    padding = "x" * (1024 * 1024)

    response = await client.post(
        DOCUMENTS,
        json={"candidate_reference": target.reference, "padding": padding},
        headers=admin.headers,
    )

    assert_error(
        response, 413, "payload_too_large", f"The request body is larger than {1024 * 1024} bytes"
    )
