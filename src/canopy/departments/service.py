from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import slugs, tenancy
from canopy.auth import Principal
from canopy.departments.schemas import DepartmentCreate, DepartmentUpdate
from canopy.errors import not_found, validation_failed
from canopy.models import Department, Organization

SU_SCOPE = "su_departments_r"


def list_query(principal: Principal, organization: Organization) -> Select[Department]:
    return tenancy.owned(
        Department, principal, organization=organization, su_scope=SU_SCOPE
    ).order_by(Department.created_at, Department.id)


async def get(
    session: AsyncSession, principal: Principal, department_id: int, *, for_write: bool = False
) -> Department:
    """A department the principal reaches; partnership reads reach any, writes only its own."""
    if not tenancy.is_id(department_id):
        raise not_found("Department")
    su_scope = None if for_write else SU_SCOPE
    department = await session.scalar(
        tenancy.owned(Department, principal, su_scope=su_scope).where(
            Department.id == department_id
        )
    )
    if department is None:
        raise not_found("Department")
    return department


async def _slug_taken(session: AsyncSession, organization_id: int, slug: str) -> bool:
    found = await session.scalar(
        select(Department.id).where(
            Department.organization_id == organization_id, Department.slug == slug
        )
    )
    return found is not None


async def create(
    session: AsyncSession, organization: Organization, data: DepartmentCreate
) -> Department:
    choices = [data.slug] if data.slug else slugs.candidates(slugs.from_name(data.name))
    for slug in choices:
        if await _slug_taken(session, organization.id, slug):
            continue
        department = Department(
            organization_id=organization.id,
            name=data.name,
            slug=slug,
            is_active=data.is_active,
            description=data.description,
        )
        try:
            # A savepoint, so that losing a race for the slug costs one retry, not the request.
            async with session.begin_nested():
                session.add(department)
        except IntegrityError:
            continue
        return department
    raise validation_failed("slug has already been taken")


async def update(session: AsyncSession, department: Department, data: DepartmentUpdate) -> None:
    fields = data.model_dump(exclude_unset=True)
    for name in ("name", "is_active"):
        if name in fields and fields[name] is None:
            raise validation_failed(f"{name} cannot be null")
    slug = fields.pop("slug", None)
    if slug is not None and slug != department.slug:
        if await _slug_taken(session, department.organization_id, slug):
            raise validation_failed("slug has already been taken")
        department.slug = slug
    for name, value in fields.items():
        setattr(department, name, value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise validation_failed("slug has already been taken") from exc
