"""Property-based testing of the whole API against its own OpenAPI document (``/openapi.json``).

Schemathesis reads the document and, for every operation, sends the app (in-process) requests
it generates from it: boundary and invalid values of each parameter (its coverage phase) and
random valid requests (its fuzzing phase). Every answer is checked: no server error, a status
the operation declares, a body, headers and media type matching the declaration, a 405 with a
true ``Allow`` for a method the path lacks, invalid input refused, and authentication really
enforced (a successful request is sent again without its token and with a wrong one).

A hook points path ids and references at a seeded world (an organisation with a published job,
a candidate with a document, an email and a comment, an office, a department, an image, a video
and a website) half of the time, so that requests reach real objects and not only 404s. Remote
URLs in the requests are pointed at the suite's file server on 127.0.0.1: no fetch ever leaves
the machine.

Bounded and reproducible: a fixed seed, derandomised Hypothesis, ``EXAMPLES`` random requests
per operation on SQLite and fewer on PostgreSQL (``CANOPY_SCHEMATHESIS_EXAMPLES`` raises them
for a longer hunt).
"""

from __future__ import annotations

import itertools
import os
import re
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from canopy.config import Settings
from canopy.main import create_app
from canopy.scopes import SCOPES
from tests.fixtures.builders import Builder
from tests.fixtures.remote import RemoteServer, image, pdf

API = "/api/v1/external"
SEED = 20261128
EXAMPLES = int(os.environ.get("CANOPY_SCHEMATHESIS_EXAMPLES", "30"))
POSTGRESQL_EXAMPLES = max(EXAMPLES // 3, 1)

# The document is the app's own; loading it needs no database.
_DOCUMENT = create_app(Settings(env="test", secret_key="openapi-document-" + "x" * 32)).openapi()
schema = schemathesis.openapi.from_dict(
    _DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"database": "none", "deterministic": True},
            "phases": {
                # Every boundary and invalid value of every parameter. Its valid cases would
                # enumerate each value of every enumeration (countries…): fuzzing covers those.
                "coverage": {"generation": {"mode": "negative"}},
                "fuzzing": {"generation": {"mode": "positive"}},
            },
        }
    ),
)

CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
]
# `/jobs/all` and `/jobs/dependencies` are also `/jobs/{reference}` to the router: a PUT there
# reaches the job update (a 404: no job has such a reference), so their `Allow` rightly lists
# PUT, which the check, comparing with the literal path's operations alone, calls undocumented.
OVERLAPPING_PATHS = {f"{API}/jobs/all", f"{API}/jobs/dependencies"}


@dataclass
class World:
    """What the hook points generated ids and references at."""

    token: str
    values: dict[str, Any]  # parameter name -> an existing object's id or reference
    paths: dict[str, dict[str, Any]]  # path template -> its parameters naming existing objects
    keys: Iterator[int] = field(default_factory=itertools.count)  # unique Idempotency-Keys


_world: World | None = None


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> Any:
    """Either the generated request as it is, or the same pointed at the seeded objects. An
    invalid request is left as it is: a seeded id would make it valid."""
    world = _world
    negative = case.meta is not None and case.meta.generation.mode == GenerationMode.NEGATIVE
    if world is None or negative:
        return st.just(case)

    def seeded(use_world: bool) -> schemathesis.Case:
        if not use_world:
            return case
        path = world.paths.get(case.path, {})
        if case.path_parameters:
            for name in case.path_parameters:
                if name in path:
                    case.path_parameters[name] = path[name]
        for container in (case.query, case.body):
            if isinstance(container, dict):
                for name in container:
                    if name in world.values:
                        container[name] = world.values[name]
        return case

    return st.booleans().map(seeded)


# -- remote fetches stay on this machine ----------------------------------------------------

_HTTP = re.compile(r"\s*https?:", re.IGNORECASE)


def _local(value: Any, targets: list[str]) -> Any:
    """``value`` with every http(s) URL replaced by one of ``targets`` (picked from the URL,
    so the same case always fetches the same file)."""
    if isinstance(value, str) and _HTTP.match(value):
        return targets[zlib.crc32(value.encode("utf-8", "replace")) % len(targets)]
    if isinstance(value, dict):
        return {key: _local(item, targets) for key, item in value.items()}
    if isinstance(value, list):
        return [_local(item, targets) for item in value]
    return value


# -- Idempotency-Key ---------------------------------------------------------------------------

_VALID_KEY = re.compile(r"[!-~]{1,255}")


def _fresh_idempotency_key(case: schemathesis.Case, world: World) -> None:
    """Hypothesis draws the same few short keys again and again: once one has been used, every
    other POST sent with it is a 422 and the creates are never reached. Seven valid keys in
    eight are made unique (the eighth is kept, so that replays and 422s still happen)."""
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    valid = isinstance(key, str) and _VALID_KEY.fullmatch(key.strip()) is not None
    if valid and zlib.crc32(str(key).encode()) % 8:
        headers["Idempotency-Key"] = f"{str(key).strip()[:200]}-{next(world.keys)}"


# -- the seeded world --------------------------------------------------------------------------


@pytest.fixture
async def world(client: httpx.AsyncClient, build: Builder) -> AsyncIterator[World]:
    global _world
    actor = await build.actor(tuple(SCOPES))
    h = actor.headers
    office = await build.office(client, actor)
    job = await build.job(client, actor, office_id=office["id"])
    published = await client.put(
        f"{API}/jobs/{job['reference']}/update_status", json={"status": "published"}, headers=h
    )
    assert published.status_code == 200, published.text
    candidate = await build.candidate(client, actor, job["reference"])
    created = {
        "department": await client.post(
            f"{API}/departments",
            json={"organization_reference": actor.org, "name": "Tech"},
            headers=h,
        ),
        "image": await client.post(
            f"{API}/images",
            data={"organization_reference": actor.org, "name": "Team"},
            files={"file": ("team.png", image("PNG"), "image/png")},
            headers=h,
        ),
        "video": await client.post(
            f"{API}/videos",
            json={
                "organization_reference": actor.org,
                "source": "youtube",
                "external_reference": "BMi_rlAnwIg",
                "name": "Hello",
            },
            headers=h,
        ),
        "website": await client.post(
            f"{API}/organizations/{actor.org}/websites",
            json={"reference": "careers", "name": "Careers", "root_url": "https://jobs.example"},
            headers=h,
        ),
        "document": await client.post(
            f"{API}/documents",
            data={"candidate_reference": candidate["reference"]},
            files={"file": ("notes.txt", b"plain notes\n", "text/plain")},
            headers=h,
        ),
        "email": await client.post(
            f"{API}/emails",
            json={
                "candidate_reference": candidate["reference"],
                "subject": "Hello",
                "body": "Hi there",
                "from_email": "recruiter@example.com",
                "to": "candidate@example.com",
            },
            headers=h,
        ),
        "comment": await client.post(
            f"{API}/comments",
            json={"candidate_reference": candidate["reference"], "content": "**Great**"},
            headers=h,
        ),
    }
    for name, response in created.items():
        assert response.status_code == 201, (name, response.text)
    department, image_, video = (created[k].json() for k in ("department", "image", "video"))
    document = created["document"].json()[0]
    _, _, file_token, file_name = urlsplit(document["file_url"]).path.split("/", 3)
    values = {
        "organization_reference": actor.org,
        "job_reference": job["reference"],
        "candidate_reference": candidate["reference"],
        "job_stage_id": candidate["stage"]["id"],
        "office_id": office["id"],
        "department_id": department["id"],
    }
    paths = {
        f"{API}/jobs/{{reference}}": {"reference": job["reference"]},
        f"{API}/jobs/{{reference}}/update_status": {"reference": job["reference"]},
        f"{API}/departments/{{department_id}}": {"department_id": department["id"]},
        f"{API}/offices/{{office_id}}": {"office_id": office["id"]},
        f"{API}/candidates/{{reference}}": {"reference": candidate["reference"]},
        f"{API}/organizations/{{reference}}": {"reference": actor.org},
        f"{API}/organizations/{{reference}}/websites": {"reference": actor.org},
        f"{API}/organizations/{{reference}}/tools": {"reference": actor.org},
        f"{API}/organizations/{{reference}}/websites/{{website_reference}}": {
            "reference": actor.org,
            "website_reference": "careers",
        },
        f"{API}/images/{{image_id}}": {"image_id": image_["id"]},
        f"{API}/videos/{{video_id}}": {"video_id": video["id"]},
        "/files/{token}/{name}": {"token": file_token, "name": file_name},
    }
    _world = World(token=actor.token, values=values, paths=paths)
    try:
        yield _world
    finally:
        _world = None


@pytest.fixture
def served(settings: Settings) -> FastAPI:
    """A fresh app on the suite's database, the one the requests go to: schemathesis starts
    it (and stops it after the test) on an event loop of its own."""
    return create_app(settings)


@pytest.fixture
def fetchable(remote: RemoteServer) -> list[str]:
    """The URLs generated requests fetch instead of theirs: a PDF, a PNG and a 404."""
    return [
        remote.file("/generated/resume.pdf", pdf()),
        remote.file("/generated/photo.png", image("PNG")),
        remote.url("/generated/missing"),
    ]


def _run(case: schemathesis.Case, world: World, served: FastAPI, fetchable: list[str]) -> None:
    case.query = _local(case.query, fetchable)
    case.body = _local(case.body, fetchable)
    _fresh_idempotency_key(case, world)
    # The operation (and its schema, the test's own copy) pointed at the app: every request,
    # the checks' own included, goes to it in-process.
    case.operation.app = case.operation.schema.app = served
    checks = [
        c for c in CHECKS if c is not allow_header_conformance or case.path not in OVERLAPPING_PATHS
    ]
    case.call_and_validate(headers={"Authorization": f"Bearer {world.token}"}, checks=checks)


_COMMON: dict[str, Any] = {
    # Far above any request's time: a hang, not a slow machine.
    "deadline": 10_000,
    "derandomize": True,
    "database": None,
    # The world is made once per operation, not per example, on purpose.
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
}


@pytest.fixture
def on_sqlite(settings: Settings) -> None:
    if not settings.is_sqlite:
        pytest.skip("the SQLite run (PostgreSQL has its own, shorter one)")


@pytest.fixture
def on_postgresql(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("the PostgreSQL run (SQLite has its own, longer one)")


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES, **_COMMON)
def test_api_conforms_to_its_openapi_document_on_sqlite(
    case: schemathesis.Case, on_sqlite: None, world: World, served: FastAPI, fetchable: list[str]
) -> None:
    _run(case, world, served, fetchable)


@schema.parametrize()
@hypothesis.settings(max_examples=POSTGRESQL_EXAMPLES, **_COMMON)
def test_api_conforms_to_its_openapi_document_on_postgresql(
    case: schemathesis.Case,
    on_postgresql: None,
    world: World,
    served: FastAPI,
    fetchable: list[str],
) -> None:
    _run(case, world, served, fetchable)
