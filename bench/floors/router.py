"""The floors' routes (see the package's docstring)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import APIRouter, FastAPI, Request, Response

from bench.floors import queries as q
from bench.floors.db import RawDatabase, open_database
from canopy.config import Settings
from canopy.errors import ApiError, not_found, not_member
from canopy.models.base import utcnow
from canopy.references import candidate_reference

MAX_CONSTANT_BYTES = 64 * 1024 * 1024
JOB_SCOPES = ("jobs_r", "jobs_rw", "su_jobs_r")


@dataclass
class BenchState:
    settings: Settings
    database: RawDatabase
    http: httpx.AsyncClient


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    state = BenchState(
        settings=settings,
        database=open_database(settings),
        http=httpx.AsyncClient(timeout=settings.fetch_deadline),
    )
    app.state.bench = state
    try:
        yield
    finally:
        await state.http.aclose()
        await state.database.aclose()


router = APIRouter(prefix="/bench", include_in_schema=False, lifespan=_lifespan)


def _state(request: Request) -> BenchState:
    state: BenchState = request.app.state.bench
    return state


def _json(payload: Any, status: int = 200, total: int | None = None) -> Response:
    headers = None if total is None else {"X-Total": str(total)}
    return Response(orjson.dumps(payload), status, headers, media_type="application/json")


def _paging(request: Request) -> tuple[int, int]:
    """``(offset, limit)`` from ``page`` and ``per_page``, capped as the real routes cap it."""
    try:
        page = max(int(request.query_params.get("page", "1")), 1)
        per_page = max(int(request.query_params.get("per_page", "100")), 1)
    except ValueError:
        raise ApiError(400, "page and per_page must be integers") from None
    per_page = min(per_page, _state(request).settings.max_per_page)
    return per_page * (page - 1), per_page


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() in ("true", "1")


def _fields(data: Any, *names: str) -> list[str]:
    if not isinstance(data, dict) or not all(isinstance(data.get(n), str) for n in names):
        raise ApiError(400, f"{', '.join(names)} are needed")
    return [data[name] for name in names]


# -- the constant baseline ------------------------------------------------------------------


@lru_cache(maxsize=256)
def constant_body(size: int) -> bytes:
    """``size`` bytes of valid JSON: a string of x's (or as much of ``""`` as fits)."""
    if size < 2:
        return b'"'[:size]
    return b'"' + b"x" * (size - 2) + b'"'


@router.api_route("/constant", methods=["GET", "POST", "PUT"])
async def constant(request: Request) -> Response:
    """A precomputed body of ``size`` bytes (the request's own body is read, then ignored)."""
    try:
        size = int(request.query_params.get("size", "0"))
        status = int(request.query_params.get("status", "200"))
    except ValueError:
        raise ApiError(400, "size and status must be integers") from None
    if not 0 <= size <= MAX_CONSTANT_BYTES or status not in (200, 201):
        raise ApiError(400, f"size must be 0 to {MAX_CONSTANT_BYTES}; status 200 or 201")
    if request.method != "GET":
        await request.body()
    return Response(constant_body(size), status, media_type="application/json")


# -- jobs -----------------------------------------------------------------------------------


@router.get("/raw/jobs")
async def raw_list_jobs(request: Request) -> Response:
    """The rows of ``GET /jobs?organization_reference=…``."""
    offset, limit = _paging(request)
    reference = request.query_params.get("organization_reference", "")
    async with _state(request).database.connection() as connection:
        caller = await q.caller(connection, request, *JOB_SCOPES)
        organization = await connection.fetchrow(q.ORGANIZATION, reference)
        if organization is None or (
            organization[0] not in caller.organizations and not caller.has("su_jobs_r")
        ):
            raise not_member()
        count = await connection.fetchrow(q.COUNT_ORGANIZATION_JOBS, organization[0])
        assert count is not None
        rows = await connection.fetch(q.ORGANIZATION_JOBS, organization[0], limit, offset)
        jobs = await q.jobs(connection, rows, stages=_flag(request, "stages"))
    return _json(jobs, total=count[0])


@router.get("/raw/jobs/all")
async def raw_list_all_jobs(request: Request) -> Response:
    """The rows of ``GET /jobs/all``."""
    offset, limit = _paging(request)
    async with _state(request).database.connection() as connection:
        await q.caller(connection, request, "su_jobs_r")
        count = await connection.fetchrow(q.COUNT_JOBS)
        assert count is not None
        rows = await connection.fetch(q.ALL_JOBS, limit, offset)
        jobs = await q.jobs(connection, rows, stages=_flag(request, "stages"))
    return _json(jobs, total=count[0])


@router.get("/raw/jobs/{reference}")
async def raw_get_job(request: Request, reference: str) -> Response:
    """The rows of ``GET /jobs/{reference}``."""
    async with _state(request).database.connection() as connection:
        caller = await q.caller(connection, request, *JOB_SCOPES)
        if caller.has("su_jobs_r"):
            row = await connection.fetchrow(q.JOB, reference)
        else:
            row = await connection.fetchrow(q.REACHABLE_JOB, reference, caller.organizations)
        if row is None:
            raise not_found("Job")
        sites = [site for (site,) in await connection.fetch(q.JOB_SITES, row[0])]
    return _json(q.job(row, sites))


# -- embed ----------------------------------------------------------------------------------


@router.get("/raw/embed")
async def raw_embed(request: Request) -> Response:
    """The rows of ``GET /api/v1/embed?organization_reference=…`` (no token)."""
    reference = request.query_params.get("organization_reference", "")
    async with _state(request).database.connection() as connection:
        organization = await connection.fetchrow(q.PUBLIC_ORGANIZATION, reference)
        if organization is None:
            raise not_found("Organization")
        rows = await connection.fetch(q.EMBED_JOBS, organization[0])
        ids = [row[0] for row in rows]
        sites: dict[int, list[str]] = {}
        for job_id, site in await connection.fetch(q.SITES, ids) if ids else []:
            sites.setdefault(job_id, []).append(site)
        websites = await connection.fetch(q.WEBSITES, organization[0])
    return _json(
        {
            "name": organization[1],
            "slug": organization[2],
            "reference": organization[3],
            "jobs": [q.embed_job(row, sites.get(row[0], [])) for row in rows],
            "websites": [
                {"reference": r, "kind": k, "root_url": u, "organization_url": o}
                for r, k, u, o in websites
            ],
        }
    )


# -- candidates -----------------------------------------------------------------------------


@router.get("/raw/candidates")
async def raw_list_candidates(request: Request) -> Response:
    """The rows of ``GET /candidates?job_reference=…`` (its total from the job's counter)."""
    offset, limit = _paging(request)
    reference = request.query_params.get("job_reference", "")
    async with _state(request).database.connection() as connection:
        caller = await q.caller(connection, request, "candidates_r", "candidates_rw")
        job = await connection.fetchrow(q.CANDIDATE_JOB, reference, caller.organizations)
        if job is None:
            raise not_found("Job")
        rows = await connection.fetch(q.CANDIDATES, job[0], caller.organizations, limit, offset)
    return _json([q.candidate(row, job[1], job[3]) for row in rows], total=job[2])


@router.post("/raw/candidates")
async def raw_create_candidate(request: Request) -> Response:
    """The rows ``POST /candidates`` reads and the one it inserts (the counters follow by
    trigger, as for every insert)."""
    organization_reference, job_reference, email, firstname, lastname = _fields(
        orjson.loads(await request.body()),
        "organization_reference", "job_reference", "email", "firstname", "lastname",
    )  # fmt: skip
    database = _state(request).database
    reference = candidate_reference()
    now = utcnow()
    async with database.connection(write=True) as connection:
        caller = await q.caller(connection, request, "candidates_rw")
        organization = await connection.fetchrow(q.MEMBER_ORGANIZATION, organization_reference)
        if organization is None or organization[0] not in caller.organizations:
            raise not_member()
        job = await connection.fetchrow(q.ORGANIZATION_JOB, job_reference, organization[0])
        if job is None:
            raise not_found("Job")
        stage = await connection.fetchrow(q.INITIAL_STAGE, job[0])
        if stage is None:
            raise ApiError(400, "the job has no pipeline stage")
        await connection.execute(
            q.INSERT_CANDIDATE, reference, organization[0], job[0], stage[0], caller.user_id,
            email, firstname, lastname, False, database.timestamp(now),
        )  # fmt: skip
    return _json(
        {
            "reference": reference,
            "job_reference": job_reference,
            "stage_id": stage[0],
            "created_at": now,
            "updated_at": now,
            "origin": "external",
            "archived": False,
            "profile": {"email": email, "firstname": firstname, "lastname": lastname},
        },
        status=201,
    )


# -- documents: a raw loopback copy ---------------------------------------------------------


@router.post("/raw/documents")
async def raw_attach_documents(request: Request) -> Response:
    """Each of ``remote_file_urls`` downloaded with a bare httpx client into a temporary
    file (then removed): what ``POST /documents`` cannot do faster."""
    data = orjson.loads(await request.body())
    files = data.get("remote_file_urls") if isinstance(data, dict) else None
    if not isinstance(files, list) or not files:
        raise ApiError(400, "remote_file_urls is missing")
    state = _state(request)
    async with state.database.connection() as connection:
        await q.caller(connection, request, "documents_rw")
    folder = Path(state.settings.var_dir) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for item in files:
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(url, str):
            raise ApiError(400, "each remote file needs a url")
        size = 0
        fd, name = tempfile.mkstemp(dir=folder, prefix="bench-")
        try:
            with os.fdopen(fd, "wb") as out:
                async with state.http.stream("GET", url) as response:
                    if response.status_code != 200:
                        raise ApiError(400, f"{url} answered {response.status_code}")
                    async for chunk in response.aiter_raw():
                        out.write(chunk)
                        size += len(chunk)
        finally:
            os.unlink(name)
        copied.append({"filename": item.get("filename"), "size": size})
    return _json(copied, status=201)
