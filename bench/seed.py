"""A realistic data set, bulk-inserted through SQLAlchemy Core (not the API): organisations,
each with departments, offices, a careers website and its jobs (the spontaneous-application
job first, then ordinary ones with the default pipeline, offices and sites, long markdown
texts), candidates spread over every job and stage, and two tokens.

The rows are those the API would have written: the models' own defaults (references, JSON
columns), slugs unique per organisation, every job with the seven default stages. The
candidate counters that database triggers keep are right afterwards: on SQLite the triggers
run for each row; on PostgreSQL they are switched off for the load and the counters set once
from the rows, as an import would do.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from canopy import scopes as scope_rules
from canopy.auth import new_token_secret, token_digest
from canopy.config import Settings
from canopy.db import create_engine
from canopy.jobs.service import DEFAULT_APPLICATION_FIELDS, DEFAULT_STAGES, SPONTANEOUS_NAME
from canopy.models import (
    ApiToken,
    Candidate,
    Department,
    Job,
    JobOffice,
    JobStatus,
    JobWebsite,
    Membership,
    Office,
    Organization,
    OrganizationWebsite,
    Role,
    Stage,
    User,
)
from canopy.references import candidate_reference, job_reference, organization_reference
from canopy.slugs import from_name

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
CANDIDATE_BATCH = 10_000
SAMPLE_CANDIDATES = 2_000  # candidate references kept for the requests that need one

COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell",
             "Cyberdyne", "Soylent", "Aperture", "Wonka")  # fmt: skip
DEPARTMENTS = ("Engineering", "Product", "Sales", "People")
OFFICES = (
    ("Paris HQ", "11 bis rue Bachaumont", "75002", "Paris", "FR", True),
    ("Lyon", "3 place Bellecour", "69002", "Lyon", "FR", False),
    ("Berlin", "Torstraße 1", "10119", "Berlin", "DE", False),
)
TITLES = ("Backend Engineer", "Frontend Engineer", "Site Reliability Engineer", "Data Engineer",
          "Product Manager", "Product Designer", "Account Executive", "Customer Success Manager",
          "Talent Acquisition Partner", "Engineering Manager", "Data Analyst", "QA Engineer",
          "Sales Development Representative", "Office Manager", "Security Engineer")  # fmt: skip
CONTRACTS = ("FULL_TIME", "FULL_TIME", "FULL_TIME", "PART_TIME", "INTERNSHIP", "TEMPORARY",
             "APPRENTICESHIP", "FREELANCE")  # fmt: skip
REMOTE = ("no", "partial", "fulltime", "punctual")
EDUCATION = ("BAC_3", "BAC_5", "PHD", None)
EXPERIENCE = ("1_TO_2_YEARS", "3_TO_4_YEARS", "5_TO_7_YEARS", "7_TO_10_YEARS", None)
SHARED_SITES = ("wttj_fr", "smgo_fr")
FIRSTNAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Linus",
              "Frances", "Ken", "Radia", "Dennis", "Hedy", "John", "Katherine", "Tim")  # fmt: skip
LASTNAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton",
             "Torvalds", "Allen", "Thompson", "Perlman", "Ritchie", "Lamarr", "Backus")  # fmt: skip
CITIES = ("Paris", "Lyon", "Marseille", "Bordeaux", "Lille", "Nantes", "Berlin", "Madrid")
TAGS = ("python", "remote", "senior", "referral", "junior", "bilingual")
# Share of each default stage's candidates: most are new, few are hired.
STAGE_WEIGHTS = (50, 15, 10, 5, 5, 10, 5)

DESCRIPTION = """\
## The role

As our {title}, you join a team of {n} people who ship to production several times a day.
You own your work from the first sketch to the metrics that tell us whether it worked.

- Design, build and run the services our customers rely on every day
- Work with product, design and support to decide what to build next
- Review code, write documents and share what you learn with the whole company
- Take part in an on-call rotation that rarely calls, because we fix what paged us

## What we offer

**Flexible hours**, a yearly training budget, a good laptop, and colleagues who care about
doing things well. We are {n} people in {city}, and we hire everywhere in Europe.

1. A first call with the hiring manager (45 minutes)
2. A practical exercise, paid, on a problem close to our daily work
3. A visit to the team, then an answer within a week
"""
PROFILE = """\
You have built and operated software for real users, and you write clearly. You know one
language well and can learn another; you prefer simple designs that can be changed. Experience
with *{skill}* is a plus, never a requirement.
"""
COMPANY = "{company} builds tools for recruiting teams: {n} people, customers in 30 countries."
PROCESS = "Three steps over two weeks: a call, an exercise, a visit. We answer every application."
SKILLS = ("PostgreSQL", "Kubernetes", "TypeScript", "distributed systems", "B2B sales", "Figma")


@dataclass(frozen=True)
class DataSet:
    organizations: int = 10
    jobs: int = 1_000  # in all, each organisation's spontaneous-application job included
    candidates: int = 100_000


@dataclass(frozen=True)
class SeededJob:
    reference: str
    organization_reference: str
    stage_ids: tuple[int, ...]
    status: str
    is_default: bool


@dataclass(frozen=True)
class SeededCandidate:
    reference: str
    job: int  # index in Seeded.jobs


@dataclass
class Seeded:
    """What the requests need: tokens, references and ids."""

    member_token: str  # an admin of every organisation, with every scope but the partners'
    partner_token: str  # a partner (su_jobs_r), member of no organisation
    organizations: list[str] = field(default_factory=list)
    jobs: list[SeededJob] = field(default_factory=list)
    candidates: list[SeededCandidate] = field(default_factory=list)  # a sample
    candidate_count: int = 0


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


async def _insert(
    connection: AsyncConnection, model: Any, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` and return their ids, in the same order."""
    if not rows:
        return []
    keys = set(rows[0])
    # An executemany binds the same columns for every row: a missing one is an error here.
    assert all(set(row) == keys for row in rows), f"{model.__name__} rows differ in columns"
    table = _table(model)
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    result = await connection.execute(stmt, list(rows))
    return [row[0] for row in result]


class _Seeder:
    def __init__(self, connection: AsyncConnection, data: DataSet, rng: random.Random) -> None:
        self.connection = connection
        self.data = data
        self.rng = rng
        self.seeded = Seeded(member_token=new_token_secret(), partner_token=new_token_secret())
        self.job_organizations: list[int] = []  # by job index, as Seeded.jobs

    async def run(self) -> Seeded:
        member, partner = await _insert(
            self.connection,
            User,
            [
                {"email": "bench-member@canopy.example", "display_name": "Bench member"},
                {"email": "bench-partner@canopy.example", "display_name": "Bench partner"},
            ],
        )
        member_scopes = [s for s in scope_rules.SCOPES if not s.startswith("su_")]
        await self._token(member, self.seeded.member_token, member_scopes)
        await self._token(partner, self.seeded.partner_token, ["su_jobs_r"])
        per_organization = _spread(self.data.jobs, self.data.organizations)
        job_ids: list[int] = []
        for index, jobs in enumerate(per_organization):
            job_ids.extend(await self._organization(index, jobs, member))
        await self._candidates(job_ids, member)
        return self.seeded

    async def _token(self, user_id: int, secret: str, scopes: list[str]) -> None:
        row = {"user_id": user_id, "name": "bench", "hint": secret[:8],
               "digest": token_digest(secret), "scopes": scopes, "created_at": EPOCH}  # fmt: skip
        await self.connection.execute(insert(_table(ApiToken)), [row])

    async def _organization(self, index: int, job_count: int, member: int) -> list[int]:
        rng = self.rng
        company = f"{COMPANIES[index % len(COMPANIES)]} {index + 1}"
        slug = from_name(company)
        reference = organization_reference()
        created = EPOCH + timedelta(days=index)
        (organization,) = await _insert(
            self.connection,
            Organization,
            [{"reference": reference, "name": company, "slug": slug, "created_at": created,
              "updated_at": created, "description": COMPANY.format(company=company, n=120),
              "default_language": "fr", "media_website_url": f"https://{slug}.example",
              "sectors": ["software"]}],
        )  # fmt: skip
        self.seeded.organizations.append(reference)
        await self.connection.execute(
            insert(_table(Membership)),
            [{"organization_id": organization, "user_id": member, "role": Role.admin}],
        )
        departments = await _insert(
            self.connection,
            Department,
            [{"organization_id": organization, "name": name, "slug": from_name(name),
              "created_at": created, "updated_at": created} for name in DEPARTMENTS],
        )  # fmt: skip
        offices = await _insert(
            self.connection,
            Office,
            [{"organization_id": organization, "name": name, "address": address,
              "zip_code": zip_code, "city": city, "country_code": country,
              "is_headquarter": hq, "created_at": created, "updated_at": created}
             for name, address, zip_code, city, country, hq in OFFICES],
        )  # fmt: skip
        own_site = f"wk-careers_{slug}"
        await self.connection.execute(
            insert(_table(OrganizationWebsite)),
            [{"organization_id": organization, "reference": own_site, "name": "Careers",
              "kind": "single", "root_url": f"https://careers.{slug}.example",
              "created_at": created, "updated_at": created}],
        )  # fmt: skip
        jobs: list[dict[str, Any]] = []
        taken: set[str] = set()
        for number in range(job_count):
            when = created + timedelta(hours=6 * number + rng.randint(0, 300) / 60)
            if number == 0:
                jobs.append(self._spontaneous(organization, when))
            else:
                office = rng.randrange(len(OFFICES))
                jobs.append(
                    self._job(organization, departments, offices[office], OFFICES[office][3],
                              when, taken)
                )  # fmt: skip
            taken.add(jobs[-1]["slug"])
        ids = await _insert(self.connection, Job, jobs)
        self.job_organizations.extend([organization] * len(ids))
        await self._job_children(ids, jobs, own_site, reference)
        return ids

    def _spontaneous(self, organization: int, when: datetime) -> dict[str, Any]:
        return {
            "organization_id": organization, "reference": job_reference(), "is_default": True,
            "name": SPONTANEOUS_NAME, "slug": from_name(SPONTANEOUS_NAME),
            "description": "Send us a spontaneous application.", "profile": "",
            "contract_type": "FULL_TIME", "language": "fr", "status": JobStatus.published,
            "application_fields": [dict(item) for item in DEFAULT_APPLICATION_FIELDS],
            "published_at": when, "created_at": when, "updated_at": when,
            **dict.fromkeys(("company_description", "recruitment_process", "salary_min",
                             "salary_max", "salary_currency", "salary_period", "remote",
                             "education_level", "experience_level", "department_id",
                             "office_id", "archived_at")),
        }  # fmt: skip

    def _job(
        self,
        organization: int,
        departments: list[int],
        office: int,
        city: str,
        when: datetime,
        taken: set[str],
    ) -> dict[str, Any]:
        rng = self.rng
        title = rng.choice(TITLES)
        base = f"{from_name(title)}_{from_name(city)}"
        slug = next(s for s in [base, *(f"{base}-{n}" for n in range(2, 10_000))] if s not in taken)
        status = rng.choices(
            (JobStatus.published, JobStatus.draft, JobStatus.archived), (70, 20, 10)
        )[0]
        low = rng.randrange(35, 90) * 1000
        team = rng.randrange(4, 40)
        return {
            "organization_id": organization, "reference": job_reference(), "slug": slug,
            "is_default": False, "name": title, "status": status,
            "contract_type": rng.choice(CONTRACTS), "language": rng.choice(("fr", "en")),
            "description": DESCRIPTION.format(title=title, n=team, city=city),
            "profile": PROFILE.format(skill=rng.choice(SKILLS)),
            "company_description": COMPANY.format(company="We", n=team * 5),
            "recruitment_process": PROCESS,
            "salary_min": low, "salary_max": low + rng.randrange(5, 20) * 1000,
            "salary_currency": "EUR", "salary_period": "yearly",
            "remote": rng.choice(REMOTE), "education_level": rng.choice(EDUCATION),
            "experience_level": rng.choice(EXPERIENCE),
            "department_id": rng.choice(departments), "office_id": office,
            "application_fields": [dict(item) for item in DEFAULT_APPLICATION_FIELDS],
            "published_at": None if status is JobStatus.draft else when + timedelta(days=1),
            "archived_at": when + timedelta(days=60) if status is JobStatus.archived else None,
            "created_at": when, "updated_at": when + timedelta(days=2),
        }  # fmt: skip

    async def _job_children(
        self,
        ids: list[int],
        jobs: list[dict[str, Any]],
        own_site: str,
        organization_reference: str,
    ) -> None:
        stages: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        sites: list[dict[str, Any]] = []
        for job_id, job in zip(ids, jobs, strict=True):
            when = job["created_at"]
            for position, (reference, name, visible) in enumerate(DEFAULT_STAGES):
                stages.append({"job_id": job_id, "reference": reference, "name": name,
                               "visible": visible, "position": position,
                               "created_at": when, "updated_at": when})  # fmt: skip
            if job.get("is_default"):
                continue
            links.append({"job_id": job_id, "office_id": job["office_id"], "position": 0})
            chosen = [SHARED_SITES[0]]
            if self.rng.random() < 0.5:
                chosen.append(SHARED_SITES[1])
            if self.rng.random() < 0.5:
                chosen.append(own_site)
            sites.extend(
                {"job_id": job_id, "reference": site, "position": position}
                for position, site in enumerate(chosen)
            )
        stage_ids = await _insert(self.connection, Stage, stages)
        await self.connection.execute(insert(_table(JobOffice)), links)
        await self.connection.execute(insert(_table(JobWebsite)), sites)
        count = len(DEFAULT_STAGES)
        for index, job in enumerate(jobs):
            self.seeded.jobs.append(
                SeededJob(
                    reference=job["reference"],
                    organization_reference=organization_reference,
                    stage_ids=tuple(stage_ids[index * count : (index + 1) * count]),
                    status=str(job["status"]),
                    is_default=bool(job.get("is_default")),
                )
            )

    async def _candidates(self, job_ids: list[int], creator: int) -> None:
        """``data.candidates`` rows spread evenly over the jobs, in batches."""
        rng = self.rng
        total = self.data.candidates
        every = max(total // SAMPLE_CANDIDATES, 1)
        batch: list[dict[str, Any]] = []
        for number in range(total):
            index = number % len(job_ids)
            job = self.seeded.jobs[index]
            first, last = rng.choice(FIRSTNAMES), rng.choice(LASTNAMES)
            reference = candidate_reference()
            when = EPOCH + timedelta(days=60, minutes=number)
            media = {"media_linkedin": f"https://www.linkedin.com/in/{first}-{last}-{number}"}
            batch.append({
                "reference": reference, "organization_id": self.job_organizations[index],
                "job_id": job_ids[index], "creator_user_id": creator,
                "stage_id": rng.choices(job.stage_ids, STAGE_WEIGHTS)[0],
                "origin": "external", "email": f"{first}.{last}.{number}@example.com".lower(),
                "firstname": first, "lastname": last, "phone": f"+33 6 {number % 100:02d} 00 00 00",
                "city": rng.choice(CITIES), "country_code": "FR",
                "subtitle": rng.choice(TITLES), "tags": rng.sample(TAGS, 2),
                "media": media if number % 3 == 0 else {}, "archived": number % 20 == 0,
                "created_at": when, "updated_at": when,
            })  # fmt: skip
            if number % every == 0:
                self.seeded.candidates.append(SeededCandidate(reference, index))
            if len(batch) == CANDIDATE_BATCH:
                await self.connection.execute(insert(_table(Candidate)), batch)
                batch = []
        if batch:
            await self.connection.execute(insert(_table(Candidate)), batch)
        self.seeded.candidate_count = total


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole shares."""
    share, extra = divmod(total, parts)
    return [share + (1 if index < extra else 0) for index in range(parts)]


RECOUNT = (
    "UPDATE job SET candidates_count = "
    "(SELECT count(*) FROM candidate WHERE candidate.job_id = job.id)",
    "UPDATE stage SET candidates_count = "
    "(SELECT count(*) FROM candidate WHERE candidate.stage_id = stage.id)",
)


async def seed(settings: Settings, data: DataSet, *, rng_seed: int = 2026) -> Seeded:
    """Fill the (migrated, empty) database of ``settings`` with ``data``."""
    if data.jobs < data.organizations:
        raise ValueError("every organisation needs at least its spontaneous-application job")
    engine = create_engine(settings)
    postgresql = not settings.is_sqlite
    try:
        async with engine.begin() as connection:
            if postgresql:
                # A bulk load: the per-row triggers (counters, foreign keys) are off for this
                # transaction, and the counters are set once from the rows below.
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
            seeded = await _Seeder(connection, data, random.Random(rng_seed)).run()
            if postgresql:
                await connection.execute(text("SET LOCAL session_replication_role = DEFAULT"))
                for statement in RECOUNT:
                    await connection.execute(text(statement))
        maintenance = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with maintenance.connect() as connection:
            await connection.execute(text("VACUUM ANALYZE" if postgresql else "ANALYZE"))
        return seeded
    finally:
        await engine.dispose()
