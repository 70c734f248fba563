"""The raw routes' SQL, in PostgreSQL's form (see :mod:`bench.floors.db`), and the plain
dicts their rows become: the same fields as the real routes' bodies, without pydantic."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request

from bench.floors.db import Connection
from canopy.candidates.schemas import MEDIA_FIELDS
from canopy.errors import invalid_scope, unauthorized

# The statements are built once, here, from the column names below: no request data in them.

# -- who is calling -------------------------------------------------------------------------

BY_DIGEST = "SELECT user_id, scopes, revoked_at FROM api_token WHERE digest = $1"
MEMBERSHIPS = "SELECT organization_id, role FROM membership WHERE user_id = $1"


@dataclass(frozen=True)
class Caller:
    user_id: int
    scopes: frozenset[str]
    organizations: list[int]  # where a member with full reach (not ``limited``)

    def has(self, scope: str) -> bool:
        return scope in self.scopes


async def caller(connection: Connection, request: Request, *wanted: str) -> Caller:
    """The token's user, scopes and organisations; 401 or 403 as the real routes answer.
    Reading the token and the memberships is part of every authenticated route's rows."""
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else None
    secret = secret or request.query_params.get("access_token")
    if not secret:
        raise unauthorized("The access token is missing")
    token = await connection.fetchrow(BY_DIGEST, hashlib.sha256(secret.encode()).hexdigest())
    if token is None or token[2] is not None:
        raise unauthorized()
    scopes = frozenset(orjson.loads(token[1]))
    if wanted and scopes.isdisjoint(wanted):
        raise invalid_scope(f"This endpoint requires the {' or '.join(wanted)} scope")
    rows = await connection.fetch(MEMBERSHIPS, token[0])
    return Caller(token[0], scopes, [org for org, role in rows if role != "limited"])


def text(value: Any) -> str | None:
    return None if value is None else str(value)


# -- jobs -----------------------------------------------------------------------------------

JOB_COLUMNS = (
    "name", "external_reference", "status", "profile", "apply_url", "company_description",
    "recruitment_process", "contract_duration_min", "experience_level", "department_id",
    "profession_reference", "contract_duration_max", "start_date", "description",
    "contract_type", "language", "remote", "office_id", "reference", "education_level",
    "created_at", "updated_at", "published_at", "archived_at",
    "salary_min", "salary_max", "salary_currency", "salary_period",
)  # fmt: skip
_JOB = (
    "SELECT j.id, o.reference, "
    + ", ".join(f"j.{column}" for column in JOB_COLUMNS)
    + " FROM job j JOIN organization o ON o.id = j.organization_id"
)
JOB = _JOB + " WHERE j.reference = $1"
REACHABLE_JOB = JOB + " AND j.organization_id = ANY($2)"
JOB_SITES = "SELECT reference FROM job_website WHERE job_id = $1 ORDER BY position"
SITES = "SELECT job_id, reference FROM job_website WHERE job_id = ANY($1) ORDER BY job_id, position"
STAGES = (
    "SELECT job_id, id, name, reference, visible FROM stage WHERE job_id = ANY($1) "
    "ORDER BY job_id, position"
)
ORGANIZATION = "SELECT id FROM organization WHERE reference = $1"
COUNT_ORGANIZATION_JOBS = "SELECT count(*) FROM job WHERE organization_id = $1"
ORGANIZATION_JOBS = (
    _JOB + " WHERE j.organization_id = $1 ORDER BY j.created_at, j.id LIMIT $2 OFFSET $3"
)
COUNT_JOBS = "SELECT count(*) FROM job"
ALL_JOBS = _JOB + " ORDER BY j.created_at, j.id LIMIT $1 OFFSET $2"


def job(row: Sequence[Any], sites: list[str]) -> dict[str, Any]:
    """A row of ``JOB`` (and the job's site references) as ``GET /jobs/{reference}`` shows."""
    found = dict(zip(JOB_COLUMNS, row[2:], strict=True))
    found["organization_reference"] = row[1]
    found["cms_sites_references"] = ",".join(sites)
    found["salary"] = {
        "min": text(found.pop("salary_min")),
        "max": text(found.pop("salary_max")),
        "currency": found.pop("salary_currency"),
        "period": found.pop("salary_period"),
    }
    return found


async def jobs(
    connection: Connection, rows: list[Sequence[Any]], *, stages: bool
) -> list[dict[str, Any]]:
    """A page of jobs with their sites (and stages): one query each, whatever the page size."""
    ids = [row[0] for row in rows]
    sites: dict[int, list[str]] = {}
    for job_id, reference in await connection.fetch(SITES, ids) if ids else []:
        sites.setdefault(job_id, []).append(reference)
    page = [job(row, sites.get(row[0], [])) for row in rows]
    if stages and ids:
        by_job: dict[int, list[dict[str, Any]]] = {}
        for job_id, stage_id, name, reference, visible in await connection.fetch(STAGES, ids):
            by_job.setdefault(job_id, []).append(
                {"id": stage_id, "name": name, "reference": reference, "visible": bool(visible)}
            )
        for row, item in zip(rows, page, strict=True):
            item["stages"] = by_job.get(row[0], [])
    return page


# -- embed ----------------------------------------------------------------------------------

PUBLIC_ORGANIZATION = "SELECT id, name, slug, reference FROM organization WHERE reference = $1"
EMBED_JOBS = (
    "SELECT j.id, j.reference, j.name, j.slug, j.description, j.profile, "
    "j.recruitment_process, j.salary_min, j.salary_max, j.salary_currency, j.salary_period, "
    "j.created_at, j.published_at, j.start_date, j.contract_type, "
    "f.id, f.name, f.address, f.zip_code, f.district, f.city, f.country_code, d.id, d.name "
    "FROM job j LEFT JOIN office f ON f.id = j.office_id "
    "LEFT JOIN department d ON d.id = j.department_id "
    "WHERE j.organization_id = $1 AND j.status = 'published' ORDER BY j.created_at, j.id"
)
WEBSITES = (
    "SELECT reference, kind, root_url, organization_url FROM organization_website "
    "WHERE organization_id = $1 ORDER BY position, id"
)


def embed_job(row: Sequence[Any], sites: list[str]) -> dict[str, Any]:
    """A row of ``EMBED_JOBS`` as the embed shows it (its texts as stored, not rendered)."""
    (job_id, reference, name, slug, description, profile, process, low, high, currency,
     period, created_at, published_at, start_date, contract_type, office_id, office_name,
     address, zip_code, district, city, country, department_id, department_name) = row  # fmt: skip
    office = None
    if office_id is not None:
        office = {
            "id": office_id,
            "name": office_name,
            "address": address,
            "zip_code": zip_code,
            "district": district,
            "city": city,
            "country": country,
        }
    department = None
    if department_id is not None:
        department = {"id": department_id, "name": department_name}
    return {
        "id": job_id,
        "reference": reference,
        "name": name,
        "slug": slug,
        "description": description or "",
        "profile": profile or "",
        "recruitment_process": process or "",
        "salary": {"min": text(low), "max": text(high), "currency": currency, "period": period},
        "created_at": created_at,
        "published_at": published_at,
        "start_date": start_date,
        "office": office,
        "department": department,
        "contract_type": contract_type,
        "cms_sites_references": sites,
    }


# -- candidates -----------------------------------------------------------------------------

CANDIDATE_JOB = (
    "SELECT j.id, j.reference, j.candidates_count, o.reference FROM job j "
    "JOIN organization o ON o.id = j.organization_id "
    "WHERE j.reference = $1 AND j.organization_id = ANY($2)"
)
CANDIDATE_COLUMNS = (
    "reference", "cover_letter", "created_at", "portfolio_size", "resume_content_type",
    "resume_size", "stage_id", "updated_at", "origin", "archived",
)  # fmt: skip
PROFILE_COLUMNS = (
    "address", "city", "country_code", "email", "firstname", "lastname", "phone", "subtitle",
    "zip_code",
)  # fmt: skip
CANDIDATES = (
    "SELECT "
    + ", ".join((*CANDIDATE_COLUMNS, *PROFILE_COLUMNS, "media"))
    + " FROM candidate WHERE job_id = $1 AND organization_id = ANY($2) "
    "ORDER BY created_at, id LIMIT $3 OFFSET $4"
)
MEMBER_ORGANIZATION = "SELECT id FROM organization WHERE reference = $1"
ORGANIZATION_JOB = "SELECT id FROM job WHERE reference = $1 AND organization_id = $2"
INITIAL_STAGE = (
    "SELECT id FROM stage WHERE job_id = $1 "
    "ORDER BY (reference = 'initial') DESC, position, id LIMIT 1"
)
INSERT_CANDIDATE = (
    "INSERT INTO candidate (reference, organization_id, job_id, stage_id, creator_user_id, "
    "origin, email, firstname, lastname, tags, media, archived, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, 'external', $6, $7, $8, '[]', '{}', $9, $10, $10)"
)


def candidate(
    row: Sequence[Any], job_reference: str, organization_reference: str
) -> dict[str, Any]:
    """A row of ``CANDIDATES`` as ``GET /candidates`` shows it."""
    split = len(CANDIDATE_COLUMNS)
    found = dict(zip(CANDIDATE_COLUMNS, row[:split], strict=True))
    profile = dict(zip(PROFILE_COLUMNS, row[split:-1], strict=True))
    media = row[-1]
    media = orjson.loads(media) if isinstance(media, str) else media or {}
    for name in MEDIA_FIELDS:
        profile[name] = media.get(name)
    found["profile"] = profile
    found["archived"] = bool(found["archived"])
    found["job_reference"] = job_reference
    found["modal_path"] = (
        f"/dashboard/o/{organization_reference}/jobs/{job_reference}/card/{found['reference']}"
    )
    return found
