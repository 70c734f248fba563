"""`canopy serve` (PostgreSQL, two workers) killed with SIGKILL, master and workers at once,
in the middle of a write load, then started again: every write answered 2xx is there whole,
nothing is half written, and the objects the kill left unreferenced are orphans that
`canopy storage check` reports and `--repair` removes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.loads import (
    CANDIDATES,
    DOCUMENTS,
    Tenant,
    padded_pdf,
    served_path,
    sha256,
    tenant,
)
from tests.cli.loads import postgres as postgres  # the fixture
from tests.fixtures.processes import STOP_TIMEOUT, Canopy, describe, serve
from tests.fixtures.remote import RemoteServer, Reply

pytestmark = pytest.mark.slow

CLIENTS = 16
KILL_AFTER = 40  # answered writes before the kill: requests are in flight, never a sleep
LOAD_TIMEOUT = 60.0
# Files of a few sizes, each served in a few slow chunks, so that the kill finds requests in
# every phase: downloading, storing, committing, answering.
FILES = {
    f"/file-{n}.pdf": padded_pdf(size, f"file {n}")
    for n, size in enumerate((3_000, 40_000, 150_000, 600_000))
}
RESUME = padded_pdf(20_000, "resume")


@dataclass
class Load:
    """What the clients were answered."""

    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)  # reference → body
    documents: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (cand., path)
    unexpected: list[str] = field(default_factory=list)
    answered: int = 0
    killed: bool = False
    enough: asyncio.Event = field(default_factory=asyncio.Event)

    def count(self) -> None:
        self.answered += 1
        if self.answered >= KILL_AFTER:
            self.enough.set()


async def _client(url: str, setup: Tenant, remote: RemoteServer, n: int, load: Load) -> None:
    """Create a candidate (with a comment and a remote resume), attach two documents to it;
    again, until the server dies."""
    paths = list(FILES)
    async with httpx.AsyncClient(base_url=url, headers=setup.headers, timeout=30) as client:
        for i in range(10_000):
            try:
                created = await client.post(
                    CANDIDATES,
                    json={
                        "organization_reference": setup.organization_reference,
                        "job_reference": setup.job_reference,
                        "email": f"load-{n}-{i}@example.com",
                        "firstname": "Load",
                        "lastname": f"{n}-{i}",
                        "comment": f"written by client {n}, round {i}",
                        "remote_resume_url": remote.url("/resume.pdf"),
                    },
                )
                if created.status_code != 201:
                    load.unexpected.append(f"create {created.status_code}: {created.text}")
                    return
                reference = created.json()["reference"]
                load.candidates[reference] = created.json()
                load.count()
                chosen = [paths[(n + i) % len(paths)], paths[(n + 2 * i + 1) % len(paths)]]
                attached = await client.post(
                    DOCUMENTS,
                    json={
                        "candidate_reference": reference,
                        "remote_file_urls": [
                            {"filename": f"doc-{k}.pdf", "url": remote.url(path)}
                            for k, path in enumerate(chosen)
                        ],
                    },
                )
                if attached.status_code != 201:
                    load.unexpected.append(f"attach {attached.status_code}: {attached.text}")
                    return
                for document, path in zip(attached.json(), chosen, strict=True):
                    load.documents[document["id"]] = (reference, path)
                load.count()
            except httpx.TransportError as exc:
                if not load.killed:
                    load.unexpected.append(f"{type(exc).__name__} before the kill: {exc}")
                return  # the server is gone: whatever was in flight has no answer


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to every process of the server's group, master and workers at once; then wait
    (bounded) until none of them runs any more."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(STOP_TIMEOUT)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _running_in_group(process.pid):
        assert time.monotonic() < deadline, f"processes of group {process.pid} outlived SIGKILL"
        time.sleep(0.05)


def _running_in_group(pgid: int) -> bool:
    """Whether a process of the group still runs: a killed worker may stay a zombie for a
    while, until whoever inherited it reaps it."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            # pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


async def test_sigkill_under_write_load_keeps_every_answered_write_whole_and_no_orphan(
    postgres: Canopy, remote: RemoteServer
) -> None:
    for path, body in FILES.items():
        dripped = Reply(
            body=body, content_type="application/pdf", chunk_size=64 * 1024, drip_interval=0.01
        )
        remote.add(path, dripped)
    remote.file("/resume.pdf", RESUME)
    load = Load()

    with serve(postgres, workers=2) as server:
        setup = await tenant(postgres, server.url)
        clients = [
            asyncio.create_task(_client(server.url, setup, remote, n, load)) for n in range(CLIENTS)
        ]
        try:
            # Enough answers, or every client stopped (on an unexpected answer): bounded.
            enough = asyncio.create_task(load.enough.wait())
            await asyncio.wait(
                [enough, *clients], timeout=LOAD_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            enough.cancel()
            assert not load.unexpected, load.unexpected
            assert load.enough.is_set(), f"{load.answered} answers in {LOAD_TIMEOUT}s"
            in_flight = sum(not task.done() for task in clients)
            load.killed = True
            await asyncio.to_thread(_kill_group, server.process)
            await asyncio.wait_for(asyncio.gather(*clients), LOAD_TIMEOUT)
        finally:
            for task in clients:
                task.cancel()
        assert server.process.wait(STOP_TIMEOUT) == -signal.SIGKILL
    assert in_flight == CLIENTS  # no client had stopped: each had a request going
    assert not load.unexpected, load.unexpected

    # After the crash, before any start: what the kill left.
    checked = postgres.run("storage", "check", "--grace", "0", "--json")
    found = json.loads(checked.stdout)
    assert checked.returncode == (0 if found["clean"] else 1), describe(checked)

    with serve(postgres, workers=2) as again:
        await _assert_answered_writes_are_whole(again.url, setup, load)
    _assert_nothing_half_written(postgres, setup)

    assert found["missing"]["count"] == found["mismatched"]["count"] == 0, found
    orphans = {item["key"] for item in found["orphans"]["items"]}
    referenced = _referenced_keys(postgres)
    assert not orphans & referenced
    # Whole copies that lost their rows to the kill, never a part of a file.
    sizes = {len(body) for body in (*FILES.values(), RESUME)}
    assert {item["size"] for item in found["orphans"]["items"]} <= sizes, found["orphans"]
    assert found["objects"] == len(referenced) + found["orphans"]["count"]

    repaired = postgres.json("storage", "check", "--repair", "--grace", "0")
    assert repaired["clean"], repaired
    assert repaired["orphans"]["removed"] == found["orphans"]["count"]
    after = postgres.run("storage", "check", "--grace", "0", "--json")
    assert after.returncode == 0, describe(after)
    report = json.loads(after.stdout)
    assert report["clean"]
    assert report["objects"] == report["references"] == len(referenced)
    assert report["orphans"]["count"] == report["leftovers"]["count"] == 0


async def _assert_answered_writes_are_whole(url: str, setup: Tenant, load: Load) -> None:
    """Every answered candidate and document, read back through the API of the restarted
    server, with the very bytes it was given."""
    async with httpx.AsyncClient(base_url=url, headers=setup.headers, timeout=30) as client:
        for reference, body in load.candidates.items():
            response = await client.get(f"{CANDIDATES}/{reference}")
            assert response.status_code == 200, response.text
            candidate = response.json()
            assert candidate["profile"]["email"] == body["profile"]["email"]
            assert candidate["resume_size"] == len(RESUME)
            resume = await client.get(served_path(candidate["resume_url"]))
            assert resume.status_code == 200
            assert sha256(resume.content) == sha256(RESUME)

        by_candidate: dict[str, dict[int, str]] = {}
        for document_id, (reference, path) in load.documents.items():
            by_candidate.setdefault(reference, {})[document_id] = path
        for reference, expected in by_candidate.items():
            listed = await client.get(DOCUMENTS, params={"candidate_reference": reference})
            assert listed.status_code == 200, listed.text
            documents = {document["id"]: document for document in listed.json()}
            assert set(documents) == set(expected)  # the attach is all or nothing
            for document_id, path in expected.items():
                document = documents[document_id]
                assert document["size"] == len(FILES[path])
                served = await client.get(served_path(document["file_url"]))
                assert served.status_code == 200
                assert sha256(served.content) == sha256(FILES[path])


def _assert_nothing_half_written(canopy: Canopy, setup: Tenant) -> None:
    """Answered or not, each candidate in the database has its comment and its resume, each
    attach its two documents, and the job's counters match."""
    candidates = canopy.rows("candidate")
    comments = Counter(row["candidate_id"] for row in canopy.rows("comment"))
    documents = Counter(row["candidate_id"] for row in canopy.rows("document"))
    for candidate in candidates:
        assert comments[candidate["id"]] == 1, candidate
        assert candidate["resume_key"] is not None, candidate
        assert candidate["resume_size"] == len(RESUME), candidate
        assert documents[candidate["id"]] in (0, 2), candidate
    [job] = [row for row in canopy.rows("job") if row["reference"] == setup.job_reference]
    assert {row["job_id"] for row in candidates} == {job["id"]}
    assert job["candidates_count"] == len(candidates)
    stages = [row for row in canopy.rows("stage") if row["job_id"] == job["id"]]
    assert sum(row["candidates_count"] for row in stages) == len(candidates)
    for document in canopy.rows("document"):
        assert document["size"] in {len(body) for body in FILES.values()}, document


def _referenced_keys(canopy: Canopy) -> set[str]:
    keys = {row["resume_key"] for row in canopy.rows("candidate")}
    keys |= {row["object_key"] for row in canopy.rows("document")}
    return keys
