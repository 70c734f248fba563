"""The one place that decides which organisations' rows a principal reaches."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from canopy.auth import Principal
from canopy.errors import not_member
from canopy.models import Organization

T = TypeVar("T")


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
