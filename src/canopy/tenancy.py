"""The one place that decides which organisations' rows a principal reaches."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from canopy.auth import Principal
from canopy.errors import ApiError, not_found, not_member
from canopy.models import Candidate, Job, JobAssignment, Move, Organization, Role

T = TypeVar("T")

# Ids are 32-bit integer columns. A larger number names no row, and PostgreSQL refuses it as a
# bind parameter (an error, not an empty result), so lookups check the range first.
MAX_ID = 2**31 - 1


def is_id(value: int) -> bool:
    return 1 <= value <= MAX_ID


def owned(
    model: type[T],
    principal: Principal,
    *,
    organization: Organization | None = None,
    su_scope: str | None = None,
) -> Select[T]:
    """``SELECT model`` limited to the organisations the principal is a member of, and to
    ``organization`` when given (itself obtained from :func:`member_organization`).

    With ``su_scope`` held (a partnership scope), every organisation is reachable.
    """
    column: Any = model.organization_id  # type: ignore[attr-defined]
    stmt = select(model)
    if organization is not None:
        stmt = stmt.where(column == organization.id)
    if su_scope is not None and principal.has(su_scope):
        return stmt
    return stmt.where(column.in_(principal.organization_ids))


def member_organizations(principal: Principal) -> tuple[list[int], list[int]]:
    """The organisations where the principal works on every job (admin or standard member),
    and those where it works only on the jobs assigned to it (``limited`` member, §15.4)."""
    full = [org for org, role in principal.roles.items() if role is not Role.limited]
    limited = [org for org, role in principal.roles.items() if role is Role.limited]
    return full, limited


# The condition of :func:`_job_reach` in SQL written by hand, for statements in PostgreSQL's
# form (:mod:`canopy.rawdb`): {job} and {organization} are the columns; $full, $limited (lists
# of :func:`member_organizations`) and $user (the user's id) its parameters.
JOB_REACH_SQL = (
    "({organization} = ANY($full) OR ({organization} = ANY($limited) AND EXISTS "
    "(SELECT 1 FROM job_assignment ja WHERE ja.job_id = {job} AND ja.user_id = $user)))"
)


def _job_reach(principal: Principal, job_id: Any, organization_id: Any) -> ColumnElement[bool]:
    """Rows of jobs the principal works on: every job of an organisation where it is admin or
    standard, and only its assigned jobs where it is a ``limited`` member (§15.4)."""
    full, limited = member_organizations(principal)
    clause: ColumnElement[bool] = organization_id.in_(full)
    if limited:
        assigned = select(JobAssignment.job_id).where(JobAssignment.user_id == principal.user_id)
        clause = or_(clause, and_(organization_id.in_(limited), job_id.in_(assigned)))
    return clause


ALL_JOBS = "all"


def job_reach(
    principal: Principal, organization_id: int, *, su_scope: str | None = None
) -> str | tuple[str, int] | None:
    """Which of the organisation's jobs :func:`jobs` lets the principal reach, as a value that
    is equal for principals reaching the same jobs (a response cache key): :data:`ALL_JOBS`
    for a partner holding ``su_scope`` or an admin or standard member, ``("assigned", user
    id)`` for a limited member, None for no member (nothing is reached)."""
    if su_scope is not None and principal.has(su_scope):
        return ALL_JOBS
    role = principal.roles.get(organization_id)
    if role is None:
        return None
    if role is Role.limited:
        return ("assigned", principal.user_id)
    return ALL_JOBS


def jobs(
    principal: Principal,
    *,
    organization: Organization | None = None,
    su_scope: str | None = None,
) -> Select[Job]:
    """``SELECT job`` limited to the jobs the principal reaches (and to ``organization``)."""
    stmt = select(Job)
    if organization is not None:
        stmt = stmt.where(Job.organization_id == organization.id)
    if su_scope is not None and principal.has(su_scope):
        return stmt
    return stmt.where(_job_reach(principal, Job.id, Job.organization_id))


ALL_CANDIDATES = "all"
OWN_CANDIDATES = "own"


def candidate_reach(principal: Principal, *, write: bool = False) -> str | None:
    """Which candidates of the jobs the user works on the token reaches: with ``candidates_*``
    every one (:data:`ALL_CANDIDATES`); with only ``my_candidates_*`` those the user created
    through the API (:data:`OWN_CANDIDATES`); None without either."""
    full, mine = (
        ("candidates_rw", "my_candidates_rw") if write else ("candidates_r", "my_candidates_r")
    )
    if principal.has(full):
        return ALL_CANDIDATES
    if principal.has(mine):
        return OWN_CANDIDATES
    return None


def candidates(principal: Principal, *, write: bool = False) -> Select[Candidate]:
    """``SELECT candidate`` limited to what the token reaches (:func:`candidate_reach`) in the
    jobs the user works on."""
    stmt = select(Candidate).where(
        _job_reach(principal, Candidate.job_id, Candidate.organization_id)
    )
    reach = candidate_reach(principal, write=write)
    if reach == ALL_CANDIDATES:
        return stmt
    if reach == OWN_CANDIDATES:
        return stmt.where(Candidate.creator_user_id == principal.user_id)
    return stmt.where(false())


def moves(principal: Principal) -> Select[Move]:
    """``SELECT move`` limited to moves from or to a job the principal reaches."""
    return select(Move).where(
        or_(
            _job_reach(principal, Move.from_job_id, Move.from_organization_id),
            _job_reach(principal, Move.to_job_id, Move.to_organization_id),
        )
    )


def organizations(principal: Principal, *, su_scope: str | None = None) -> Select[Organization]:
    """``SELECT organization`` limited to those the principal is a member of; every one with
    ``su_scope`` held."""
    stmt = select(Organization)
    if su_scope is not None and principal.has(su_scope):
        return stmt
    return stmt.where(Organization.id.in_(principal.organization_ids))


async def visible_organization(
    session: AsyncSession, principal: Principal, reference: str, *, su_scope: str | None = None
) -> Organization:
    """The organisation at ``/organizations/:reference``: one the principal is a member of (or
    any, with ``su_scope``); otherwise 404, the same answer as for an unknown reference."""
    organization = await session.scalar(
        organizations(principal, su_scope=su_scope).where(Organization.reference == reference)
    )
    if organization is None:
        raise not_found("Organization")
    return organization


async def admin_organization(
    session: AsyncSession, principal: Principal, reference: str, *, su_scope: str | None = None
) -> Organization:
    """The organisation at ``/organizations/:reference`` for a write: the principal must be one
    of its ``admin`` members. One it cannot see is a 404; one it sees without being its admin
    (a standard or limited member, or a partner through ``su_scope``) is a 403 ``forbidden``."""
    organization = await visible_organization(session, principal, reference, su_scope=su_scope)
    if not is_admin(principal, organization.id):
        raise ApiError(403, "Only an admin of this organization may change it", code="forbidden")
    return organization


def is_admin(principal: Principal, organization_id: int) -> bool:
    return principal.roles.get(organization_id) is Role.admin


async def member_organization(
    session: AsyncSession,
    principal: Principal,
    reference: str,
    *,
    su_scope: str | None = None,
) -> Organization:
    """The organisation named by ``organization_reference``, if the principal is a member.

    An unknown reference gets the same answer as a foreign one, so references cannot be probed.
    """
    organization = await session.scalar(
        select(Organization).where(Organization.reference == reference)
    )
    if organization is None:
        raise not_member()
    if organization.id in principal.organization_ids:
        return organization
    if su_scope is not None and principal.has(su_scope):
        return organization
    raise not_member()


def public(model: type[T], organization: Organization) -> Select[T]:
    """``SELECT model`` of one organisation for what it shows to anyone, without a token (the
    embed, §6.5). Which of those rows are public (published jobs only) is the caller's filter."""
    column: Any = model.organization_id  # type: ignore[attr-defined]
    return select(model).where(column == organization.id)
