"""Reading the content versions a cache key carries (the ``cache_version`` rows, kept by the
database's triggers): one statement of the bare driver per request, which also finds the
organisation the request is about. On a route that authenticates, the statement is folded
into the token's (:func:`canopy.auth.with_companion`): the route's endpoint is decorated with
the matching companion below, and its versions come with its caller at no extra round trip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from canopy.auth import Companion, companioned
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

# The same lookups as companions of the token's statement (columns named c1…, parameter $2).
ORGANIZATION_IN_QUERY = Companion(
    "SELECT o.id AS c1, v.version AS c2, v.counts AS c3 FROM organization AS o "
    "LEFT JOIN cache_version AS v ON v.id = o.id WHERE o.reference = $2",
    3,
    lambda request: request.query_params.get("organization_reference"),
)
JOB_IN_PATH = Companion(
    "SELECT j.organization_id AS c1, v.version AS c2, v.counts AS c3 FROM job AS j "
    "LEFT JOIN cache_version AS v ON v.id = j.organization_id WHERE j.reference = $2",
    3,
    lambda request: request.path_params.get("reference"),
)
EVERY_ORGANIZATION = Companion("SELECT version AS c1 FROM cache_version WHERE id = 0", 1)


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


async def _row(
    request: Request, companion: Companion, sql: str, *args: str
) -> Sequence[Any] | None:
    """The row of ``sql``: as the token's statement found it, else looked up now."""
    found = companioned(request, companion, args[0] if args else None)
    if found is not None:
        return found.row
    rows = await reader(request).lookup(sql, *args)
    return rows[0] if rows else None


async def of_organization(request: Request, reference: str) -> Versions | None:
    """The versions of the organisation with this reference; None when there is none."""
    row = await _row(request, ORGANIZATION_IN_QUERY, _ORGANIZATION, reference)
    return Versions(*row) if row is not None else None


async def of_job(request: Request, reference: str) -> Versions | None:
    """The versions of the organisation of the job with this reference; None when none."""
    row = await _row(request, JOB_IN_PATH, _JOB, reference)
    return Versions(*row) if row is not None else None


async def of_every_organization(request: Request) -> int | None:
    """The content version of all organisations together (row 0)."""
    row = await _row(request, EVERY_ORGANIZATION, _EVERY_ORGANIZATION)
    return int(row[0]) if row is not None else None
