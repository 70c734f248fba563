"""The floors of `make bench`: mounted by the bench's application only, never by Canopy's; a
constant body of the asked size; raw floors that read the same rows as the real routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from bench.app import create
from bench.floors.router import constant_body
from canopy.config import Settings
from tests.fixtures.apps import client_for
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, pdf

pytestmark = pytest.mark.bench
API = "/api/v1/external"


@pytest.fixture(scope="module")
async def bench_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create(settings)
    async with app.router.lifespan_context(app):
        yield app


async def test_canopy_app_mounts_no_bench_route(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.get("/bench/constant", params={"size": 10})

    assert response.status_code == 404
    paths = [context.path for context in iter_route_contexts(app.routes)]
    assert f"{API}/jobs" in paths
    assert not [path for path in paths if path.startswith("/bench")]


def test_constant_body_is_json_of_the_asked_size() -> None:
    for size in (0, 1, 2, 3, 1000):
        body = constant_body(size)
        assert len(body) == size
        if size >= 2:
            assert isinstance(orjson.loads(body), str)


async def test_constant_answers_the_asked_size_and_status(bench_app: FastAPI) -> None:
    async with client_for(bench_app) as client:
        fetched = await client.get("/bench/constant", params={"size": 1234})
        created = await client.post(
            "/bench/constant", params={"size": 10, "status": 201}, json={"ignored": True}
        )
        refused = await client.get("/bench/constant", params={"size": -1})

    assert fetched.status_code == 200
    assert len(fetched.content) == 1234
    assert created.status_code == 201
    assert len(created.content) == 10
    assert refused.status_code == 400


async def _published_jobs(client: httpx.AsyncClient, build: Builder, actor: Actor) -> list[str]:
    references = []
    for name, sites in (("Backend Engineer", ["wttj_fr"]), ("Designer", ["wttj_fr", "smgo_fr"])):
        job = await build.job(
            client, actor, name=name, status="published", cms_sites_references=sites,
            salary_min=40000, salary_max=50000, salary_currency="EUR", salary_period="yearly",
        )  # fmt: skip
        references.append(job["reference"])
    return references


def _subset(item: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: item[name] for name in names}


async def test_raw_job_routes_return_the_rows_of_the_real_ones(
    bench_app: FastAPI, build: Builder, admin: Actor
) -> None:
    partner_user = await build.user()
    partner, _ = await build.token(partner_user, ["su_jobs_r"])
    fields = ("reference", "name", "status", "organization_reference", "cms_sites_references",
              "salary", "office_id", "department_id")  # fmt: skip
    async with client_for(bench_app) as client:
        references = await _published_jobs(client, build, admin)
        query = {"organization_reference": admin.org, "per_page": 100, "stages": "true"}
        real_list = await client.get(f"{API}/jobs", params=query, headers=admin.headers)
        raw_list = await client.get("/bench/raw/jobs", params=query, headers=admin.headers)
        real_job = await client.get(f"{API}/jobs/{references[1]}", headers=admin.headers)
        raw_job = await client.get(f"/bench/raw/jobs/{references[1]}", headers=admin.headers)
        partner_headers = {"Authorization": f"Bearer {partner}"}
        real_all = await client.get(f"{API}/jobs/all", headers=partner_headers)
        raw_all = await client.get("/bench/raw/jobs/all", headers=partner_headers)

    for response in (real_list, raw_list, real_job, raw_job, real_all, raw_all):
        assert response.status_code == 200, response.text
    assert raw_list.headers["x-total"] == real_list.headers["x-total"] == "3"
    assert [_subset(j, *fields, "stages") for j in raw_list.json()] == [
        _subset(j, *fields, "stages") for j in real_list.json()
    ]
    assert set(raw_job.json()) == set(real_job.json())
    assert _subset(raw_job.json(), *fields) == _subset(real_job.json(), *fields)
    assert raw_all.headers["x-total"] == real_all.headers["x-total"]
    assert [j["reference"] for j in raw_all.json()] == [j["reference"] for j in real_all.json()]


async def test_raw_embed_returns_the_published_jobs_of_the_real_one(
    bench_app: FastAPI, build: Builder, admin: Actor
) -> None:
    async with client_for(bench_app) as client:
        await _published_jobs(client, build, admin)
        await build.job(client, admin, name="Draft")
        query = {"organization_reference": admin.org}
        real = await client.get("/api/v1/embed", params=query)
        raw = await client.get("/bench/raw/embed", params=query)

    assert real.status_code == raw.status_code == 200
    fields = ("reference", "name", "slug", "cms_sites_references")
    assert [_subset(j, *fields) for j in raw.json()["jobs"]] == [
        _subset(j, *fields) for j in real.json()["jobs"]
    ]
    assert len(raw.json()["jobs"]) == 3  # the spontaneous-application job and two published


async def test_raw_candidate_routes_read_and_write_what_the_real_ones_do(
    bench_app: FastAPI, build: Builder, admin: Actor
) -> None:
    async with client_for(bench_app) as client:
        (reference, _) = await _published_jobs(client, build, admin)
        for _ in range(3):
            await build.candidate(client, admin, reference)
        body = {"organization_reference": admin.org, "job_reference": reference,
                "email": "raw@example.com", "firstname": "Raw", "lastname": "Floor"}  # fmt: skip
        created = await client.post("/bench/raw/candidates", json=body, headers=admin.headers)
        query = {"job_reference": reference}
        real = await client.get(f"{API}/candidates", params=query, headers=admin.headers)
        raw = await client.get("/bench/raw/candidates", params=query, headers=admin.headers)
        job = await client.get(
            f"{API}/jobs/{reference}", params={"candidates_count": "true"}, headers=admin.headers
        )

    assert created.status_code == 201, created.text
    assert real.status_code == raw.status_code == 200
    assert real.headers["x-total"] == raw.headers["x-total"] == "4"
    assert job.json()["candidates_count"] == 4  # the insert went through the counter triggers
    fields = ("reference", "stage_id", "job_reference", "modal_path", "origin", "archived")
    assert [_subset(c, *fields) for c in raw.json()] == [_subset(c, *fields) for c in real.json()]
    assert [c["profile"]["email"] for c in raw.json()] == [
        c["profile"]["email"] for c in real.json()
    ]
    inserted = real.json()[-1]
    assert inserted["reference"] == created.json()["reference"]
    assert inserted["profile"]["firstname"] == "Raw"


async def test_raw_documents_copies_each_remote_file_and_keeps_none(
    bench_app: FastAPI, admin: Actor, remote: RemoteServer
) -> None:
    url = remote.file("/resume.pdf", pdf() * 100)
    body = {"candidate_reference": "any", "remote_file_urls": [{"filename": "cv", "url": url}]}
    async with client_for(bench_app) as client:
        response = await client.post("/bench/raw/documents", json=body, headers=admin.headers)

    assert response.status_code == 201, response.text
    assert response.json() == [{"filename": "cv", "size": len(pdf()) * 100}]
    folder = Path(bench_app.state.settings.var_dir) / "tmp"
    assert not [p for p in folder.iterdir() if p.name.startswith("bench-")]


async def test_raw_routes_answer_401_without_a_valid_token(bench_app: FastAPI) -> None:
    async with client_for(bench_app) as client:
        missing = await client.get("/bench/raw/jobs/all")
        invalid = await client.get(
            "/bench/raw/jobs/all", headers={"Authorization": "Bearer cnp_nothing"}
        )

    assert missing.status_code == invalid.status_code == 401
