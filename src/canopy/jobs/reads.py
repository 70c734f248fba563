"""The answers of the jobs read routes (a job, an organisation's jobs, every job), served from
the response cache (``canopy.cache``) and rendered on a miss.

What a key holds, beyond the route: the organisation's versions (``counts`` too when the
candidate counters are shown), what the caller reaches (:func:`canopy.tenancy.job_reach`), the
parsed parameters, the page and the time zone. The parameters are the effective ones
(:func:`canopy.jobs.service.effective_flags`: the inclusions the caller's scopes allow), so two
tokens whose scopes differ share an entry only when they would see the same answer. A request
the cache cannot vouch for (an unknown organisation or job, a caller who is not a member) gets
no key and is answered, or refused, by the rendering.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Request, Response
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy import cache, render, tenancy
from canopy.auth import Principal
from canopy.cache import versions
from canopy.jobs import service
from canopy.jobs.schemas import JobAllParams, JobFlags, JobListParams, JobRead
from canopy.pagination import Page, fetch_page

_JOB = TypeAdapter(JobRead)
_JOBS = TypeAdapter(list[JobRead])


@asynccontextmanager
async def _reading(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session of its own for a rendering (rolled back when done): a cache hit
    never opens one."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        yield session


def _parameters(params: JobFlags) -> str:
    # Parsed, in the model's field order: "stages=1&office=true" and
    # "office=true&stages=true" are one key.
    return params.model_dump_json()


async def list_page(
    request: Request, principal: Principal, params: JobListParams, page: Page
) -> Response:
    """``GET /jobs``: a page of an organisation's jobs."""
    params = service.effective_flags(principal, params)
    key: Hashable | None = None
    found = await versions.of_organization(request, params.organization_reference)
    if found is not None:
        reach = tenancy.job_reach(principal, found.organization_id, su_scope=service.SU_SCOPE)
        versioned = found.key(counts=params.candidates_count)
        if reach is not None and versioned is not None:
            key = ("jobs", versioned, reach, _parameters(params), page, render.timezone().key)
    rendering = partial(_render_list, request, principal, params, page)
    return await cache.serve(
        request, key, rendering, cache.PRIVATE, page=page, vary=cache.VARY_TOKEN
    )


async def _render_list(
    request: Request, principal: Principal, params: JobListParams, page: Page
) -> cache.Rendered:
    async with _reading(request) as session:
        organization = await tenancy.member_organization(
            session, principal, params.organization_reference, su_scope=service.SU_SCOPE
        )
        stmt = service.list_query(principal, organization, params)
        jobs, total = await fetch_page(session, stmt, page)
        body = _JOBS.dump_json(service.render(jobs, params), exclude_unset=True)
    return cache.Rendered(body, total)


async def all_page(
    request: Request, principal: Principal, params: JobAllParams, page: Page
) -> Response:
    """``GET /jobs/all``: a page of every organisation's jobs (the caller holds ``su_jobs_r``).
    Candidate counters are not cached here: one version for every organisation's counters
    would be a row every candidate write in the installation waits for."""
    params = service.effective_flags(principal, params)
    key: Hashable | None = None
    if not params.candidates_count:
        version = await versions.of_every_organization(request)
        if version is not None:
            key = ("jobs/all", version, _parameters(params), page, render.timezone().key)
    rendering = partial(_render_all, request, principal, params, page)
    return await cache.serve(
        request, key, rendering, cache.PRIVATE, page=page, vary=cache.VARY_TOKEN
    )


async def _render_all(
    request: Request, principal: Principal, params: JobAllParams, page: Page
) -> cache.Rendered:
    async with _reading(request) as session:
        stmt = service.list_query(principal, None, params)
        jobs, total = await fetch_page(session, stmt, page)
        body = _JOBS.dump_json(service.render(jobs, params), exclude_unset=True)
    return cache.Rendered(body, total)


async def job_page(
    request: Request, principal: Principal, reference: str, flags: JobFlags
) -> Response:
    """``GET /jobs/:reference``."""
    flags = service.effective_flags(principal, flags)
    key: Hashable | None = None
    found = await versions.of_job(request, reference)
    if found is not None:
        reach = tenancy.job_reach(principal, found.organization_id, su_scope=service.SU_SCOPE)
        versioned = found.key(counts=flags.candidates_count)
        if reach is not None and versioned is not None:
            key = ("job", reference, versioned, reach, _parameters(flags), render.timezone().key)
    rendering = partial(_render_job, request, principal, reference, flags)
    return await cache.serve(request, key, rendering, cache.PRIVATE, vary=cache.VARY_TOKEN)


async def _render_job(
    request: Request, principal: Principal, reference: str, flags: JobFlags
) -> cache.Rendered:
    async with _reading(request) as session:
        job = await service.get(session, principal, reference, flags)
        body = _JOB.dump_json(service.to_read(job, flags), exclude_unset=True)
    return cache.Rendered(body)
