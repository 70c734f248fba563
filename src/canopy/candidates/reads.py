"""``GET /candidates``: a page of a job's candidates, read with the bare database driver
(:mod:`canopy.rawdb`) and encoded once with orjson.

A page is up to 100 candidates. Loading them as ORM objects and then building a pydantic model
per candidate cost about 8 times what the rows themselves cost to read and encode; here the
rows stay tuples and become plain dicts in the very shape, key order included, that
:class:`~canopy.candidates.schemas.CandidateRead` serialises to (the route still declares that
model in the OpenAPI document). ``tests/candidates/test_list_rendering.py`` holds the two
renderings to the same bytes.

Statements, in PostgreSQL's form (``$1``…; :mod:`canopy.rawdb` translates them for SQLite): the
job (with whether the user is assigned to it), the count when the job's counter does not give
it, and the page. Who reaches what is :mod:`canopy.tenancy`'s decision
(:func:`~canopy.tenancy.job_reach`, :func:`~canopy.tenancy.candidate_reach`), applied to the
job. A candidate is in its job's organisation; the page is read by job alone, so that the
planner walks the (job, created_at, id) index for the page (a condition on the organisation
too made PostgreSQL, which takes the two for independent, expect a few rows and sort them
all), and a row of another organisation would be left out of the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request, Response

from canopy import countries, tenancy
from canopy.auth import Principal
from canopy.candidates.schemas import MEDIA_FIELDS, CandidateFlags, CandidateListParams
from canopy.candidates.service import file_url
from canopy.errors import not_found
from canopy.files.service import Files
from canopy.pagination import Page, set_headers
from canopy.rawdb import RawReader, timestamp_param, utc
from canopy.render import stored_timestamp, utc_timestamp

# Every statement below is assembled from the fixed fragments of this module; request values
# only ever travel as parameters.
# ruff: noqa: S608

_JOB = (
    "SELECT j.id, j.reference, j.organization_id, j.candidates_count, o.reference, "
    "EXISTS (SELECT 1 FROM job_assignment a WHERE a.job_id = j.id AND a.user_id = $2) "
    "FROM job j JOIN organization o ON o.id = j.organization_id WHERE j.reference = $1"
)

# The columns of a candidate, in the order _item unpacks them; then the stage's, then tags.
# Timestamps come as the text SQLAlchemy stores in SQLite, which PostgreSQL writes too:
# render.stored_timestamp turns that text into the API's form several times faster than a
# datetime is converted and formatted.
COLUMNS = (
    "reference", "cover_letter", "created_at", "portfolio_size", "portfolio_key",
    "portfolio_content_type", "resume_content_type", "resume_size", "resume_key", "stage_id",
    "updated_at", "address", "avatar_key", "avatar_content_type", "avatar_size", "city",
    "country_code", "email", "firstname", "lastname", "phone", "subtitle", "zip_code", "media",
    "origin", "archived", "organization_id",
)  # fmt: skip
_UTC_TEXT = "to_char(c.{0} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
_SQLITE_COLUMNS = ", ".join(f"c.{name}" for name in COLUMNS)
_POSTGRES_COLUMNS = ", ".join(
    _UTC_TEXT.format(name) if name in ("created_at", "updated_at") else f"c.{name}"
    for name in COLUMNS
)
_ORGANIZATION = COLUMNS.index("organization_id")
_STAGE_COLUMNS = ", s.id, s.name, s.reference, s.visible"
_STAGE_JOIN = " LEFT JOIN stage s ON s.id = c.stage_id"
_TAGS_COLUMN = ", c.tags"
_ORDER = " ORDER BY c.created_at, c.id"
_NO_MEDIA: dict[str, str | None] = dict.fromkeys(MEDIA_FIELDS)


class _Where:
    """The conditions of a page and their parameters (``$1`` is the job)."""

    def __init__(self, job_id: int) -> None:
        self.clauses = ["c.job_id = $1"]
        self.args: list[Any] = [job_id]

    def add(self, clause: str, value: Any) -> None:
        """``clause`` with its ``?`` standing for ``value``."""
        self.args.append(value)
        self.clauses.append(clause.replace("?", f"${len(self.args)}"))

    @property
    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.clauses)


def _filters(where: _Where, params: CandidateListParams, *, sqlite: bool) -> bool:
    """The §5.2 filters given; whether there was any."""
    before = len(where.args)
    if params.email is not None:
        where.add("lower(c.email) = ?", params.email.strip().lower())
    if params.origin is not None:
        where.add("c.origin = ?", params.origin)
    if params.referrer is not None:
        where.add("c.referrer = ?", params.referrer)
    if params.job_stage_id is not None:
        where.add("c.stage_id = ?", params.job_stage_id)
    if params.job_stage_reference is not None:
        where.add(
            "c.stage_id IN (SELECT st.id FROM stage st WHERE st.job_id = $1 AND st.reference = ?)",
            params.job_stage_reference,
        )
    if params.archived is not None:
        where.add("c.archived = ?", params.archived)
    if params.created_after is not None:
        where.add("c.created_at >= ?", timestamp_param(params.created_after, sqlite=sqlite))
    if params.updated_after is not None:
        where.add("c.updated_at >= ?", timestamp_param(params.updated_after, sqlite=sqlite))
    return len(where.args) > before


@dataclass(frozen=True)
class PageQuery:
    """The statements of one page, with their parameters: the count (None when the job's
    counter is the total, for a job's full, unfiltered list) and the rows."""

    count: str | None
    count_args: tuple[Any, ...]
    rows: str
    rows_args: tuple[Any, ...]


def page_query(
    principal: Principal,
    job_id: int,
    params: CandidateListParams,
    page: Page,
    *,
    sqlite: bool,
) -> PageQuery:
    """The statements of a page of the job's candidates the token reaches, oldest first (the
    job itself is one the user works on: :func:`list_page` has checked)."""
    where = _Where(job_id)
    reach = tenancy.candidate_reach(principal)
    if reach == tenancy.OWN_CANDIDATES:
        where.add("c.creator_user_id = ?", principal.user_id)
    elif reach != tenancy.ALL_CANDIDATES:
        where.clauses.append("1 = 0")
    filtered = _filters(where, params, sqlite=sqlite)
    count = None
    if filtered or reach != tenancy.ALL_CANDIDATES:
        count = "SELECT count(*) FROM candidate c" + where.sql
    rows = "SELECT " + (_SQLITE_COLUMNS if sqlite else _POSTGRES_COLUMNS)
    if params.stage:
        rows += _STAGE_COLUMNS
    if params.tags:
        rows += _TAGS_COLUMN
    rows += " FROM candidate c"
    if params.stage:
        rows += _STAGE_JOIN
    n = len(where.args)
    rows += f"{where.sql}{_ORDER} LIMIT ${n + 1} OFFSET ${n + 2}"
    args = tuple(where.args)
    return PageQuery(count, args, rows, (*args, page.size, page.offset))


async def list_page(
    request: Request,
    principal: Principal,
    params: CandidateListParams,
    page: Page,
) -> Response:
    """A page of the job's candidates the token reaches, oldest first, with the paging
    headers; 404 for a job the user does not work on."""
    reader: RawReader = request.app.state.raw_reader
    # Only the URL signer of the files is needed here. (The FilesDep dependency, a plain
    # function, would cost a hop through the thread pool on each request.)
    files: Files = request.app.state.files
    sqlite: bool = request.app.state.settings.is_sqlite
    found = await reader.lookup(_JOB, params.job_reference, principal.user_id)
    if not found:
        raise not_found("Job")
    job_id, job_reference, organization_id, counter, organization_reference, assigned = found[0]
    reach = tenancy.job_reach(principal, organization_id)
    if reach is None or (reach != tenancy.ALL_JOBS and not assigned):
        raise not_found("Job")

    query = page_query(principal, job_id, params, page, sqlite=sqlite)
    if query.count is None:
        total = int(counter)
    else:
        total = int((await reader.fetch(query.count, *query.count_args))[0][0])
    rows: Sequence[Sequence[Any]] = []
    # HEAD runs the same statements as GET, so that its headers (Content-Length included) are
    # exactly those of GET; the middleware drops the body.
    if page.offset < total:
        rows = await reader.fetch(query.rows, *query.rows_args)

    card = f"/dashboard/o/{organization_reference}/jobs/{job_reference}/card/"
    body = orjson.dumps(
        [
            _item(row, job_reference, card, params, files)
            for row in rows
            if row[_ORGANIZATION] == organization_id
        ]
    )
    response = Response(body, media_type="application/json")
    set_headers(request, response, page, total)
    return response


def render(
    values: Mapping[str, Any],
    job_reference: str,
    organization_reference: str,
    flags: CandidateFlags,
    files: Files,
    stage: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """A candidate given as its column values (:data:`COLUMNS`, and ``tags`` when asked),
    shown as :func:`list_page` shows each of its rows; ``stage`` is the stage's id, name,
    reference and visibility, or None."""
    row = [values[name] for name in COLUMNS]
    if flags.stage:
        row.extend(stage if stage is not None else (None, None, None, None))
    if flags.tags:
        row.append(values["tags"])
    card = f"/dashboard/o/{organization_reference}/jobs/{job_reference}/card/"
    return _item(row, job_reference, card, flags, files)


def _json(value: Any) -> Any:
    """A JSON column's value: text from the driver (SQLite, asyncpg), or already decoded."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _item(
    row: Sequence[Any], job_reference: str, card: str, flags: CandidateFlags, files: Files
) -> dict[str, Any]:
    """A row of the page as :class:`~canopy.candidates.schemas.CandidateRead` shows it: the
    same keys in the same order, ``stage`` and ``tags`` only when their flag asks."""
    (reference, cover_letter, created_at, portfolio_size, portfolio_key, portfolio_type,
     resume_type, resume_size, resume_key, stage_id, updated_at, address, avatar_key,
     avatar_type, avatar_size, city, country_code, email, firstname, lastname, phone, subtitle,
     zip_code, media, origin, archived) = row[:_ORGANIZATION]  # fmt: skip
    profile = {
        "address": address,
        "avatar_url": (
            file_url(files, avatar_key, "avatar", avatar_type, avatar_size)
            or files.default_avatar_url
        ),
        "city": city,
        "country_code": country_code,
        "country_name": countries.names(country_code)["en"] if country_code else None,
        "email": email,
        "firstname": firstname,
        "lastname": lastname,
        "phone": phone,
        "subtitle": subtitle,
        "zip_code": zip_code,
    }
    profile.update(_NO_MEDIA)
    if media is not None and media != "{}":
        for name, value in (_json(media) or {}).items():
            if name in _NO_MEDIA:
                profile[name] = value  # in its place: the key is there already
    item = {
        "reference": reference,
        "cover_letter": cover_letter or "",
        "created_at": _when(created_at),
        "job_reference": job_reference,
        "modal_path": card + reference,
        "portfolio_size": portfolio_size,
        "portfolio_url": (
            None
            if portfolio_key is None
            else file_url(files, portfolio_key, "portfolio", portfolio_type, portfolio_size)
        ),
        "resume_content_type": resume_type,
        "resume_size": resume_size,
        "resume_url": (
            None
            if resume_key is None
            else file_url(files, resume_key, "resume", resume_type, resume_size)
        ),
        "stage_id": stage_id,
        "updated_at": _when(updated_at),
        "profile": profile,
        "origin": origin,
        "archived": bool(archived),
    }
    extra = _ORGANIZATION + 1
    if flags.stage:
        found_id, name, stage_reference, visible = row[extra : extra + 4]
        extra += 4
        item["stage"] = (
            None
            if found_id is None
            else {
                "id": found_id,
                "name": name,
                "reference": stage_reference,
                "visible": bool(visible),
            }
        )
    if flags.tags:
        item["tags"] = list(_json(row[extra]) or [])
    return item


def _when(value: Any) -> str:
    """A timestamp column's value (never null here) as the API writes it."""
    if isinstance(value, str):
        return stored_timestamp(value)
    found = utc(value)
    assert found is not None
    return utc_timestamp(found)
