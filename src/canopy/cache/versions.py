"""Reading the content versions a cache key carries (the ``cache_version`` rows, kept by the
database's triggers): one statement of the bare driver per request, which also finds the
organisation the request is about."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from canopy.rawdb import RawReader

_ORGANIZATION = (
    "SELECT o.id, v.version, v.counts FROM organization AS o "
    "LEFT JOIN cache_version AS v ON v.id = o.id WHERE o.reference = $1"
)
_JOB = (
    "SELECT j.organization_id, v.version, v.counts FROM job AS j "
    "LEFT JOIN cache_version AS v ON v.id = j.organization_id WHERE j.reference = $1"
)
_EVERY_ORGANIZATION = "SELECT version FROM cache_version WHERE id = 0"


@dataclass(frozen=True, slots=True)
class Versions:
    """An organisation's versions: ``content`` changes with what its renderings show,
    ``counts`` with its candidate counters. None when it has no row (yet): not cacheable."""

    organization_id: int
    content: int | None
    counts: int | None

    def key(self, *, counts: bool) -> tuple[int, int] | tuple[int, int, int] | None:
        """The versions a response depends on, or None when one is unknown."""
        if self.content is None or (counts and self.counts is None):
            return None
        if counts:
            assert self.counts is not None
            return (self.organization_id, self.content, self.counts)
        return (self.organization_id, self.content)


def reader(request: Request) -> RawReader:
    raw: RawReader = request.app.state.raw_reader
    return raw


async def of_organization(request: Request, reference: str) -> Versions | None:
    """The versions of the organisation with this reference; None when there is none."""
    rows = await reader(request).fetch(_ORGANIZATION, reference)
    return Versions(*rows[0]) if rows else None


async def of_job(request: Request, reference: str) -> Versions | None:
    """The versions of the organisation of the job with this reference; None when none."""
    rows = await reader(request).fetch(_JOB, reference)
    return Versions(*rows[0]) if rows else None


async def of_every_organization(request: Request) -> int | None:
    """The content version of all organisations together (row 0)."""
    rows = await reader(request).fetch(_EVERY_ORGANIZATION)
    return int(rows[0][0]) if rows else None
