from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from canopy import countries
from canopy.params import Params, choices


def _country(value: str | None) -> str | None:
    return None if value is None else countries.normalize(value)


class OfficeListParams(Params):
    organization_reference: str = Field(description="Reference of the organisation")


class OfficeCreate(Params):
    organization_reference: str
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    zip_code: str | None = Field(default=None, max_length=20)
    city: str = Field(min_length=1, max_length=200)
    country_code: str = Field(
        description="ISO 3166-1 alpha-2, e.g. FR or US",
        json_schema_extra=choices(countries.codes(), optional=False),
    )
    is_headquarter: bool = False

    _country = field_validator("country_code")(_country)


class OfficeUpdate(Params):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    zip_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, min_length=1, max_length=200)
    country_code: str | None = Field(default=None, json_schema_extra=choices(countries.codes()))
    is_headquarter: bool | None = None

    _country = field_validator("country_code")(_country)


class OfficeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    address: str | None
    zip_code: str | None
    city: str
    country_code: str
    is_headquarter: bool
