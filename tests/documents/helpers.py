"""What the documents tests share: paths, the seed's Document object, small checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Candidate, Document, Role
from tests.fixtures.assertions import TIMESTAMP
from tests.fixtures.assertions import assert_error as assert_error
from tests.fixtures.builders import Actor, Builder

DOCUMENTS = "/api/v1/external/documents"
PDF = "application/pdf"

# The seed's Document object: these keys and no other.
DOCUMENT_KEYS = frozenset(
    {
        "id",
        "job_reference",
        "candidate_reference",
        "filename",
        "file_url",
        "size",
        "content_type",
        "created_at",
    }
)


@dataclass(frozen=True)
class Target:
    """A candidate to attach documents to, and its job."""

    reference: str
    job_reference: str


async def new_target(client: httpx.AsyncClient, build: Builder, actor: Actor) -> Target:
    """A candidate of `actor`'s, in a new job, made through the API."""
    job = await build.job(client, actor)
    candidate = await build.candidate(client, actor, job["reference"])
    return Target(reference=candidate["reference"], job_reference=job["reference"])


async def member(build: Builder, admin: Actor, scopes: Sequence[str]) -> Actor:
    """Another (standard) member of `admin`'s organisation, whose token holds `scopes`."""
    return await build.actor(scopes, organization=admin.organization, role=Role.standard)


def remote_files(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    """``remote_file_urls`` as the seed writes it: ``[{"filename", "url"}, …]``."""
    return [{"filename": filename, "url": url} for filename, url in pairs]


def assert_document(
    document: dict[str, Any], target: Target, filename: str, body: bytes, content_type: str
) -> None:
    """A Document object of the seed's shape, describing `body`."""
    assert set(document) == DOCUMENT_KEYS
    assert type(document["id"]) is int
    assert document["job_reference"] == target.job_reference
    assert document["candidate_reference"] == target.reference
    assert document["filename"] == filename
    assert document["size"] == len(body)
    assert document["content_type"] == content_type
    assert TIMESTAMP.match(document["created_at"]), document["created_at"]
    assert document["file_url"].startswith("http://testserver/files/")


async def document_count(maker: async_sessionmaker[AsyncSession], reference: str) -> int:
    """How many documents the candidate has, counted in the database."""
    async with maker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Document)
            .join(Candidate, Candidate.id == Document.candidate_id)
            .where(Candidate.reference == reference)
        )
    return count or 0
