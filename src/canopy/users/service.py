from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from canopy import tenancy
from canopy.auth import Principal
from canopy.errors import validation_failed
from canopy.models import Job, Membership, Organization, Role, User
from canopy.users.schemas import (
    CurrentUserParams,
    CurrentUserRead,
    MembershipRead,
    StageRead,
    UserJobRead,
)

# Each inclusion and the scope it needs.
FLAG_SCOPES = (("organizations", "organizations_r"), ("jobs", "jobs_r"), ("stages", "jobs_r"))


def effective_flags(principal: Principal, params: CurrentUserParams) -> CurrentUserParams:
    """``params`` with the inclusions the principal may not see turned off (§15.2: the block
    is left out, the answer is still 200)."""
    denied = {
        flag: False
        for flag, scope in FLAG_SCOPES
        if getattr(params, flag) and not principal.has(scope)
    }
    return params.model_copy(update=denied) if denied else params


async def current(
    session: AsyncSession, principal: Principal, params: CurrentUserParams, *, default_avatar: str
) -> CurrentUserRead:
    """The user; a user without a picture gets ``default_avatar``, as on the original."""
    user = await session.get_one(User, principal.user_id)
    result = CurrentUserRead(
        display_name=user.display_name,
        avatar_url=user.avatar_url or default_avatar,
        email=user.email,
    )
    with_jobs = params.jobs or params.stages
    jobs: dict[int, list[UserJobRead]] = {}
    if with_jobs:
        stmt = (
            tenancy.jobs(principal)
            .options(joinedload(Job.organization))
            .order_by(Job.created_at, Job.id)
        )
        if params.stages:
            stmt = stmt.options(selectinload(Job.stages))
        for job in await session.scalars(stmt):
            item = UserJobRead(
                reference=job.reference,
                name=job.name,
                status=job.status,
                organization_reference=job.organization.reference,
            )
            if params.stages:
                item.stages = [
                    StageRead(id=s.id, name=s.name, reference=s.reference, visible=s.visible)
                    for s in job.stages
                ]
            jobs.setdefault(job.organization_id, []).append(item)
    if params.organizations:
        rows = await session.execute(
            select(Organization, Membership.role)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == user.id)
            .order_by(Organization.created_at, Organization.id)
        )
        memberships = []
        for org, role in rows:
            membership = MembershipRead(
                reference=org.reference, name=org.name, slug=org.slug, role=role
            )
            if with_jobs:
                membership.jobs = jobs.get(org.id, [])
            memberships.append(membership)
        result.organizations = memberships
    elif with_jobs:
        result.jobs = [job for items in jobs.values() for job in items]
    return result


async def by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalize_email(email)))


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def create(session: AsyncSession, email: str, display_name: str) -> User:
    address = normalize_email(email)
    local, _, domain = address.partition("@")
    if not local or "." not in domain or len(address) > 320:
        raise validation_failed(f"{email!r} is not an email address")
    if not display_name.strip():
        raise validation_failed("name is missing")
    if await by_email(session, address) is not None:
        raise validation_failed(f"a user with email {address} already exists")
    user = User(email=address, display_name=display_name.strip())
    session.add(user)
    await session.flush()
    return user


async def add_member(
    session: AsyncSession, organization: Organization, user: User, role: Role
) -> Membership:
    """Make ``user`` a member of ``organization`` with ``role`` (or change the role)."""
    membership = await session.scalar(
        select(Membership).where(
            Membership.organization_id == organization.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(organization_id=organization.id, user_id=user.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    await session.flush()
    return membership
