"""The demo organisation that ``make serve`` shows a newcomer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import scopes
from canopy.articles import service as articles
from canopy.auth import Principal
from canopy.candidates import service as candidates
from canopy.candidates import writes as candidate_writes
from canopy.candidates.schemas import CandidateCreate, CandidateFlags, CandidateUpdate
from canopy.departments import service as departments
from canopy.departments.schemas import DepartmentCreate
from canopy.jobs import service as jobs
from canopy.jobs.schemas import JobCreate
from canopy.models import ApiToken, Job, JobStatus, Organization, Role, Stage, User
from canopy.models.base import utcnow
from canopy.offices import service as offices
from canopy.organizations import service as organizations
from canopy.organizations.schemas import OrganizationUpdate, ToolInput, WebsiteInput
from canopy.tokens import service as tokens
from canopy.tools import service as tools
from canopy.users import service as users

DEMO_SLUG = "canopy-demo"
DEMO_EMAIL = "demo@canopy.example"
DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a label

DEPARTMENTS = ("Engineering", "Product", "Sales", "People")
OFFICES = (
    ("Paris HQ", "11 bis rue Bachaumont", "75002", "Paris", "FR", True),
    ("Lyon", "3 place Bellecour", "69002", "Lyon", "FR", False),
    ("Berlin", "Torstraße 1", "10119", "Berlin", "DE", False),
)
# name, department, office, contract, status, sites, salary (min, max), remote
JOBS: tuple[tuple[str, str, str, str, JobStatus, str, tuple[int, int] | None, str], ...] = (
    (
        "Backend Engineer",
        "Engineering",
        "Paris",
        "FULL_TIME",
        JobStatus.published,
        "wttj_fr",
        (55000, 70000),
        "partial",
    ),
    (
        "Frontend Engineer",
        "Engineering",
        "Lyon",
        "FULL_TIME",
        JobStatus.published,
        "wttj_fr,smgo_fr",
        (50000, 65000),
        "partial",
    ),
    (
        "Site Reliability Engineer",
        "Engineering",
        "Berlin",
        "FULL_TIME",
        JobStatus.published,
        "wttj_fr",
        (65000, 80000),
        "fulltime",
    ),
    (
        "Data Engineering Intern",
        "Engineering",
        "Paris",
        "INTERNSHIP",
        JobStatus.published,
        "wttj_fr",
        None,
        "no",
    ),
    (
        "Product Manager",
        "Product",
        "Paris",
        "FULL_TIME",
        JobStatus.published,
        "wttj_fr",
        (60000, 75000),
        "punctual",
    ),
    (
        "Product Designer",
        "Product",
        "Lyon",
        "TEMPORARY",
        JobStatus.draft,
        "",
        (45000, 55000),
        "partial",
    ),
    (
        "Account Executive",
        "Sales",
        "Paris",
        "FULL_TIME",
        JobStatus.published,
        "wttj_fr,smgo_fr",
        (45000, 60000),
        "no",
    ),
    (
        "Sales Development Representative",
        "Sales",
        "Berlin",
        "FULL_TIME",
        JobStatus.archived,
        "wttj_fr",
        (38000, 45000),
        "no",
    ),
    (
        "Customer Success Manager",
        "Sales",
        "Lyon",
        "PART_TIME",
        JobStatus.draft,
        "",
        None,
        "partial",
    ),
    (
        "Talent Acquisition Partner",
        "People",
        "Paris",
        "FULL_TIME",
        JobStatus.published,
        "wttj_fr",
        (42000, 52000),
        "punctual",
    ),
    ("HR Apprentice", "People", "Paris", "APPRENTICESHIP", JobStatus.archived, "", None, "no"),
    (
        "Engineering Manager",
        "Engineering",
        "Berlin",
        "FULL_TIME",
        JobStatus.draft,
        "wttj_fr",
        (85000, 100000),
        "partial",
    ),
)


async def ensure(session: AsyncSession) -> dict[str, Any]:
    """Idempotent: loads the tool catalogue, reuses the organisation and user, replaces the
    previous demo token, and fills a new demo organisation with its employer-branding profile
    (websites, tools, a subsidiary), departments, offices and jobs."""
    # The catalogue first: an upsert by name, so every run leaves it as shipped.
    await tools.import_catalogue(session, tools.load_catalogue())
    organization = await session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
    created = organization is None
    if organization is None:
        organization = await organizations.create(session, "Canopy Demo", slug=DEMO_SLUG)
        await _profile(session, organization)
    user = await users.by_email(session, DEMO_EMAIL)
    if user is None:
        user = await users.create(session, DEMO_EMAIL, "Demo Recruiter")
    await users.add_member(session, organization, user, Role.admin)
    if created:
        await _fill(session, organization, user)
    # Articles belong to no organisation: the demo set is imported once, while there is none.
    await articles.ensure_demo(session)
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.name == DEMO_TOKEN_NAME,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    # The demo shows every route, the partnership ones included.
    issued = await tokens.issue(session, user, ["all", "partner"], name=DEMO_TOKEN_NAME)
    return {
        "organization_reference": organization.reference,
        "email": user.email,
        "token": issued.secret,
    }


PROFILE: dict[str, Any] = {
    "description": "A demo organisation to explore Canopy's API.",
    "media_website_url": "https://canopy.example",
    "media_twitter": "canopy_demo",
    "media_linkedin": "canopy-demo",
    "media_instagram": "canopy.demo",
    "media_facebook": "",
    "media_youtube": "",
    "media_pinterest": "",
    "nb_employees": 42,
    "average_age": 33,
    "turnover": 8,
    "creation_year": 2024,
    "parity_men": 48,
    "parity_women": 52,
    "revenue": "(confidential)",
    "sectors": ["saas-cloud-services", "human-resources"],
    "i18n_descriptions": {
        "en": "Canopy builds open recruiting software.",
        "fr": "Canopy construit un logiciel de recrutement libre.",
    },
    "i18n_looking_fors": {"en": "People who like well-made tools.", "fr": "Des gens soigneux."},
    "i18n_good_to_knows": {"fr": "Quatre jours de télétravail par semaine."},
}
WEBSITES = (
    {
        "reference": "wk-careers_canopy-demo",
        "name": "Canopy Demo Careers",
        "kind": "single",
        "root_url": "https://careers.canopy.example",
        "organization_url": "https://careers.canopy.example/canopy-demo",
    },
    {
        "reference": "wttj_fr",
        "name": "Welcome to the Jungle",
        "kind": "multi",
        "root_url": "https://www.welcometothejungle.com",
        "organization_url": "https://www.welcometothejungle.com/fr/companies/canopy-demo",
    },
)
TOOLS = (("Python", 60.0, "The API"), ("PostgreSQL", 25.0, None), ("Javascript", 15.0, None))


async def _profile(session: AsyncSession, organization: Organization) -> None:
    """The employer-branding profile of a new demo organisation, and one subsidiary."""
    update_data = OrganizationUpdate.model_validate(PROFILE)
    await organizations.update_profile(session, organization, update_data, principal=None)
    for website in WEBSITES:
        await organizations.put_website(session, organization, WebsiteInput(**website))
    await organizations.replace_tools(
        session,
        organization,
        [
            ToolInput(name=name, percent=percent, comment=comment)
            for name, percent, comment in TOOLS
        ],
    )
    labs = await organizations.create(session, "Canopy Demo Labs")
    labs.description = "The demo organisation's research subsidiary."
    await organizations.set_parent(session, labs, organization)


async def _fill(session: AsyncSession, organization: Organization, user: User) -> None:
    principal = Principal(
        token_id=0,
        user_id=user.id,
        scopes=scopes.expand(scopes.SCOPES),
        roles={organization.id: Role.admin},
    )
    department_ids: dict[str, int] = {}
    for name in DEPARTMENTS:
        department = await departments.create(
            session,
            organization,
            DepartmentCreate(organization_reference=organization.reference, name=name),
        )
        department_ids[name] = department.id
    office_ids: dict[str, int] = {}
    for name, address, zip_code, city, country, headquarter in OFFICES:
        office = await offices.create(
            session,
            organization,
            name=name,
            address=address,
            zip_code=zip_code,
            city=city,
            country_code=country,
            is_headquarter=headquarter,
        )
        office_ids[city] = office.id
    for name, department_name, city, contract, status, sites, salary, remote in JOBS:
        data = JobCreate.model_validate(
            {
                "organization_reference": organization.reference,
                "name": name,
                "description": f"Join {organization.name} as a {name}.",
                "profile": "You care about the people you work with and the craft.",
                "company_description": organization.description,
                "recruitment_process": "A call, a practical exercise, then meet the team.",
                "contract_type": contract,
                "language": "en",
                "status": status.value,
                "department_id": department_ids[department_name],
                "office_id": office_ids[city],
                "cms_sites_references": sites,
                "remote": remote,
                "experience_level": "2_TO_3_YEARS",
                "education_level": "BAC_5",
                **(
                    {
                        "salary_min": salary[0],
                        "salary_max": salary[1],
                        "salary_currency": "EUR",
                        "salary_period": "yearly",
                    }
                    if salary
                    else {}
                ),
                **(
                    {"contract_duration_min": 6, "contract_duration_max": 12}
                    if contract in ("TEMPORARY", "INTERNSHIP", "APPRENTICESHIP")
                    else {}
                ),
            }
        )
        job = await jobs.create(session, principal, organization, data)
        if status is not JobStatus.draft:
            await _candidates(session, principal, organization, job)


FIRST_NAMES = ("Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Tim", "Barbara",
               "Dennis", "Frances", "Ken", "Radia")  # fmt: skip
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Berners-Lee",
              "Liskov", "Ritchie", "Allen", "Thompson", "Perlman")  # fmt: skip
# How far each demo candidate got: an index into the job's pipeline.
PROGRESS = (0, 0, 0, 1, 1, 2, 3, 5)


async def _candidates(
    session: AsyncSession, principal: Principal, organization: Organization, job: Job
) -> None:
    stages = (
        await session.scalars(select(Stage).where(Stage.job_id == job.id).order_by(Stage.position))
    ).all()
    for index, target in enumerate(PROGRESS[: 3 + job.id % 6]):
        first = FIRST_NAMES[(job.id + index) % len(FIRST_NAMES)]
        last = LAST_NAMES[(job.id * 7 + index) % len(LAST_NAMES)]
        added = await candidate_writes.add(
            session,
            principal,
            CandidateCreate.model_validate(
                {
                    "organization_reference": organization.reference,
                    "job_reference": job.reference,
                    "email": f"{first}.{last}.{job.id}@example.com".lower(),
                    "firstname": first,
                    "lastname": last,
                    "subtitle": "Engineer" if index % 2 else "Product person",
                    "tag_list": "python,remote" if index % 2 else "sql",
                    "media_linkedin": f"https://www.linkedin.com/in/{first}-{last}".lower(),
                    "comment": f"Referred by a colleague for **{job.name}**."
                    if index == 0
                    else None,
                }
            ),
        )
        # Walk the candidate through the pipeline so the demo has moves to show.
        for stage in stages[1 : target + 1]:
            await candidates.update(
                session,
                principal,
                added["reference"],
                CandidateUpdate(job_stage_id=stage.id),
                CandidateFlags(),
            )
