"""GET /candidates renders each candidate byte for byte as ``CandidateRead`` does.

The list reads rows with the bare driver and encodes plain dicts (``canopy.candidates.reads``);
retrieve, create and update build ``CandidateRead`` from ORM objects. Here the list's bytes are
compared with that pydantic rendering of the same candidates: one with every field set (three
stored files, tags, the twelve media, the address, text that JSON must escape), one with only
what is required, and one without a stage, in the default time zone and in another one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload

from canopy import render
from canopy.candidates import service
from canopy.candidates.schemas import CandidateFlags, CandidateRead
from canopy.files.service import Files
from canopy.models import Candidate, Job
from tests.candidates.helpers import CANDIDATES, MEDIA_FIELDS, JobInfo, new_job
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, image, pdf

_PAGE = TypeAdapter(list[CandidateRead])
# Quotes, a backslash, a tab, a newline, a control character, accents, a non-BMP character, a
# line separator and markup: all that the two JSON encoders must escape (or not) alike.
TRICKY = 'Tab\there "quoted" \\ back\nslash \x01 é ü 😀 \u2028 <b>&amp;</b> /path'

FLAG_SETS = [
    {},
    {"stage": "true"},
    {"tags": "true"},
    {"stage": "true", "tags": "true"},
]


def rich_body(admin: Actor, job: JobInfo, remote: RemoteServer) -> dict[str, Any]:
    """A candidate with every field the API takes (its comment and three remote files too)."""
    return {
        "organization_reference": admin.org,
        "job_reference": job.reference,
        "job_stage_id": job.stages["refused"],
        "email": "Ada.Lovelace@Example.com",
        "firstname": "Ada 😀",
        "lastname": 'Lovelace "Byron"',
        "tag_list": "ruby, react native, élixir, go",
        "subtitle": TRICKY,
        "phone": "+33 6 12 34 56 78",
        "address": "12 rue de l'Église",
        "city": "Saint-Étienne",
        "zip_code": "42000",
        "country_code": "fr",
        "cover_letter": TRICKY,
        "referrer": "www.linkedin.com",
        "comment": "Met at the meetup.",
        "archived": "true",
        "remote_resume_url": remote.file("/resume.pdf", pdf("resume")),
        "remote_portfolio_url": remote.file("/portfolio.pdf", pdf("portfolio")),
        "remote_image_url": remote.file("/avatar.png", image("PNG")),
        **{name: f"https://{name.removeprefix('media_')}.example.com/ada" for name in MEDIA_FIELDS},
    }


async def _rich(client: httpx.AsyncClient, admin: Actor, job: JobInfo, remote: RemoteServer) -> str:
    """A candidate with every field the API takes, its three files stored."""
    body = rich_body(admin, job, remote)
    response = await client.post(CANDIDATES, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    for url in (created["resume_url"], created["portfolio_url"], created["profile"]["avatar_url"]):
        assert url is not None
    reference: str = created["reference"]
    return reference


async def _job_with_three(
    client: httpx.AsyncClient, admin: Actor, build: Builder, remote: RemoteServer
) -> JobInfo:
    """A job with a rich candidate (created in summer time), a bare one (in winter time) and
    one without a stage (with one of the media only)."""
    job = await new_job(client, build, admin)
    rich = await _rich(client, admin, job, remote)
    bare = await build.candidate(client, admin, job.reference)
    await build.candidate_times(
        rich, created_at=datetime(2025, 7, 14, 10, 30, 5, 123456, tzinfo=UTC)
    )
    await build.candidate_times(
        bare["reference"],
        created_at=datetime(2025, 12, 24, 23, 59, 59, 999999, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC),
    )
    await build.candidates(job.reference, [None])
    await build.candidate_row(
        job.reference, origin="website:cms:wttj_fr", media={"media_github": "https://g.example"}
    )
    return job


async def _orm(maker: async_sessionmaker[AsyncSession], job_reference: str) -> list[Candidate]:
    """The job's candidates, oldest first, loaded as the other candidate routes load them."""
    async with maker() as session:
        found = await session.scalars(
            select(Candidate)
            .join(Job, Job.id == Candidate.job_id)
            .where(Job.reference == job_reference)
            .options(
                joinedload(Candidate.job).joinedload(Job.organization),
                joinedload(Candidate.stage),
            )
            .order_by(Candidate.created_at, Candidate.id)
        )
        return list(found.all())


def _pydantic(
    candidates: Sequence[Candidate], query: dict[str, str], files: Files
) -> Callable[[], bytes]:
    """The previous rendering of a page: a ``CandidateRead`` per candidate (``to_read``),
    serialised as the route's response model does (unset fields left out)."""
    flags = CandidateFlags.model_validate(query)
    return lambda: _PAGE.dump_json(
        [service.to_read(candidate, flags, files) for candidate in candidates],
        exclude_unset=True,
    )


async def _same_second(
    expected: Callable[[], bytes], request: Callable[[], Any]
) -> tuple[bytes, httpx.Response]:
    """The expected bytes and the response, made within one second: a signed file URL carries
    the second it was signed in, so both are rendered again until the request falls between
    two identical expectations."""
    for _ in range(5):
        before = expected()
        response: httpx.Response = await request()
        if expected() == before:
            return before, response
    pytest.fail("the clock never stayed within one second around a request")


@contextmanager
def _time_zone(name: str) -> Iterator[None]:
    previous = render.timezone()
    render.set_timezone(ZoneInfo(name))
    try:
        yield
    finally:
        render.set_timezone(previous)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/St_Johns"])
@pytest.mark.parametrize("query", FLAG_SETS, ids=lambda q: "+".join(q) or "no-flags")
async def test_list_renders_the_bytes_of_the_candidate_model(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    app: FastAPI,
    query: dict[str, str],
    zone: str,
) -> None:
    job = await _job_with_three(client, admin, build, remote)
    candidates = await _orm(maker, job.reference)
    assert len(candidates) == 4

    with _time_zone(zone):
        expected, response = await _same_second(
            _pydantic(candidates, query, app.state.files),
            lambda: client.get(
                CANDIDATES, params={"job_reference": job.reference, **query}, headers=admin.headers
            ),
        )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.content == expected
    assert response.headers["x-total"] == "4"


async def test_a_page_of_the_list_renders_the_bytes_of_the_candidate_model(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    app: FastAPI,
) -> None:
    job = await _job_with_three(client, admin, build, remote)
    candidates = await _orm(maker, job.reference)
    query = {"stage": "true", "tags": "true"}

    expected, response = await _same_second(
        _pydantic(candidates[2:4], query, app.state.files),
        lambda: client.get(
            CANDIDATES,
            params={"job_reference": job.reference, "per_page": 2, "page": 2, **query},
            headers=admin.headers,
        ),
    )

    assert response.content == expected
    assert (response.headers["x-total"], response.headers["x-page"]) == ("4", "2")


async def test_a_filtered_list_renders_the_bytes_of_the_candidate_model(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    remote: RemoteServer,
    maker: async_sessionmaker[AsyncSession],
    app: FastAPI,
) -> None:
    job = await _job_with_three(client, admin, build, remote)
    candidates = await _orm(maker, job.reference)
    rich = [c for c in candidates if c.archived]
    assert len(rich) == 1

    expected, response = await _same_second(
        _pydantic(rich, {"tags": "true"}, app.state.files),
        lambda: client.get(
            CANDIDATES,
            params={
                "job_reference": job.reference,
                "tags": "true",
                "archived": "true",
                "email": "ada.lovelace@example.com",
                "referrer": "www.linkedin.com",
                "origin": "external",
                "job_stage_reference": "refused",
                "job_stage_id": str(job.stages["refused"]),
                "created_after": "2025-07-14",
                "updated_after": "2000-01-01T00:00:00Z",
            },
            headers=admin.headers,
        ),
    )

    assert response.content == expected
    assert response.headers["x-total"] == "1"


@pytest.mark.parametrize(
    "zone",
    # Whole hours with summer time, half and quarter hours, a 30-minute summer shift, a day
    # skipped (Apia, 2011), and local mean times of the 19th century (offsets in seconds).
    ["Europe/Paris", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Apia"],
)
def test_list_timestamps_read_as_stored_text_are_those_of_the_model(zone: str) -> None:
    """The list formats SQLite's stored text (and PostgreSQL's, written the same way) with
    ``render.stored_timestamp``; the model formats datetimes with ``render.timestamp``."""
    moments = [
        datetime(1890, 1, 1) + n * timedelta(minutes=97, microseconds=777) for n in range(2000)
    ]
    moments += [datetime(2011, 12, 29) + n * timedelta(minutes=7, seconds=1) for n in range(1000)]
    moments += [
        datetime(2026, 3, 29, 0, 59, 59) + n * timedelta(microseconds=499) for n in range(50)
    ]
    moments += [datetime(1, 1, 2, 1), datetime(9999, 12, 30, 12, 0, 0, 999)]
    with _time_zone(zone):
        for moment in moments:
            for text in (moment.isoformat(" ", "microseconds"), moment.isoformat(" ", "seconds")):
                stored = datetime.fromisoformat(text).replace(tzinfo=UTC)
                expected = render.timestamp(stored)
                assert render.stored_timestamp(text) == expected, text
                assert render.utc_timestamp(stored) == expected, text
