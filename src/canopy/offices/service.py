from __future__ import annotations

from typing import Any

from sqlalchemy import Select, update
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import tenancy
from canopy.auth import Principal
from canopy.errors import not_found, validation_failed
from canopy.models import Office, Organization
from canopy.offices.schemas import OfficeUpdate

SU_SCOPE = "su_offices_r"
REQUIRED_ON_UPDATE = ("name", "city", "country_code", "is_headquarter")


def list_query(principal: Principal, organization: Organization) -> Select[Office]:
    return tenancy.owned(Office, principal, organization=organization, su_scope=SU_SCOPE).order_by(
        Office.created_at, Office.id
    )


async def get(
    session: AsyncSession, principal: Principal, office_id: int, *, for_write: bool = False
) -> Office:
    if not tenancy.is_id(office_id):
        raise not_found("Office")
    su_scope = None if for_write else SU_SCOPE
    office = await session.scalar(
        tenancy.owned(Office, principal, su_scope=su_scope).where(Office.id == office_id)
    )
    if office is None:
        raise not_found("Office")
    return office


async def _clear_other_headquarters(session: AsyncSession, office: Office) -> None:
    # One headquarter per organisation: naming a new one demotes the previous.
    await session.execute(
        update(Office)
        .where(Office.organization_id == office.organization_id, Office.id != office.id)
        .values(is_headquarter=False)
    )


async def create(session: AsyncSession, organization: Organization, **fields: Any) -> Office:
    office = Office(organization_id=organization.id, **fields)
    session.add(office)
    await session.flush()
    if office.is_headquarter:
        await _clear_other_headquarters(session, office)
    return office


async def update_office(session: AsyncSession, office: Office, data: OfficeUpdate) -> None:
    fields = data.model_dump(exclude_unset=True)
    for name in REQUIRED_ON_UPDATE:
        if name in fields and fields[name] is None:
            raise validation_failed(f"{name} cannot be null")
    for name, value in fields.items():
        setattr(office, name, value)
    await session.flush()
    if fields.get("is_headquarter"):
        await _clear_other_headquarters(session, office)
