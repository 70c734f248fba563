from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import slugs
from canopy.errors import validation_failed
from canopy.jobs import service as jobs_service
from canopy.models import Organization


async def by_reference(session: AsyncSession, reference: str) -> Organization | None:
    return await session.scalar(select(Organization).where(Organization.reference == reference))


async def create(session: AsyncSession, name: str, *, slug: str | None = None) -> Organization:
    """A new organisation with a fresh reference, a unique slug and its spontaneous job."""
    name = name.strip()
    if not name or len(name) > 200:
        raise validation_failed("name must have 1 to 200 characters")
    if slug is not None and not slugs.SLUG_PATTERN.match(slug):
        raise validation_failed("slug may contain only lowercase letters, digits and dashes")
    choices = [slug] if slug else slugs.candidates(slugs.from_name(name))
    for candidate in choices:
        taken = await session.scalar(select(Organization.id).where(Organization.slug == candidate))
        if taken is not None:
            continue
        # References are random; a collision only costs another try.
        for _ in range(5):
            organization = Organization(name=name, slug=candidate)
            try:
                async with session.begin_nested():
                    session.add(organization)
            except IntegrityError:
                continue
            await jobs_service.create_default(session, organization)
            return organization
    raise validation_failed("slug has already been taken")
