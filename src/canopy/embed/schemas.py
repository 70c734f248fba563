"""The embed payload in the shape real clients read (§6.5 "Real responses differ", §15.10)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from canopy.params import Params

# {"fr": "...", "en": "..."}; contract types also carry es, cs and sk.
Localized = dict[str, str]


class EmbedParams(Params):
    organization_reference: str = Field(
        max_length=64, description="Reference of the organisation whose published jobs to list"
    )


class EmbedSalary(BaseModel):
    min: str | None
    max: str | None
    currency: str | None
    period: str | None


class EmbedOffice(BaseModel):
    id: int
    name: str
    address: str | None
    zip_code: str | None
    district: str | None
    city: str
    country: Localized


class EmbedDepartment(BaseModel):
    id: int
    name: str


class EmbedWebsiteUrl(BaseModel):
    """Both key names of the site's reference: the docs' ``reference`` and the
    ``website_reference`` that WTTJ's own widget reads."""

    reference: str
    website_reference: str
    url: str


class EmbedJob(BaseModel):
    id: int
    reference: str
    name: str
    slug: str
    description: str = Field(description="Sanitised HTML")
    profile: str = Field(description="Sanitised HTML")
    recruitment_process: str = Field(description="Sanitised HTML")
    salary: EmbedSalary
    created_at: Localized = Field(description='e.g. {"fr": "Le 09 Novembre 2015 à 13h26", …}')
    published_at: str | None = Field(description="ISO 8601 timestamp")
    start_date: Localized | None = Field(description='e.g. {"fr": "01 Décembre 2015", …}')
    office: EmbedOffice | None
    department: EmbedDepartment | None
    contract_type: Localized
    cms_sites_references: list[str]
    websites_urls: list[EmbedWebsiteUrl]


class EmbedWebsite(BaseModel):
    """Both key names of the site's address: the docs' ``url`` and the ``root_url`` that
    WTTJ's own widget reads."""

    reference: str
    kind: str
    url: str
    root_url: str
    organization_url: str | None


class EmbedRead(BaseModel):
    name: str
    slug: str
    reference: str
    jobs: list[EmbedJob]
    websites: list[EmbedWebsite]
