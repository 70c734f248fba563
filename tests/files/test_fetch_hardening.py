"""The safe downloader's edges, through the API and the real remote server (§15.8): a redirect
anywhere but http(s), or to a location that is no URL at all, is a 400 naming the URL the
client gave, never a 500; an address let through only by ``CANOPY_FETCH_ALLOWED_NETWORKS`` is
fetched only on a port of ``CANOPY_FETCH_ALLOWED_PORTS``, on every hop; and no fetched URL's
query string (a presigned URL's signature) reaches a log line or an error description."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.config import Settings
from canopy.files.fetch import Downloader, FetchError, FetchPolicy, parse_ports
from tests.documents.helpers import (
    DOCUMENTS,
    Target,
    assert_error,
    document_count,
    new_target,
    remote_files,
)
from tests.fixtures.apps import Apps, client_for, object_keys
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, Reply, pdf

SCHEME = "only http and https URLs are allowed"
INVALID_REDIRECT = "the server redirected to an invalid URL"
SECRET = "X-Amz-Signature=5ec2e7d0c0ffee5ec2e7"


@pytest.fixture
async def target(client: httpx.AsyncClient, admin: Actor, build: Builder) -> Target:
    return await new_target(client, build, admin)


async def _attach(client: httpx.AsyncClient, actor: Actor, target: Target, url: str) -> Any:
    return await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(("cv", url)),
        },
        headers=actor.headers,
    )


# -- redirects to where no download can go ----------------------------------------------------


REDIRECTS = [
    pytest.param("data:text/html,<script>alert(1)</script>", SCHEME, id="data"),
    pytest.param("data:application/pdf;base64,JVBERi0xLjQK", SCHEME, id="data-pdf"),
    pytest.param("mailto:ada@example.com", SCHEME, id="mailto"),
    pytest.param("javascript:alert(document.domain)", SCHEME, id="javascript"),
    pytest.param("ftp://127.0.0.1/cv.pdf", SCHEME, id="ftp"),
    pytest.param("file:///etc/passwd", SCHEME, id="file"),
    pytest.param("gopher://127.0.0.1:70/_x", SCHEME, id="gopher"),
    pytest.param("http://[::1", INVALID_REDIRECT, id="unclosed-bracket"),
    pytest.param("https://127.0.0.1:99999/cv.pdf", INVALID_REDIRECT, id="port-out-of-range"),
    pytest.param("", INVALID_REDIRECT, id="blank"),
    pytest.param("   ", INVALID_REDIRECT, id="spaces"),
    pytest.param("\xe9t\xe9", INVALID_REDIRECT, id="latin-1-bytes"),
    pytest.param(
        "http://user:pw@127.0.0.1/cv.pdf",
        "URLs with a user name or password are not allowed",
        id="credentials",
    ),
]


@pytest.mark.parametrize(("location", "reason"), REDIRECTS)
async def test_a_redirect_to_a_non_http_or_garbled_location_is_a_400_naming_the_url(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    temp_files: Callable[[FastAPI], list[str]],
    location: str,
    reason: str,
) -> None:
    url = remote.add("/cv.pdf", Reply(status=302, headers=[("Location", location)]))
    keys = await object_keys(app, "documents")

    response = await _attach(client, admin, target, url)

    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[0] ({url}) could not be downloaded: {reason}",
    )
    assert await document_count(maker, target.reference) == 0
    assert await object_keys(app, "documents") == keys
    assert temp_files(app) == []


async def test_a_redirect_with_two_locations_is_refused(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    remote.file("/real.pdf", pdf())
    url = remote.add(
        "/cv.pdf",
        Reply(status=302, headers=[("Location", "/real.pdf"), ("Location", "/other.pdf")]),
    )

    response = await _attach(client, admin, target, url)

    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[0] ({url}) could not be downloaded: {INVALID_REDIRECT}",
    )
    assert remote.seen("/real.pdf") == []


async def test_a_relative_redirect_is_still_followed(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    body = pdf("moved")
    remote.file("/files/cv.pdf", body)
    url = remote.redirect("/old/cv.pdf", "../files/cv.pdf")

    response = await _attach(client, admin, target, url)

    assert response.status_code == 201, response.text
    assert (await client.get(response.json()[0]["file_url"])).content == body


async def test_a_redirect_to_a_raw_utf8_location_is_followed_as_browsers_do(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    body = pdf("accents")
    remote.file("/cv-%C3%A9t%C3%A9.pdf", body)
    # The server writes header bytes as Latin-1: these are the UTF-8 bytes of "/cv-été.pdf".
    raw = "/cv-été.pdf".encode().decode("latin-1")
    url = remote.add("/cv.pdf", Reply(status=302, headers=[("Location", raw)]))

    response = await _attach(client, admin, target, url)

    assert response.status_code == 201, response.text
    assert (await client.get(response.json()[0]["file_url"])).content == body


# -- ports of allowed private networks --------------------------------------------------------


async def test_a_loopback_port_outside_the_allowed_ports_is_refused_without_connecting(
    apps: Apps, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    # The operator's default: 80 and 443 only, even on the networks it allowed.
    strict = await apps.get(fetch_allowed_ports="80,443")
    url = remote.file("/cv.pdf", pdf())

    async with client_for(strict) as client:
        response = await _attach(client, admin, target, url)

    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[0] ({url}) could not be downloaded: "
        f"the port {remote.port} is not allowed",
    )
    assert remote.requests == []


async def test_a_port_outside_the_allowed_ports_is_refused_on_a_redirect_hop_too(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    # The suite allows the unprivileged ports its servers get; 22 is not one of them.
    url = remote.redirect("/cv.pdf", "http://127.0.0.1:22/cv.pdf")

    response = await _attach(client, admin, target, url)

    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[0] ({url}) could not be downloaded: the port 22 is not allowed",
    )
    assert len(remote.seen("/cv.pdf")) == 1


async def test_a_port_in_an_allowed_range_is_fetched(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    body = pdf()
    response = await _attach(client, admin, target, remote.file("/cv.pdf", body))

    assert response.status_code == 201, response.text
    assert (await client.get(response.json()[0]["file_url"])).content == body


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No connection leaves the machine: one to any other address fails, and is noted."""
    connect = anyio.connect_tcp
    attempts: list[str] = []

    async def guarded(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        if not ipaddress.ip_address(str(remote_host)).is_loopback:
            attempts.append(f"{remote_host}:{remote_port}")
            raise OSError(f"test guard: refusing to connect to {remote_host}")
        return await connect(remote_host, remote_port, **kwargs)

    monkeypatch.setattr(anyio, "connect_tcp", guarded)
    return attempts


async def test_a_public_address_takes_any_port(connections: list[str], tmp_path: Path) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        assert host == "files.example"
        return ["93.184.215.14"]

    downloader = Downloader(
        FetchPolicy(allowed_ports=parse_ports("80,443"), temp_dir=tmp_path), resolver=resolver
    )
    try:
        with pytest.raises(FetchError) as refused:
            await downloader.fetch(
                "http://files.example:8443/cv.pdf", max_bytes=4096, allowed_types=None
            )
    finally:
        await downloader.aclose()

    # Past the port check: the connection itself was attempted (and stopped by the guard).
    assert refused.value.reason == "the server could not be reached"
    assert connections == ["93.184.215.14:8443"]


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("80,443", ((80, 80), (443, 443))),
        (" 80 , 8000-8099 ,", ((80, 80), (8000, 8099))),
        ("*", ((1, 65535),)),
        ("1-65535", ((1, 65535),)),
        ("", ()),
    ],
)
def test_allowed_ports_read_ports_ranges_and_a_star(
    text: str, ranges: tuple[tuple[int, int], ...]
) -> None:
    assert parse_ports(text) == ranges
    assert Settings(fetch_allowed_ports=text).fetch_allowed_ports == text


@pytest.mark.parametrize("text", ["http", "0", "65536", "9000-8000", "80-", "-80", "8o", "1-2-3"])
def test_allowed_ports_refuse_what_is_no_port_naming_it(text: str) -> None:
    with pytest.raises(ValidationError, match="fetch_allowed_ports") as refused:
        Settings(fetch_allowed_ports=f"443,{text}")
    assert repr(text) in str(refused.value)


def test_allowed_ports_default_to_80_and_443() -> None:
    assert Settings().fetch_allowed_ports == "80,443"
    assert FetchPolicy.from_settings(Settings()).allowed_ports == ((80, 80), (443, 443))


# -- query strings stay out of logs -----------------------------------------------------------


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG, the most an operator can ask for (CANOPY_LOG_LEVEL=DEBUG)."""
    for name in ("", "httpx", "httpcore", "canopy"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the records carry: messages, arguments and ``extra`` fields alike."""
    return "\n".join(
        f"{record.getMessage()} {record.args!r} {vars(record)!r}" for record in caplog.records
    )


async def test_a_fetched_urls_query_string_is_never_logged(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    fine = remote.file("/cv.pdf", pdf()) + f"?{SECRET}&X-Amz-Credential=AKIA"
    moved = remote.redirect("/moved.pdf", f"/cv.pdf?{SECRET}") + f"?{SECRET}"

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(("cv", fine), ("moved", moved)),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    # The fetches happened, and the log saw them (at DEBUG the transport says a lot)…
    assert remote.seen("/cv.pdf")[0].target.endswith(SECRET + "&X-Amz-Credential=AKIA")
    assert any(record.name.startswith("httpcore") for record in all_logs.records)
    # …but never their query strings.
    assert "5ec2e7d0c0ffee" not in _logged(all_logs)


async def test_a_failed_fetch_names_its_url_without_the_query_in_the_answer_and_the_logs(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    url = remote.status("/cv.pdf", 403) + f"?{SECRET}#page=2"

    response = await _attach(client, admin, target, url)

    assert_error(
        response,
        400,
        "validation_failed",
        f"remote_file_urls[0] ({remote.url('/cv.pdf')}?…) could not be downloaded: "
        "the server answered 403",
    )
    assert "5ec2e7d0c0ffee" not in _logged(all_logs)


async def test_a_refused_redirect_logs_no_query_string(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    url = remote.redirect("/cv.pdf", f"ftp://files.example/cv.pdf?{SECRET}") + f"?{SECRET}"

    response = await _attach(client, admin, target, url)

    assert response.status_code == 400, response.text
    assert "5ec2e7d0c0ffee" not in response.text
    assert "5ec2e7d0c0ffee" not in _logged(all_logs)
