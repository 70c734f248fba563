from __future__ import annotations

from pydantic import BaseModel


class Translated(BaseModel):
    en: str
    fr: str
    es: str | None = None
    cs: str | None = None
    sk: str | None = None


class Choice(BaseModel):
    id: str
    name: Translated


class DependenciesRead(BaseModel):
    contract_types: list[Choice]
    education_levels: list[Choice]
    experience_levels: list[Choice]
    remote_levels: list[Choice]
    salary_currencies: list[str]
    salary_periods: list[str]
    cms_sites_references: list[str]


class LanguageRead(BaseModel):
    name: str
    reference: str


class ProfessionTranslations(BaseModel):
    en: str
    fr: str
    es: str


class ProfessionRead(BaseModel):
    fullname_translations: ProfessionTranslations
    fullname: str
    reference: str


class SectorNames(BaseModel):
    en: str
    fr: str
    es: str


class SectorRead(BaseModel):
    id: str
    fullname: SectorNames
    parent: dict[str, str]
    names: SectorNames
    reference: str


class SiteRead(BaseModel):
    reference: str
    name: str
    root_url: str
