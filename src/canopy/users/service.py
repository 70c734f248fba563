from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from canopy.auth import Principal
from canopy.errors import validation_failed
from canopy.models import Membership, Organization, Role, User
from canopy.users.schemas import CurrentUserRead, MembershipRead


async def current(
    session: AsyncSession, principal: Principal, *, organizations: bool
) -> CurrentUserRead:
    user = await session.get_one(User, principal.user_id)
    result = CurrentUserRead(
        display_name=user.display_name, avatar_url=user.avatar_url, email=user.email
    )
    if organizations:
        rows = await session.execute(
            select(Organization, Membership.role)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == user.id)
            .order_by(Organization.created_at, Organization.id)
        )
        result.organizations = [
            MembershipRead(reference=org.reference, name=org.name, slug=org.slug, role=role)
            for org, role in rows.tuples()
        ]
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
