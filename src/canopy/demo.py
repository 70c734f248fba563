"""The demo organisation that ``make serve`` shows a newcomer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from canopy.models import ApiToken, Organization, Role
from canopy.models.base import utcnow
from canopy.organizations import service as organizations
from canopy.tokens import service as tokens
from canopy.users import service as users

DEMO_SLUG = "canopy-demo"
DEMO_EMAIL = "demo@canopy.example"
DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a label


async def ensure(session: AsyncSession) -> dict[str, Any]:
    """Idempotent: reuses the organisation and user, replaces the previous demo token."""
    organization = await session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
    if organization is None:
        organization = await organizations.create(session, "Canopy Demo", slug=DEMO_SLUG)
    user = await users.by_email(session, DEMO_EMAIL)
    if user is None:
        user = await users.create(session, DEMO_EMAIL, "Demo Recruiter")
    await users.add_member(session, organization, user, Role.admin)
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.name == DEMO_TOKEN_NAME,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    issued = await tokens.issue(session, user, ["all"], name=DEMO_TOKEN_NAME)
    return {
        "organization_reference": organization.reference,
        "email": user.email,
        "token": issued.secret,
    }
