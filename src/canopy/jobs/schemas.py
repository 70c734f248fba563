from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from canopy import countries
from canopy.models import JobStatus
from canopy.params import Params, choices
from canopy.reference import service as reference
from canopy.render import MidnightDate, Timestamp
from canopy.timefilters import AfterFilter


def _comma_list(value: Any) -> Any:
    """``"wttj_fr,smgo_fr"`` or ``["wttj_fr", "smgo_fr"]`` → a list of stripped references."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# Ids are 32-bit integer columns; a larger number names no row and must not reach the driver.
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _one_of(value: str | None, allowed: frozenset[str]) -> str | None:
    if value is None or value in allowed:
        return value
    raise ValueError(f"must be one of {', '.join(sorted(allowed))}")


SiteList = Annotated[list[Annotated[str, Field(max_length=64)]], BeforeValidator(_comma_list)]


class JobFlags(Params):
    """The inclusions. Those that reveal another resource need its scope too; without it the
    block is left out of the answer, which is never refused for it."""

    stages: bool = False
    websites: bool = False
    office: bool = Field(default=False, description="Add the office (needs offices_r)")
    offices: bool = Field(default=False, description="Add every office (needs offices_r)")
    candidates_count: bool = Field(
        default=False,
        description="Add the candidate counters, of the job and of each stage (needs candidates_r)",
    )
    application_fields: bool = False
    organization: bool = False


class JobFilters(Params):
    status: JobStatus | None = None
    contract_type: str | None = None
    cms_sites_references: SiteList | None = None
    created_after: AfterFilter | None = None
    updated_after: AfterFilter | None = None
    published_after: AfterFilter | None = None


class JobListParams(JobFlags, JobFilters):
    organization_reference: str


class JobAllParams(JobFlags, JobFilters):
    pass


class OfficeInput(Params):
    id: Id | None = None
    address: str | None = Field(default=None, max_length=500)
    zip_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=200)
    country_code: str | None = Field(default=None, json_schema_extra=choices(countries.codes()))

    @field_validator("country_code")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return countries.normalize(value) if value else None

    def is_empty(self) -> bool:
        return self.id is None and not any(
            (self.address, self.zip_code, self.city, self.country_code)
        )


class JobFields(Params):
    """The writable fields, all optional: what create and update share."""

    profession_reference: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    company_description: str | None = Field(default=None, max_length=10_000)
    description: str | None = Field(default=None, max_length=10_000)
    profile: str | None = Field(default=None, max_length=10_000)
    recruitment_process: str | None = Field(default=None, max_length=10_000)
    contract_type: str | None = Field(
        default=None, json_schema_extra=choices(reference.ids("contract_types"))
    )
    language: str | None = Field(default=None, json_schema_extra=choices(reference.languages()))
    status: JobStatus | None = None
    salary_min: int | None = Field(default=None, ge=0, le=100_000_000)
    salary_max: int | None = Field(default=None, ge=0, le=100_000_000)
    salary_currency: str | None = Field(
        default=None, json_schema_extra=choices(reference.ids("salary_currencies"))
    )
    salary_period: str | None = Field(
        default=None, json_schema_extra=choices(reference.ids("salary_periods"))
    )
    # Deprecated for clients (OpenAPI says so); `deprecated=True` would warn on our own reads.
    is_remote: bool | None = Field(default=None, json_schema_extra={"deprecated": True})
    remote: str | None = Field(
        default=None, json_schema_extra=choices(reference.ids("remote_levels"))
    )
    contract_duration_min: int | None = Field(default=None, ge=1, le=36)
    contract_duration_max: int | None = Field(default=None, ge=1, le=36)
    department_id: Id | None = None
    office_id: Id | None = None
    office_address: str | None = Field(default=None, max_length=500)
    office_zip_code: str | None = Field(default=None, max_length=20)
    office_city: str | None = Field(default=None, max_length=200)
    office_country_code: str | None = Field(
        default=None, json_schema_extra=choices(countries.codes())
    )
    offices: list[OfficeInput] | None = Field(default=None, max_length=50)
    education_level: str | None = Field(
        default=None, json_schema_extra=choices(reference.ids("education_levels"))
    )
    experience_level: str | None = Field(
        default=None, json_schema_extra=choices(reference.ids("experience_levels"))
    )
    apply_url: str | None = Field(default=None, max_length=2000)
    start_date: date | None = None
    external_reference: str | None = Field(default=None, max_length=255)
    cms_sites_references: SiteList | None = None

    @field_validator("contract_type")
    @classmethod
    def _contract_type(cls, value: str | None) -> str | None:
        return _one_of(value, reference.ids("contract_types"))

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return _one_of(value, reference.languages())

    @field_validator("education_level")
    @classmethod
    def _education(cls, value: str | None) -> str | None:
        return _one_of(value, reference.ids("education_levels"))

    @field_validator("experience_level")
    @classmethod
    def _experience(cls, value: str | None) -> str | None:
        return _one_of(value, reference.ids("experience_levels"))

    @field_validator("remote")
    @classmethod
    def _remote(cls, value: str | None) -> str | None:
        return _one_of(value, reference.ids("remote_levels"))

    @field_validator("salary_currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return _one_of(value, reference.ids("salary_currencies"))

    @field_validator("salary_period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        return _one_of(value, reference.ids("salary_periods"))

    @field_validator("cms_sites_references")
    @classmethod
    def _sites(cls, value: list[str] | None) -> list[str] | None:
        # Which sites exist depends on the organisation (its own websites count too): the
        # jobs service checks them.
        return None if value is None else list(dict.fromkeys(value))

    @field_validator("office_country_code")
    @classmethod
    def _office_country(cls, value: str | None) -> str | None:
        return countries.normalize(value) if value else None

    @field_validator("external_reference")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # "" is no reference: stored as such it would collide with the next "" (unique).
        return value or None

    @field_validator("apply_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http or https URL")
        return value or None

    @field_validator("offices", mode="before")
    @classmethod
    def _offices_list(cls, value: Any) -> Any:
        # Form bodies send a hash keyed by index ("offices[0][id]=…").
        if isinstance(value, dict):
            return [value[key] for key in sorted(value, key=lambda k: (len(k), k))]
        # "offices=true" is the inclusion flag (the parameters are one union), not offices.
        if isinstance(value, str | bool):
            return None
        return value

    @model_validator(mode="after")
    def _ranges(self) -> JobFields:
        if (
            self.salary_min is not None
            and self.salary_max is not None
            and self.salary_min > self.salary_max
        ):
            raise ValueError("salary_min must not exceed salary_max")
        if (
            self.contract_duration_min is not None
            and self.contract_duration_max is not None
            and self.contract_duration_min > self.contract_duration_max
        ):
            raise ValueError("contract_duration_min must not exceed contract_duration_max")
        return self

    def office_input(self) -> OfficeInput | None:
        single = OfficeInput(
            id=self.office_id,
            address=self.office_address,
            zip_code=self.office_zip_code,
            city=self.office_city,
            country_code=self.office_country_code,
        )
        return None if single.is_empty() else single

    def office_specs(self) -> list[OfficeInput]:
        """The offices asked for, in order: the ``office_*`` fields, then ``offices``."""
        return [s for s in [self.office_input(), *(self.offices or [])] if s and not s.is_empty()]


class JobCreate(JobFields):
    organization_reference: str
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=10_000)
    profile: str = Field(min_length=1, max_length=10_000)
    contract_type: str = Field(
        json_schema_extra=choices(reference.ids("contract_types"), optional=False)
    )
    language: str = Field(json_schema_extra=choices(reference.languages(), optional=False))


class JobUpdate(JobFields):
    pass


class JobStatusUpdate(Params):
    status: JobStatus


class Salary(BaseModel):
    min: str | None
    max: str | None
    currency: str | None
    period: str | None


class StageRead(BaseModel):
    id: int
    name: str
    reference: str | None
    visible: bool
    candidates_count: int | None = None


class WebsiteRead(BaseModel):
    reference: str
    name: str
    url: str


class ApplicationField(BaseModel):
    name: str
    mode: str


class JobOrganization(BaseModel):
    name: str
    slug: str
    description: str | None
    logo: str | None


class JobOffice(BaseModel):
    id: int
    name: str
    address: str | None
    zip_code: str | None
    city: str
    country_code: str
    is_headquarter: bool


class JobRead(BaseModel):
    """The Job object of §3.1; inclusion fields appear only when their flag asks."""

    name: str
    external_reference: str | None
    organization_reference: str
    status: JobStatus
    profile: str | None
    apply_url: str | None
    company_description: str | None
    recruitment_process: str | None
    contract_duration_min: int | None
    experience_level: str | None
    department_id: int | None
    profession_reference: str | None
    cms_sites_references: str
    contract_duration_max: int | None
    start_date: MidnightDate | None
    description: str | None
    contract_type: str
    language: str
    salary: Salary
    remote: str | None
    office_id: int | None
    reference: str
    education_level: str | None
    created_at: Timestamp
    updated_at: Timestamp
    published_at: Timestamp | None
    archived_at: Timestamp | None
    stages: list[StageRead] | None = None
    candidates_count: int | None = None
    websites: list[WebsiteRead] | None = None
    application_fields: list[ApplicationField] | None = None
    organization: JobOrganization | None = None
    office: JobOffice | None = None
    offices: list[JobOffice] | None = None
