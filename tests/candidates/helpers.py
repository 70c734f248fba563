"""What the Candidates API tests share: paths, the contract's own examples, small API calls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Candidate, Comment, Move
from tests.fixtures.assertions import TIMESTAMP as TIMESTAMP
from tests.fixtures.assertions import assert_error as assert_error
from tests.fixtures.assertions import assert_invalid as assert_invalid
from tests.fixtures.assertions import parse_time as parse_time
from tests.fixtures.builders import CANDIDATES, JOBS, Actor, Builder

__all__ = ["CANDIDATES", "JOBS"]

COMMENTS = "/api/v1/external/comments"
MOVES = "/api/v1/external/moves"
CURRENT_USER = "/api/v1/external/users/current"

CANDIDATE_REFERENCE = re.compile(r"^wttj-[0-9a-f]{24}$")

MEDIA_FIELDS = (
    "media_website",
    "media_github",
    "media_stackoverflow",
    "media_dribbble",
    "media_behance",
    "media_linkedin",
    "media_facebook",
    "media_instagram",
    "media_medium",
    "media_tumblr",
    "media_vimeo",
    "media_twitter",
)
REMOTE_FILE_PARAMS = ("remote_resume_url", "remote_portfolio_url", "remote_image_url")

# §5.1, verbatim: the Candidate object as the contract shows it.
CONTRACT_CANDIDATE: dict[str, Any] = {
    "reference": "wttj-d655345409a6097309156b05",
    "cover_letter": "",
    "created_at": "2016-08-23T12:55:27.206+02:00",
    "job_reference": "WTTJ_KmqkD1Y",
    "modal_path": "/dashboard/o/Pg4eV6k/jobs/WTTJ_KmqkD1Y/card/wttj-d655345409a6097309156b05",
    "portfolio_size": 4242,
    "portfolio_url": "http://cdn.com/porfolio.pdf",
    "resume_content_type": "application/pdf",
    "resume_size": 4242,
    "resume_url": "http://cdn.com/resume.pdf",
    "stage_id": 14600,
    "stage": {"id": 14600, "name": "Refusé", "reference": "refused", "visible": True},
    "updated_at": "2016-08-23T12:55:27.206+02:00",
    "profile": {
        "address": None,
        "avatar_url": "http://wk.dev/assets/default-avatar-7cbb7b9749a7cf8864001cde13e2a9a94e612bf083430d66ede0966f5bafb296.png",
        "city": None,
        "country_code": None,
        "country_name": None,
        "email": "test@example.com",
        "firstname": "Foo",
        "lastname": "Bar",
        "phone": None,
        "subtitle": None,
        "zip_code": None,
    },
    "tags": ["ruby", "react", "go", "elixir", "react native"],
    "origin": "external",
    "archived": False,
}

# §5.4: every parameter of the table but the remote files (refused, see test_create) and the
# two references, which each test fills in.
CONTRACT_CREATE: dict[str, Any] = {
    "email": "test@example.com",
    "firstname": "Foo",
    "lastname": "Bar",
    "tag_list": "ruby,react,go,elixir,react native",
    "subtitle": "CTO @ WTTJ",
    "phone": "+33 6 12 34 56 78",
    "comment": "Met at the **Paris** meetup.",
    "archived": "false",
    "media_website": "https://foo.example.com",
    "media_github": "https://github.com/foobar",
    "media_stackoverflow": "https://stackoverflow.com/users/1/foobar",
    "media_dribbble": "https://dribbble.com/foobar",
    "media_behance": "https://www.behance.net/foobar",
    "media_linkedin": "https://www.linkedin.com/in/foobar",
    "media_facebook": "https://www.facebook.com/foobar",
    "media_instagram": "https://www.instagram.com/foobar",
    "media_medium": "https://medium.com/@foobar",
    "media_tumblr": "https://foobar.tumblr.com",
    "media_vimeo": "https://vimeo.com/foobar",
    "media_twitter": "https://twitter.com/foobar",
    "cover_letter": "",
    "referrer": "www.linkedin.com",
}

# §15.6, in order.
PIPELINE = ("initial", "to_meet", "interviewed", "made_offer", "hired", "refused", "archived")


@dataclass(frozen=True)
class JobInfo:
    reference: str
    stages: dict[str, int]  # stage reference → id

    @property
    def initial(self) -> int:
        return self.stages["initial"]


def references(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [candidate["reference"] for candidate in response.json()]


async def new_job(
    client: httpx.AsyncClient, build: Builder, actor: Actor, **fields: Any
) -> JobInfo:
    """A job made through ``POST /jobs`` by ``actor``, with its stage ids."""
    created = await build.job(client, actor, **fields)
    response = await client.get(
        f"{JOBS}/{created['reference']}", params={"stages": "true"}, headers=actor.headers
    )
    assert response.status_code == 200, response.text
    stages = {stage["reference"]: stage["id"] for stage in response.json()["stages"]}
    return JobInfo(reference=created["reference"], stages=stages)


async def counts(
    client: httpx.AsyncClient, actor: Actor, job_reference: str
) -> tuple[int, dict[str, int]]:
    """The job's ``candidates_count`` and each stage's, as ``GET /jobs/:reference`` shows them."""
    response = await client.get(
        f"{JOBS}/{job_reference}",
        params={"stages": "true", "candidates_count": "true"},
        headers=actor.headers,
    )
    assert response.status_code == 200, response.text
    job = response.json()
    return job["candidates_count"], {s["reference"]: s["candidates_count"] for s in job["stages"]}


async def list_candidates(
    client: httpx.AsyncClient, actor: Actor, job_reference: str, **params: str | int
) -> httpx.Response:
    return await client.get(
        CANDIDATES, params={"job_reference": job_reference, **params}, headers=actor.headers
    )


async def row_counts(maker: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """How many candidates, comments and moves the database holds."""
    async with maker() as session:
        return (
            await session.scalar(select(func.count()).select_from(Candidate)) or 0,
            await session.scalar(select(func.count()).select_from(Comment)) or 0,
            await session.scalar(select(func.count()).select_from(Move)) or 0,
        )
