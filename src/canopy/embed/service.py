"""The public careers feed of an organisation (§6.5, §15.10) and Canopy's widget that shows it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources

from babel.dates import format_date, format_datetime
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from canopy import countries, html, render, tenancy
from canopy.embed.schemas import (
    EmbedDepartment,
    EmbedJob,
    EmbedOffice,
    EmbedRead,
    EmbedSalary,
    EmbedWebsite,
    EmbedWebsiteUrl,
    Localized,
)
from canopy.errors import not_found
from canopy.jobs import service as jobs_service
from canopy.models import Department, Job, JobStatus, Office, Organization, OrganizationWebsite
from canopy.organizations import service as organizations_service
from canopy.reference import service as reference

# The locales of the dates and country names; contract types carry every locale they have.
LOCALES = ("fr", "en")


async def embed(session: AsyncSession, organization_reference: str) -> EmbedRead:
    """The organisation's published jobs, oldest first, and its websites: four queries
    (organisation, jobs with office and department, the jobs' sites, websites) whatever the
    number of jobs."""
    organization = await organizations_service.by_reference(session, organization_reference)
    if organization is None:
        raise not_found("Organization")
    jobs = await session.scalars(
        tenancy.public(Job, organization)
        .where(Job.status == JobStatus.published)
        .options(joinedload(Job.office), joinedload(Job.department), selectinload(Job.websites))
        .order_by(Job.created_at, Job.id)
    )
    websites = list(
        await session.scalars(
            tenancy.public(OrganizationWebsite, organization).order_by(
                OrganizationWebsite.position, OrganizationWebsite.id
            )
        )
    )
    own = {website.reference: website for website in websites}
    return EmbedRead(
        name=organization.name,
        slug=organization.slug,
        reference=organization.reference,
        jobs=[_job(job, organization, own) for job in jobs],
        websites=[
            EmbedWebsite(
                reference=website.reference,
                kind=website.kind,
                url=website.root_url,
                root_url=website.root_url,
                organization_url=website.organization_url,
            )
            for website in websites
        ],
    )


def _job(job: Job, organization: Organization, own: Mapping[str, OrganizationWebsite]) -> EmbedJob:
    return EmbedJob(
        id=job.id,
        reference=job.reference,
        name=job.name,
        slug=job.slug,
        description=_html(job.description),
        profile=_html(job.profile),
        recruitment_process=_html(job.recruitment_process),
        salary=EmbedSalary(
            min=None if job.salary_min is None else str(job.salary_min),
            max=None if job.salary_max is None else str(job.salary_max),
            currency=job.salary_currency,
            period=job.salary_period,
        ),
        created_at=created_at(job.created_at),
        published_at=None if job.published_at is None else render.timestamp(job.published_at),
        start_date=None if job.start_date is None else long_dates(job.start_date),
        office=None if job.office is None else _office(job.office),
        department=None if job.department is None else _department(job.department),
        contract_type=reference.label("contract_types", job.contract_type)
        or dict.fromkeys(LOCALES, job.contract_type),
        cms_sites_references=[site.reference for site in job.websites],
        websites_urls=_websites_urls(job, organization, own),
    )


def _html(text: str | None) -> str:
    # Stored as given (text, markdown or HTML, §15.6); shown to anyone only once sanitised.
    return html.render_markdown(text) if text else ""


def _office(office: Office) -> EmbedOffice:
    names = countries.names(office.country_code)
    return EmbedOffice(
        id=office.id,
        name=office.name,
        address=office.address,
        zip_code=office.zip_code,
        # Offices made through the API have no district (it is not a parameter there);
        # widgets show it as the office's place, and the city is that place.
        district=office.district or office.city,
        city=office.city,
        country={locale: names[locale] for locale in LOCALES},
    )


def _department(department: Department) -> EmbedDepartment:
    return EmbedDepartment(id=department.id, name=department.name)


def _websites_urls(
    job: Job, organization: Organization, own: Mapping[str, OrganizationWebsite]
) -> list[EmbedWebsiteUrl]:
    """Where the job is read on each of its sites: on the organisation's own website with that
    reference when it has one, else on the shared site of the reference data."""
    urls = []
    for link in job.websites:
        website = own.get(link.reference)
        if website is not None:
            # A careers site of its own ("single") lists the jobs at its root; on a site shared
            # by many organisations ("multi") they live under the organisation's page.
            shared = website.kind == "multi" and website.organization_url
            base = website.organization_url if shared else website.root_url
            url = f"{(base or '').rstrip('/')}/jobs/{job.slug}"
        else:
            site = reference.site(link.reference)
            if site is None:
                continue
            url = jobs_service.website_url(site["root_url"], organization, job)
        urls.append(
            EmbedWebsiteUrl(reference=link.reference, website_reference=link.reference, url=url)
        )
    return urls


def _long_date(value: date, locale: str) -> str:
    # CLDR writes French months in lower case; the original API capitalises them.
    day, month, year = format_date(value, "dd MMMM yyyy", locale=locale).split(" ", 2)
    return f"{day} {month[:1].upper()}{month[1:]} {year}"


def long_dates(value: date) -> Localized:
    """``{"fr": "01 Décembre 2015", "en": "01 December 2015"}``."""
    return {locale: _long_date(value, locale) for locale in LOCALES}


def created_at(value: datetime) -> Localized:
    """``{"fr": "Le 09 Novembre 2015 à 13h26", "en": "09 November 2015 at 13h26"}`` in the
    configured time zone."""
    zone = render.timezone()
    day = value.astimezone(zone).date()
    time = format_datetime(value, "HH'h'mm", tzinfo=zone, locale="en")
    return {
        "fr": f"Le {_long_date(day, 'fr')} à {time}",
        "en": f"{_long_date(day, 'en')} at {time}",
    }


@cache
def widget_script() -> bytes:
    """Canopy's careers widget (``static/embed.js``), shipped with the package."""
    return resources.files("canopy.embed").joinpath("static/embed.js").read_bytes()
