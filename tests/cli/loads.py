"""What the crash and shutdown tests share: a PostgreSQL installation whose server may fetch
the remote files of the loopback server, a job to write candidates into, and small probes."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from canopy import migrate
from tests.fixtures import databases
from tests.fixtures.processes import Canopy

CANDIDATES = "/api/v1/external/candidates"
DOCUMENTS = "/api/v1/external/documents"
JOBS = "/api/v1/external/jobs"


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Canopy]:
    """A migrated installation on a new PostgreSQL database (what runs several workers),
    allowed to fetch from 127.0.0.1 as fast as the test wants."""
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip("PostgreSQL is not reachable")
    with databases.postgres_database() as url:
        canopy = Canopy(
            tmp_path / "var",
            database_url=url,
            extra_env={
                "CANOPY_FETCH_ALLOWED_NETWORKS": "127.0.0.0/8",
                "CANOPY_FETCH_ALLOWED_PORTS": "1024-65535",
                # One token writes the whole load: no per-token rate limit (0 turns each off).
                "CANOPY_RATE_LIMIT_CAPACITY": "0",
                "CANOPY_RATE_LIMIT_DOWNLOAD_CAPACITY": "0",
                "CANOPY_RATE_LIMIT_DOWNLOAD_CONCURRENCY": "0",
            },
        )
        migrate.upgrade(canopy.settings())
        yield canopy


@dataclass(frozen=True)
class Tenant:
    """An organisation, a token of its admin, and a job of it."""

    organization_reference: str
    token: str
    job_reference: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def tenant(canopy: Canopy, url: str) -> Tenant:
    """Seeded in-process, the job made through the server's API."""
    account = canopy.seed()
    _, token = canopy.issue_token(account.email)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        response = await client.post(
            JOBS,
            json={
                "organization_reference": account.organization_reference,
                "name": "Backend Engineer",
                "description": "Build things.",
                "profile": "Curious.",
                "contract_type": "FULL_TIME",
                "language": "en",
                "office_city": "Paris",
                "office_country_code": "FR",
            },
        )
    assert response.status_code == 201, response.text
    return Tenant(account.organization_reference, token, response.json()["reference"])


def padded_pdf(size: int, label: str) -> bytes:
    """A PDF of exactly ``size`` bytes (bytes after %%EOF are harmless), unique by ``label``."""
    head = b"%PDF-1.7\n% " + label.encode() + b"\n%%EOF\n"
    return head + b"\n" * (size - len(head))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def served_path(file_url: str) -> str:
    """A signed file URL's path and query, to ask the server under test: the URL itself names
    the configured public base URL."""
    parsed = httpx.URL(file_url)
    return parsed.raw_path.decode()


def refuses_connections(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED


async def wait_for(
    condition: Callable[[], Awaitable[bool]], seconds: float, what: str, interval: float = 0.05
) -> None:
    """Until ``await condition()`` holds, at most ``seconds``; the loop keeps running
    meanwhile (the requests in flight are tasks on it)."""
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {seconds}s")
        await asyncio.sleep(interval)
