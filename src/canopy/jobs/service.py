"""Jobs: their pipelines, sites, offices and status transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.base import ExecutableOption

from canopy import slugs, tenancy
from canopy.auth import Principal
from canopy.config import PER_PAGE_LIMIT
from canopy.errors import not_found, validation_failed
from canopy.jobs.schemas import (
    ApplicationField,
    JobAllParams,
    JobCreate,
    JobFields,
    JobFilters,
    JobFlags,
    JobOrganization,
    JobRead,
    JobUpdate,
    OfficeInput,
    Salary,
    StageRead,
    WebsiteRead,
)
from canopy.jobs.schemas import JobOffice as JobOfficeRead
from canopy.models import (
    Department,
    Job,
    JobAssignment,
    JobOffice,
    JobStatus,
    JobWebsite,
    Office,
    Organization,
    OrganizationWebsite,
    Role,
    Stage,
)
from canopy.models.base import utcnow
from canopy.offices import service as offices_service
from canopy.reference import service as reference

SU_SCOPE = "su_jobs_r"

# §15.6: the pipeline every new job starts with.
DEFAULT_STAGES: tuple[tuple[str, str, bool], ...] = (
    ("initial", "New", True),
    ("to_meet", "To meet", True),
    ("interviewed", "Interview", True),
    ("made_offer", "Offer", True),
    ("hired", "Hired", True),
    ("refused", "Refused", True),
    ("archived", "Archived", False),
)
DEFAULT_APPLICATION_FIELDS: tuple[dict[str, str], ...] = (
    {"name": "resume", "mode": "mandatory"},
    {"name": "portfolio", "mode": "disabled"},
    {"name": "cover_letter", "mode": "optional"},
    {"name": "phone", "mode": "optional"},
)
SPONTANEOUS_NAME = "Spontaneous application"
REQUIRED_ON_UPDATE = ("name", "description", "profile", "contract_type", "language", "status")


# -- reading -----------------------------------------------------------------------------


# Each inclusion that reveals another resource, and the scopes (any one of them) it needs.
FLAG_SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("office", ("offices_r", "su_offices_r")),
    ("offices", ("offices_r", "su_offices_r")),
    # Also the counters of each stage.
    ("candidates_count", ("candidates_r",)),
)

F = TypeVar("F", bound=JobFlags)


def effective_flags(principal: Principal, flags: F) -> F:
    """``flags`` with the inclusions the principal may not see turned off (§15.2: the block
    is left out, the answer is still 200). Everything downstream, the response cache's keys
    included, works from these."""
    denied = {
        flag: False
        for flag, scopes in FLAG_SCOPES
        if getattr(flags, flag) and not principal.has_any(*scopes)
    }
    return flags.model_copy(update=denied) if denied else flags


# One IN query per collection for the largest page allowed (SQLAlchemy splits by 500 unless
# told otherwise): a page costs the same statements whatever its size.
_CHUNK = PER_PAGE_LIMIT


def _options(flags: JobFlags) -> list[ExecutableOption]:
    options: list[ExecutableOption] = [
        joinedload(Job.organization),
        selectinload(Job.websites, chunksize=_CHUNK),
    ]
    if flags.stages:
        options.append(selectinload(Job.stages, chunksize=_CHUNK))
    if flags.office:
        options.append(joinedload(Job.office))
    if flags.offices:
        options.append(selectinload(Job.offices, chunksize=_CHUNK).joinedload(JobOffice.office))
    return options


def _filtered(stmt: Select[Job], filters: JobFilters) -> Select[Job]:
    if filters.status is not None:
        stmt = stmt.where(Job.status == filters.status)
    if filters.contract_type is not None:
        stmt = stmt.where(Job.contract_type == filters.contract_type)
    if filters.cms_sites_references:
        stmt = stmt.where(
            Job.id.in_(
                select(JobWebsite.job_id).where(
                    JobWebsite.reference.in_(filters.cms_sites_references)
                )
            )
        )
    if filters.created_after is not None:
        stmt = stmt.where(Job.created_at >= filters.created_after)
    if filters.updated_after is not None:
        stmt = stmt.where(Job.updated_at >= filters.updated_after)
    if filters.published_after is not None:
        stmt = stmt.where(Job.published_at >= filters.published_after)
    return stmt


def list_query(
    principal: Principal, organization: Organization | None, params: JobFilters | JobAllParams
) -> Select[Job]:
    """Jobs of ``organization`` (or of every organisation, for ``/jobs/all``), oldest first."""
    stmt = tenancy.jobs(principal, organization=organization, su_scope=SU_SCOPE)
    flags = params if isinstance(params, JobFlags) else JobFlags()
    return _filtered(stmt, params).options(*_options(flags)).order_by(Job.created_at, Job.id)


async def get(
    session: AsyncSession,
    principal: Principal,
    reference_: str,
    flags: JobFlags | None = None,
    *,
    for_write: bool = False,
) -> Job:
    stmt = tenancy.jobs(principal, su_scope=None if for_write else SU_SCOPE)
    job = await session.scalar(
        stmt.where(Job.reference == reference_).options(*_options(flags or JobFlags()))
    )
    if job is None:
        raise not_found("Job")
    return job


def _office_read(office: Office) -> JobOfficeRead:
    return JobOfficeRead(
        id=office.id,
        name=office.name,
        address=office.address,
        zip_code=office.zip_code,
        city=office.city,
        country_code=office.country_code,
        is_headquarter=office.is_headquarter,
    )


def website_url(root_url: str, organization: Organization, job: Job) -> str:
    return f"{root_url.rstrip('/')}/companies/{organization.slug}/jobs/{job.slug}"


def to_read(job: Job, flags: JobFlags) -> JobRead:
    """The Job object of §3.1 with the inclusions ``flags`` asks for."""
    organization = job.organization
    sites = [website.reference for website in job.websites]
    read = JobRead(
        name=job.name,
        external_reference=job.external_reference,
        organization_reference=organization.reference,
        status=job.status,
        profile=job.profile,
        apply_url=job.apply_url,
        company_description=job.company_description,
        recruitment_process=job.recruitment_process,
        contract_duration_min=job.contract_duration_min,
        experience_level=job.experience_level,
        department_id=job.department_id,
        profession_reference=job.profession_reference,
        cms_sites_references=",".join(sites),
        contract_duration_max=job.contract_duration_max,
        start_date=job.start_date,
        description=job.description,
        contract_type=job.contract_type,
        language=job.language,
        salary=Salary(
            min=None if job.salary_min is None else str(job.salary_min),
            max=None if job.salary_max is None else str(job.salary_max),
            currency=job.salary_currency,
            period=job.salary_period,
        ),
        remote=job.remote,
        office_id=job.office_id,
        reference=job.reference,
        education_level=job.education_level,
        created_at=job.created_at,
        updated_at=job.updated_at,
        published_at=job.published_at,
        archived_at=job.archived_at,
    )
    if flags.stages:
        stages = []
        for stage in job.stages:
            item = StageRead(
                id=stage.id, name=stage.name, reference=stage.reference, visible=stage.visible
            )
            if flags.candidates_count:
                item.candidates_count = stage.candidates_count
            stages.append(item)
        read.stages = stages
    if flags.candidates_count:
        # Database-maintained counters (see the candidate triggers): no rows are counted here.
        read.candidates_count = job.candidates_count
    if flags.websites:
        read.websites = [
            WebsiteRead(
                reference=site["reference"],
                name=site["name"],
                url=website_url(site["root_url"], organization, job),
            )
            for site in (reference.site(ref) for ref in sites)
            if site is not None
        ]
    if flags.application_fields:
        read.application_fields = [ApplicationField(**item) for item in job.application_fields]
    if flags.organization:
        read.organization = JobOrganization(
            name=organization.name,
            slug=organization.slug,
            description=organization.description,
            logo=organization.logo_url,
        )
    if flags.office:
        read.office = _office_read(job.office) if job.office is not None else None
    if flags.offices:
        read.offices = [_office_read(link.office) for link in job.offices]
    return read


def render(jobs: Sequence[Job], flags: JobFlags) -> list[JobRead]:
    return [to_read(job, flags) for job in jobs]


# -- writing -----------------------------------------------------------------------------


def _apply_status(job: Job, status: JobStatus, now: datetime) -> None:
    """§15.6: each transition to published/archived stamps its date; older stamps stay."""
    if job.status == status and job.id is not None:
        return
    job.status = status
    if status is JobStatus.published:
        job.published_at = now
    elif status is JobStatus.archived:
        job.archived_at = now


def _office_conditions(spec: OfficeInput) -> list[Any]:
    conditions: list[Any] = []
    for column, value in (
        (Office.address, spec.address),
        (Office.zip_code, spec.zip_code),
        (Office.city, spec.city),
        (Office.country_code, spec.country_code),
    ):
        if value:
            conditions.append(func.lower(func.trim(column)) == value.strip().lower())
    return conditions


async def _resolve_office(
    session: AsyncSession,
    principal: Principal,
    organization: Organization,
    spec: OfficeInput,
) -> Office:
    """An office of the organisation: by id, else the oldest matching the address, else a new
    one (which needs ``offices_rw`` plus a city and a country code)."""
    owned = tenancy.owned(Office, principal, organization=organization)
    if spec.id is not None:
        office = await session.scalar(owned.where(Office.id == spec.id))
        if office is None:
            raise validation_failed(
                f"office_id is invalid: no office {spec.id} in this organization"
            )
        return office
    match = await session.scalar(
        owned.where(*_office_conditions(spec)).order_by(Office.created_at, Office.id).limit(1)
    )
    if match is not None:
        return match
    if not principal.has("offices_rw"):
        raise validation_failed(
            "no office matches the given office fields, and creating one requires the "
            "offices_rw scope"
        )
    if not spec.city or not spec.country_code:
        raise validation_failed(
            "no office matches the given office fields; office_city and office_country_code "
            "are needed to create one"
        )
    return await offices_service.create(
        session,
        organization,
        name=spec.city.strip(),
        address=spec.address,
        zip_code=spec.zip_code,
        city=spec.city.strip(),
        country_code=spec.country_code,
    )


async def _set_offices(
    session: AsyncSession,
    principal: Principal,
    organization: Organization,
    job: Job,
    data: JobFields,
    *,
    replacing: bool,
) -> Office | None:
    specs = data.office_specs()
    if not specs:
        return None
    offices: list[Office] = []
    for spec in specs:
        office = await _resolve_office(session, principal, organization, spec)
        if office.id not in {o.id for o in offices}:
            offices.append(office)
    job.office_id = offices[0].id
    links = [JobOffice(office_id=o.id, position=i) for i, o in enumerate(offices)]
    if replacing:
        await session.execute(delete(JobOffice).where(JobOffice.job_id == job.id))
        for link in links:
            link.job_id = job.id
            session.add(link)
    else:
        job.offices = links
    return offices[0]


async def _check_department(
    session: AsyncSession, principal: Principal, organization: Organization, department_id: int
) -> None:
    found = await session.scalar(
        tenancy.owned(Department, principal, organization=organization)
        .where(Department.id == department_id)
        .with_only_columns(Department.id)
    )
    if found is None:
        raise validation_failed(
            f"department_id is invalid: no department {department_id} in this organization"
        )


async def _check_sites(
    session: AsyncSession,
    principal: Principal,
    organization: Organization,
    sites: Sequence[str] | None,
) -> None:
    """Each site must be a shared one (reference data) or one of the organisation's own
    websites (a careers site such as ``wk-careers_acme``)."""
    if not sites:
        return
    unknown = set(sites) - reference.site_references()
    if unknown:
        own = set(
            await session.scalars(
                tenancy.owned(
                    OrganizationWebsite, principal, organization=organization
                ).with_only_columns(OrganizationWebsite.reference)
            )
        )
        unknown -= own
    if unknown:
        names = ", ".join(site for site in sites if site in unknown)
        raise validation_failed(f"cms_sites_references is invalid: unknown site(s) {names}")


async def _external_reference_taken(
    session: AsyncSession, organization_id: int, external_reference: str, job_id: int | None
) -> bool:
    stmt = select(Job.id).where(
        Job.organization_id == organization_id, Job.external_reference == external_reference
    )
    if job_id is not None:
        stmt = stmt.where(Job.id != job_id)
    return (await session.scalar(stmt)) is not None


def _taken() -> Exception:
    return validation_failed("external_reference has already been taken")


SIMPLE_FIELDS = (
    "profession_reference",
    "name",
    "company_description",
    "description",
    "profile",
    "recruitment_process",
    "contract_type",
    "language",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "remote",
    "contract_duration_min",
    "contract_duration_max",
    "department_id",
    "education_level",
    "experience_level",
    "apply_url",
    "start_date",
    "external_reference",
)


def _assign(job: Job, data: JobFields) -> None:
    given = data.model_fields_set
    for name in SIMPLE_FIELDS:
        if name in given:
            setattr(job, name, getattr(data, name))
    # Deprecated boolean (§3.1): used only when ``remote`` itself is not given.
    if "is_remote" in given and "remote" not in given and data.is_remote is not None:
        job.remote = "fulltime" if data.is_remote else "no"
    if (
        job.salary_min is not None
        and job.salary_max is not None
        and job.salary_min > job.salary_max
    ):
        raise validation_failed("salary_min must not exceed salary_max")
    low, high = job.contract_duration_min, job.contract_duration_max
    if low is not None and high is not None and low > high:
        raise validation_failed("contract_duration_min must not exceed contract_duration_max")


def _websites(references: Sequence[str]) -> list[JobWebsite]:
    return [JobWebsite(reference=ref, position=i) for i, ref in enumerate(references)]


def _stages() -> list[Stage]:
    return [
        Stage(reference=ref, name=name, visible=visible, position=position)
        for position, (ref, name, visible) in enumerate(DEFAULT_STAGES)
    ]


async def _insert(session: AsyncSession, job: Job, base_slug: str, organization_id: int) -> None:
    """Insert with a unique slug; a lost race on ``external_reference`` is a 400."""
    for slug in slugs.candidates(base_slug):
        taken = await session.scalar(
            select(Job.id).where(Job.organization_id == organization_id, Job.slug == slug)
        )
        if taken is not None:
            continue
        job.slug = slug
        try:
            async with session.begin_nested():
                session.add(job)
                await session.flush()
        except IntegrityError:
            if job.external_reference and await _external_reference_taken(
                session, organization_id, job.external_reference, None
            ):
                raise _taken() from None
            continue
        return
    raise validation_failed("could not find a free slug for this job name")


def _base_slug(name: str, office: Office | None) -> str:
    base = slugs.from_name(name)
    return f"{base}_{slugs.from_name(office.city)}" if office is not None else base


async def create(
    session: AsyncSession, principal: Principal, organization: Organization, data: JobCreate
) -> Job:
    if data.external_reference and await _external_reference_taken(
        session, organization.id, data.external_reference, None
    ):
        raise _taken()
    if data.department_id is not None:
        await _check_department(session, principal, organization, data.department_id)
    await _check_sites(session, principal, organization, data.cms_sites_references)
    if not data.office_specs():
        raise validation_failed(
            "office is missing: give office_id, office address fields (office_address, "
            "office_zip_code, office_city, office_country_code) or offices"
        )
    now = utcnow()
    job = Job(
        organization_id=organization.id,
        application_fields=[dict(item) for item in DEFAULT_APPLICATION_FIELDS],
        stages=_stages(),
        websites=_websites(data.cms_sites_references or []),
        created_at=now,
        updated_at=now,
    )
    _assign(job, data)
    _apply_status(job, data.status or JobStatus.draft, now)
    office = await _set_offices(session, principal, organization, job, data, replacing=False)
    await _insert(session, job, _base_slug(data.name, office), organization.id)
    if principal.roles.get(organization.id) is Role.limited:
        # A limited member reaches only its assigned jobs: the ones it creates included.
        session.add(JobAssignment(user_id=principal.user_id, job_id=job.id))
    return job


async def update(session: AsyncSession, principal: Principal, job: Job, data: JobUpdate) -> None:
    given = data.model_fields_set
    for name in REQUIRED_ON_UPDATE:
        if name in given and getattr(data, name) is None:
            raise validation_failed(f"{name} cannot be null")
    organization = job.organization
    if (
        "external_reference" in given
        and data.external_reference
        and await _external_reference_taken(
            session, organization.id, data.external_reference, job.id
        )
    ):
        raise _taken()
    if data.department_id is not None:
        await _check_department(session, principal, organization, data.department_id)
    await _check_sites(session, principal, organization, data.cms_sites_references)
    now = utcnow()
    _assign(job, data)
    if "cms_sites_references" in given:
        # Old rows go first: the new set may repeat references (unique per job).
        job.websites.clear()
        await session.flush()
        job.websites.extend(_websites(data.cms_sites_references or []))
    if data.status is not None:
        _apply_status(job, data.status, now)
    await _set_offices(session, principal, organization, job, data, replacing=True)
    job.updated_at = now
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise _taken() from None


async def set_status(session: AsyncSession, job: Job, status: JobStatus) -> None:
    now = utcnow()
    _apply_status(job, status, now)
    job.updated_at = now
    await session.flush()


async def create_default(session: AsyncSession, organization: Organization) -> Job:
    """The organisation's "Spontaneous application" job (§15.6), published from the start."""
    now = utcnow()
    job = Job(
        created_at=now,
        updated_at=now,
        organization_id=organization.id,
        is_default=True,
        name=SPONTANEOUS_NAME,
        description="Send us a spontaneous application.",
        profile="",
        contract_type="FULL_TIME",
        language=organization.default_language,
        application_fields=[dict(item) for item in DEFAULT_APPLICATION_FIELDS],
        stages=_stages(),
        websites=[],
    )
    _apply_status(job, JobStatus.published, now)
    await _insert(session, job, slugs.from_name(SPONTANEOUS_NAME), organization.id)
    return job


async def reload(session: AsyncSession, job: Job, flags: JobFlags) -> Job:
    """The job again with what ``flags`` needs loaded (after a write)."""
    await session.flush()
    refreshed = await session.scalar(
        select(Job)
        .where(Job.id == job.id)
        .options(*_options(flags))
        .execution_options(populate_existing=True)
    )
    assert refreshed is not None
    return refreshed


async def by_reference(session: AsyncSession, reference_: str) -> Job | None:
    return await session.scalar(select(Job).where(Job.reference == reference_))


async def assign(session: AsyncSession, job: Job, user_id: int, *, assigned: bool = True) -> None:
    """Give (or take back) a user's assignment to a job; limited members reach only those."""
    existing = await session.scalar(
        select(JobAssignment).where(
            JobAssignment.job_id == job.id, JobAssignment.user_id == user_id
        )
    )
    if assigned and existing is None:
        session.add(JobAssignment(job_id=job.id, user_id=user_id))
    elif not assigned and existing is not None:
        await session.delete(existing)
    await session.flush()
