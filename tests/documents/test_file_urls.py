"""The signed ``file_url`` of a document (§15.8): served without the API token, byte ranges,
HEAD, and refused once tampered with or expired. Ranges run on both storage adapters."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from canopy.files.urls import SALT
from tests.documents.helpers import DOCUMENTS, PDF, Target, assert_error
from tests.fixtures.apps import Apps, client_for
from tests.fixtures.builders import Actor
from tests.fixtures.remote import RemoteServer, pdf

# A PDF of a few KB, so that ranges land in the middle of something.
BODY = pdf("x" * 3000)
SIZE = len(BODY)


async def _attach(client: httpx.AsyncClient, admin: Actor, target: Target, url: str) -> str:
    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": [{"filename": "resume", "url": url}],
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    file_url: str = response.json()[0]["file_url"]
    return file_url


@pytest.fixture
async def file_url(
    files_client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> str:
    return await _attach(files_client, admin, target, remote.file("/resume.pdf", BODY, PDF))


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        pytest.param("bytes=0-9", 0, 9, id="first-bytes"),
        pytest.param("bytes=1000-1999", 1000, 1999, id="middle"),
        pytest.param("bytes=-10", SIZE - 10, SIZE - 1, id="suffix"),
        pytest.param("bytes=3000-", 3000, SIZE - 1, id="open-ended"),
        pytest.param(f"bytes=10-{SIZE * 2}", 10, SIZE - 1, id="past-the-end-clamped"),
        pytest.param(f"bytes=-{SIZE * 2}", 0, SIZE - 1, id="suffix-longer-than-the-file"),
        pytest.param(f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE - 1, id="last-byte"),
    ],
)
async def test_range_request_answers_206_with_exactly_those_bytes(
    files_client: httpx.AsyncClient, file_url: str, header: str, first: int, last: int
) -> None:
    response = await files_client.get(file_url, headers={"Range": header})

    assert response.status_code == 206, response.text
    assert response.content == BODY[first : last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert response.headers["content-length"] == str(last - first + 1)
    assert response.headers["content-type"] == PDF


@pytest.mark.parametrize(
    "header", [f"bytes={SIZE}-", f"bytes={SIZE + 100}-{SIZE + 200}", "bytes=-0"]
)
async def test_unsatisfiable_range_answers_416_with_the_error_body(
    files_client: httpx.AsyncClient, file_url: str, header: str
) -> None:
    response = await files_client.get(file_url, headers={"Range": header})

    assert_error(response, 416, "range_not_satisfiable", "The requested range is not satisfiable")
    assert response.headers["content-range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "bytes=9-2", "items=0-9", "bytes=abc", "bytes=-"]
)
async def test_range_a_server_may_ignore_answers_the_whole_file(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer, header: str
) -> None:
    url = await _attach(client, admin, target, remote.file("/resume.pdf", BODY, PDF))

    response = await client.get(url, headers={"Range": header})

    assert response.status_code == 200, response.text
    assert response.content == BODY
    assert "content-range" not in response.headers


async def test_head_answers_the_headers_of_get_without_a_body(
    files_client: httpx.AsyncClient, file_url: str
) -> None:
    whole = await files_client.head(file_url)
    part = await files_client.head(file_url, headers={"Range": "bytes=-10"})

    assert whole.status_code == 200
    assert whole.content == b""
    assert whole.headers["content-length"] == str(SIZE)
    assert whole.headers["content-type"] == PDF
    assert whole.headers["content-disposition"].startswith('inline; filename="resume.pdf"')
    assert part.status_code == 206
    assert part.content == b""
    assert part.headers["content-range"] == f"bytes {SIZE - 10}-{SIZE - 1}/{SIZE}"
    assert part.headers["content-length"] == "10"


async def test_file_url_is_served_whatever_authorization_is_sent(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    url = await _attach(client, admin, target, remote.file("/resume.pdf", BODY, PDF))

    with_token = await client.get(url, headers=admin.headers)
    with_a_bad_token = await client.get(url, headers={"Authorization": "Bearer nope"})

    assert with_token.content == with_a_bad_token.content == BODY


def _flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def _split(file_url: str) -> tuple[str, str, str]:
    """``(base, token, name)`` of ``{base}/files/{token}/{name}``."""
    base, _, rest = file_url.partition("/files/")
    token, _, name = rest.partition("/")
    return base, token, name


@pytest.mark.parametrize("part", [0, 1, 2], ids=["payload", "timestamp", "signature"])
async def test_tampered_file_url_is_forbidden(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    part: int,
) -> None:
    url = await _attach(client, admin, target, remote.file("/resume.pdf", BODY, PDF))
    base, token, name = _split(url)
    pieces = token.rsplit(".", 2)  # payload (may start with "."), timestamp, signature
    pieces[part] = _flip(pieces[part], len(pieces[part]) // 2)

    response = await client.get(f"{base}/files/{'.'.join(pieces)}/{name}")

    assert_error(response, 403, "forbidden", "This file link is not valid")


async def test_file_url_signed_with_another_key_is_forbidden(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer, app: object
) -> None:
    url = await _attach(client, admin, target, remote.file("/resume.pdf", BODY, PDF))
    base, token, name = _split(url)
    secret: str = app.state.secret_key  # type: ignore[attr-defined]
    payload = URLSafeTimedSerializer(secret, salt=SALT).loads(token)
    forged = URLSafeTimedSerializer("another-secret-key-0123456789abcdefghij", salt=SALT).dumps(
        payload
    )

    response = await client.get(f"{base}/files/{forged}/{name}")

    assert_error(response, 403, "forbidden", "This file link is not valid")


class _SignedAnHourAgo(TimestampSigner):
    """itsdangerous' extension point for the signing time."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def _signed_an_hour_ago(app: FastAPI, file_url: str) -> str:
    base, token, name = _split(file_url)
    secret: str = app.state.secret_key
    payload: Any = URLSafeTimedSerializer(secret, salt=SALT).loads(token)
    old = URLSafeTimedSerializer(secret, salt=SALT, signer=_SignedAnHourAgo).dumps(payload)
    return f"{base}/files/{old}/{name}"


async def test_file_url_older_than_its_ttl_is_forbidden_as_expired(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer, apps: Apps
) -> None:
    url = await _attach(client, admin, target, remote.file("/resume.pdf", BODY, PDF))
    short = await apps.get(file_url_ttl_seconds=60)
    old_url = _signed_an_hour_ago(short, url)

    async with client_for(short) as short_client:
        expired = await short_client.get(old_url)
        fresh = await short_client.get(url)
    default_ttl = await client.get(old_url)

    assert_error(expired, 403, "forbidden", "This file link has expired")
    assert fresh.status_code == 200
    assert fresh.content == BODY
    # The same hour-old link is within the default week.
    assert default_ttl.status_code == 200
    assert default_ttl.content == BODY


async def test_file_url_is_absolute_under_the_public_base_url(
    apps: Apps, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    public = await apps.get(public_base_url="https://canopy.example.org/")

    async with client_for(public) as client:
        url = await _attach(client, admin, target, remote.file("/resume.pdf", BODY, PDF))
        # What a reverse proxy for that host would pass on.
        served = await client.get(url.removeprefix("https://canopy.example.org"))

    assert url.startswith("https://canopy.example.org/files/")
    assert url.endswith("/resume.pdf")
    assert served.content == BODY
