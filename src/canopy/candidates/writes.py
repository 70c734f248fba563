"""``POST /candidates``: a new candidate in one statement run with the driver, answered in the
very bytes ``GET /candidates`` would show it.

Through the ORM, building the placement query, flushing a new object and validating the answer
twice (as a pydantic model, then as the route's response model) cost about 3 ms per candidate,
three times the statements themselves. Here one ``INSERT … SELECT`` finds where the candidate
goes and adds it: the named organisation, if the user is a member; the named job in it, if the
user works on it (:data:`canopy.tenancy.JOB_REACH_SQL`); the stage (``job_stage_id`` if it is a
stage of that job, else the job's initial stage). It inserts nothing when one of them is
missing, and only then is :func:`place` asked which, for the error. Statements are fixed text
in PostgreSQL's form (``$1``…, translated for SQLite by :mod:`canopy.rawdb`).

A plain candidate is that statement alone, committing on its own (:func:`canopy.db.autocommit`:
no BEGIN and COMMIT round trips; SQLite's writers still queue for the lock). With a comment or
remote files it runs in the request session's transaction instead: the comment commits with it,
and the stored files go again if it does not commit. The remote files are downloaded and stored
before, outside any transaction, after :func:`place` checked in a transaction that only reads.

The job's and stage's counters follow by trigger. The answer is rendered by
:func:`canopy.candidates.reads.render`, which ``tests/candidates/test_list_rendering.py`` holds
to the bytes of :class:`~canopy.candidates.schemas.CandidateRead`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import orjson
from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from canopy import tenancy
from canopy.auth import Principal
from canopy.candidates import reads
from canopy.candidates.schemas import MEDIA_FIELDS, CandidateCreate, CandidateFlags
from canopy.candidates.service import API_ORIGIN, PROFILE_FIELDS, store_files, wanted_files
from canopy.comments import service as comments_service
from canopy.db import autocommit, reads_first
from canopy.errors import ApiError, not_found, not_member, validation_failed
from canopy.files.service import Files, Stored
from canopy.models.base import utcnow
from canopy.rawdb import session_fetch, timestamp_param
from canopy.references import candidate_reference

# Every statement below is assembled from the fixed fragments of this module; request values
# only ever travel as parameters.
# ruff: noqa: S608

Fetch = Callable[..., Awaitable[list[Sequence[Any]]]]

# The job's initial stage: the one whose reference is "initial", else its first.
_INITIAL_STAGE = (
    "s.id = (SELECT f.id FROM stage f WHERE f.job_id = j.id "
    "ORDER BY CASE WHEN f.reference = 'initial' THEN 0 ELSE 1 END, f.position, f.id LIMIT 1)"
)
_PLACEMENT = (
    "SELECT o.id, o.reference, j.id, j.reference, "
    "EXISTS (SELECT 1 FROM job_assignment a WHERE a.job_id = j.id AND a.user_id = $3), "
    "s.id, s.name, s.reference, s.visible "
    "FROM organization o "
    "LEFT JOIN job j ON j.organization_id = o.id AND j.reference = $2 "
    "LEFT JOIN stage s ON {stage} "
    "WHERE o.reference = $1"
)
_PLACE_INITIAL = _PLACEMENT.format(stage=_INITIAL_STAGE)
_PLACE_GIVEN = _PLACEMENT.format(stage="s.id = $4 AND s.job_id = j.id")

# Every column of the candidate table but its id, in the order of the insert.
INSERTED = (
    "reference", "organization_id", "job_id", "stage_id", "creator_user_id", "origin",
    "referrer", "email", "firstname", "lastname", "phone", "subtitle", "address", "city",
    "zip_code", "country_code", "cover_letter", "tags", "media", "archived", "resume_key",
    "resume_size", "resume_content_type", "portfolio_key", "portfolio_size",
    "portfolio_content_type", "avatar_key", "avatar_size", "avatar_content_type", "created_at",
    "updated_at",
)  # fmt: skip
# The columns the placement gives; every other one is a parameter, in the order of INSERTED.
_PLACED = {"organization_id": "o.id", "job_id": "j.id", "stage_id": "s.id"}
_GIVEN = tuple(name for name in INSERTED if name not in _PLACED)


def _insert(*, stage_given: bool) -> str:
    """The ``INSERT … SELECT``: its parameters are the :data:`_GIVEN` values, then the
    organisation's and the job's references, the user's id, the organisations of
    :func:`canopy.tenancy.member_organizations`, and the stage's id when given."""
    number = {name: n for n, name in enumerate(_GIVEN, start=1)}
    after = len(_GIVEN)
    organization, job, user, full, limited, stage = (f"${after + n}" for n in range(1, 7))
    reach = tenancy.JOB_REACH_SQL.format(organization="o.id", job="j.id")
    reach = reach.replace("$full", full).replace("$limited", limited).replace("$user", user)
    stage_on = f"s.id = {stage} AND s.job_id = j.id" if stage_given else _INITIAL_STAGE
    selected = ", ".join(_PLACED.get(name) or f"${number[name]}" for name in INSERTED)
    return (
        f"INSERT INTO candidate ({', '.join(INSERTED)}) SELECT {selected} "
        f"FROM organization o JOIN job j ON j.organization_id = o.id AND j.reference = {job} "
        f"JOIN stage s ON {stage_on} WHERE o.reference = {organization} AND {reach} "
        "RETURNING id, organization_id, stage_id"
    )


_INSERT_INITIAL = _insert(stage_given=False)
_INSERT_GIVEN = _insert(stage_given=True)
_STAGE = "SELECT id, name, reference, visible FROM stage WHERE id = $1"
_FILE_COLUMNS = {
    "remote_resume_url": "resume",
    "remote_portfolio_url": "portfolio",
    "remote_image_url": "avatar",
}
# How many times the insert is tried when it finds nothing and the placement then does (the
# job's stages changed in between).
_ATTEMPTS = 2


async def place(fetch: Fetch, principal: Principal, data: CandidateCreate) -> None:
    """Check where the new candidate goes: 403 for an organisation the user is not a member
    of (an unknown one too), 404 for a job it does not work on, 422 for a stage of another job
    or a job without stages."""
    args: list[Any] = [data.organization_reference, data.job_reference, principal.user_id]
    sql = _PLACE_INITIAL
    if data.job_stage_id is not None:
        sql = _PLACE_GIVEN
        args.append(data.job_stage_id)
    rows = await fetch(sql, *args)
    row = rows[0] if rows else None
    if row is None or row[0] not in principal.organization_ids:
        raise not_member()  # an unknown reference gets the same answer as a foreign one
    organization_id, _, job_id, _, assigned = row[:5]
    reach = tenancy.job_reach(principal, organization_id)
    if job_id is None or reach is None or (reach != tenancy.ALL_JOBS and not assigned):
        raise not_found("Job")
    if row[5] is None:
        if data.job_stage_id is not None:
            raise validation_failed(
                f"job_stage_id is invalid: {data.job_stage_id} is not a stage of this job"
            )
        raise validation_failed("the job has no pipeline stage")


def _values(principal: Principal, data: CandidateCreate, stored: list[Stored]) -> dict[str, Any]:
    """The new candidate's column values (but those the placement gives), as Python values."""
    given = data.model_fields_set
    now = utcnow()
    values: dict[str, Any] = dict.fromkeys(INSERTED)
    values.update(
        reference=candidate_reference(),
        creator_user_id=principal.user_id,
        origin=API_ORIGIN,
        referrer=data.referrer,
        tags=list(data.tag_list or []) if "tag_list" in given else [],
        media={name: getattr(data, name) for name in MEDIA_FIELDS if getattr(data, name)},
        created_at=now,
        updated_at=now,
    )
    for name in PROFILE_FIELDS:
        if name in given:
            values[name] = getattr(data, name)
    values["archived"] = bool(values["archived"])  # null or left out: not archived
    for (field, _), item in zip(wanted_files(data), stored, strict=True):
        kind = _FILE_COLUMNS[field]
        values[f"{kind}_key"] = item.key
        values[f"{kind}_size"] = item.size
        values[f"{kind}_content_type"] = item.content_type
    return values


def _arguments(
    values: dict[str, Any], principal: Principal, data: CandidateCreate, *, sqlite: bool
) -> list[Any]:
    """The insert's parameters (see :func:`_insert`): JSON columns as text, timestamps as the
    column takes them."""
    arguments = []
    for name in _GIVEN:
        value = values[name]
        if name in ("tags", "media"):
            value = orjson.dumps(value).decode()
        elif name in ("created_at", "updated_at"):
            value = timestamp_param(value, sqlite=sqlite)
        arguments.append(value)
    full, limited = tenancy.member_organizations(principal)
    arguments += [data.organization_reference, data.job_reference, principal.user_id]
    arguments += [full, limited]
    if data.job_stage_id is not None:
        arguments.append(data.job_stage_id)
    return arguments


async def _insert_where_placed(
    fetch: Fetch, principal: Principal, data: CandidateCreate, arguments: list[Any]
) -> Sequence[Any]:
    """The new row's id, organisation and stage; the placement's error if it goes nowhere."""
    sql = _INSERT_GIVEN if data.job_stage_id is not None else _INSERT_INITIAL
    for _ in range(_ATTEMPTS):
        rows = await fetch(sql, *arguments)
        if rows:
            return rows[0]
        await place(fetch, principal, data)
    raise ApiError(409, "the job's pipeline changed while the candidate was being added: retry")


async def add(
    session: AsyncSession,
    principal: Principal,
    data: CandidateCreate,
    stored: list[Stored] | None = None,
) -> dict[str, Any]:
    """Add the candidate (and its comment) in ``session``'s transaction, pointing at the files
    ``stored`` for its remote ones: its column values, ``id`` included."""
    sqlite = (await session.connection()).dialect.name == "sqlite"
    values = _values(principal, data, stored or [])
    arguments = _arguments(values, principal, data, sqlite=sqlite)
    row = await _insert_where_placed(partial(session_fetch, session), principal, data, arguments)
    values["id"], values["organization_id"], values["stage_id"] = row
    if data.comment:
        await comments_service.add(session, row[0], data.comment, principal.user_id)
    return values


async def create(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    data: CandidateCreate,
    flags: CandidateFlags,
    files: Files,
) -> Response:
    """Add a candidate to the named organisation's job: the 201 answer."""
    wanted = wanted_files(data)
    if wanted or data.comment:
        stored: list[Stored] = []
        if wanted:
            async with reads_first(session):
                await place(partial(session_fetch, session), principal, data)
            stored = await store_files(session, files, wanted)
        values = await add(session, principal, data, stored)
        fetch: Fetch = partial(session_fetch, session)
    else:
        engine: AsyncEngine = request.app.state.engine
        values = _values(principal, data, [])
        arguments = _arguments(values, principal, data, sqlite=engine.dialect.name == "sqlite")
        async with autocommit(engine, write=True) as statements:
            row = await _insert_where_placed(statements.fetch, principal, data, arguments)
        values["id"], values["organization_id"], values["stage_id"] = row
        fetch = request.app.state.raw_reader.lookup
    stage = None
    if flags.stage:
        found = await fetch(_STAGE, values["stage_id"])
        stage = found[0] if found else None
    item = reads.render(
        values, data.job_reference, data.organization_reference, flags, files, stage
    )
    return Response(orjson.dumps(item), status_code=201, media_type="application/json")
