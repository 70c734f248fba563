from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, Field, field_validator, model_validator

from canopy.images.schemas import ImageRead
from canopy.params import URL, Params
from canopy.reference import service as reference
from canopy.render import Timestamp
from canopy.slugs import MAX_SLUG, SLUG_PATTERN
from canopy.timefilters import AfterFilter
from canopy.videos.schemas import VideoRead

MAX_TEXT = 20_000
MAX_HANDLE = 200
MAX_SECTORS = 30
MAX_TOOLS = 200
WEBSITE_KINDS = ("single", "multi")
SEARCH_PARAMS = ("name", "media_website_url", "cms_sites_references")
# Sector references are the website-side slugs of §6.1 ("saas-cloud-services", "media-1").
SECTOR_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# Website references as seen in the contract: "wttj_fr", "wk-careers_wttj", "numa-jobboard".
WEBSITE_REFERENCE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,63})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _comma_list(value: Any) -> Any:
    """``"a,b"`` or ``["a", "b"]`` → a list of stripped, non-empty strings."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _indexed_list(value: Any) -> Any:
    """Form bodies may send a list as a hash keyed by index (``tools[0][name]=…``)."""
    if isinstance(value, dict):
        return [value[key] for key in sorted(value, key=lambda k: (len(k), k))]
    return value


def http_url(value: str | None, *, max_length: int = 1000) -> str | None:
    """An absolute ``http(s)`` URL, or ``None`` (an empty string clears the field too)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > max_length:
        raise ValueError(f"must have at most {max_length} characters")
    if _CONTROL.search(value) or any(c.isspace() for c in value):
        raise ValueError("must be an http or https URL without spaces")
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError("must be an http or https URL") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL")
    return value


def _url(value: str | None) -> str | None:
    return http_url(value)


def _website_url(value: str | None) -> str | None:
    return http_url(value, max_length=500)


def _handle(value: str | None) -> str | None:
    """A social-media handle or path (``wttj_fr``, ``channel/UC…``); ``""`` is kept, as in the
    contract's example."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_HANDLE:
        raise ValueError(f"must have at most {MAX_HANDLE} characters")
    if _CONTROL.search(value) or "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def language(value: str) -> str:
    if value not in reference.languages():
        raise ValueError(f"{value!r} is not a language reference (see /languages)")
    return value


def _i18n_texts(value: dict[str, str | None] | None) -> dict[str, str | None] | None:
    if value is None:
        return None
    for key, text in value.items():
        language(key)
        if text is not None and len(text) > MAX_TEXT:
            raise ValueError(f"{key} must have at most {MAX_TEXT} characters")
    return value


def _i18n_urls(value: dict[str, str | None] | None) -> dict[str, str | None] | None:
    if value is None:
        return None
    result: dict[str, str | None] = {}
    for key, url in value.items():
        language(key)
        try:
            result[key] = http_url(url)
        except ValueError as exc:
            raise ValueError(f"{key} {exc}") from None
    return result


def _sectors(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    unique = list(dict.fromkeys(value))
    if len(unique) > MAX_SECTORS:
        raise ValueError(f"must name at most {MAX_SECTORS} sectors")
    for sector in unique:
        if len(sector) > 64 or not SECTOR_PATTERN.match(sector):
            raise ValueError(
                f"{sector!r} is not a sector reference (lowercase letters, digits, - and _)"
            )
    return unique


def _creation_year(value: int | None) -> int | None:
    if value is not None and not 1800 <= value <= date.today().year:
        raise ValueError(f"must be between 1800 and {date.today().year}")
    return value


Url = str | None
I18nTexts = dict[str, str | None]
Percent = Annotated[int | None, Field(default=None, ge=0, le=100)]


# -- reading ---------------------------------------------------------------------------------


class OrganizationFlags(Params):
    """Each inclusion needs its resource's scope (``offices_r``, ``images_r``, ``videos_r``
    on a member organisation, or their ``su_`` partnership scope); without it the block is
    left out of the answer, which is never refused for it."""

    offices: bool = Field(
        default=False, description="Include the offices (needs offices_r or su_offices_r)"
    )
    websites: bool = Field(default=False, description="Websites (always included)")
    images: bool = Field(
        default=False, description="Include the images (needs images_r or su_images_r)"
    )
    videos: bool = Field(
        default=False, description="Include the videos (needs videos_r or su_videos_r)"
    )


class OrganizationListParams(OrganizationFlags):
    """§6.2: exactly one of the three search parameters."""

    name: str | None = Field(default=None, max_length=200, description="Part of the name")
    media_website_url: str | None = Field(
        default=None, max_length=500, description="Part of the website URL"
    )
    cms_sites_references: Annotated[
        list[Annotated[str, Field(max_length=64)]] | None, BeforeValidator(_comma_list)
    ] = Field(default=None, description="Comma-separated website references")
    created_after: AfterFilter | None = None
    updated_after: AfterFilter | None = None

    @field_validator("name", "media_website_url")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _exactly_one(self) -> OrganizationListParams:
        given = [name for name in SEARCH_PARAMS if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                "one and only one of name, media_website_url, cms_sites_references is required"
            )
        return self


class SubsidiaryRead(BaseModel):
    name: str
    slug: str
    reference: str


class OrganizationWebsiteSummary(BaseModel):
    reference: str
    name: str
    root_url: str
    cover_url: str | None


class OrganizationOffice(BaseModel):
    """The Office object of §4.2."""

    id: int
    name: str
    address: str | None
    zip_code: str | None
    city: str
    country_code: str
    is_headquarter: bool


class OrganizationRead(BaseModel):
    """§6.1/§6.2. ``offices``, ``images`` and ``videos`` are present only when asked for."""

    reference: str
    name: str
    media_twitter: str | None
    media_website_url: str | None
    description: str | None
    subsidiaries: list[SubsidiaryRead]
    slug: str
    logo_url: str | None
    sectors: list[str]
    default_language: str
    media_facebook: str | None
    media_linkedin: str | None
    media_instagram: str | None
    media_youtube: str | None
    media_pinterest: str | None
    nb_employees: int | None
    average_age: int | None
    turnover: int | None
    creation_year: int | None
    parity_men: int | None
    parity_women: int | None
    revenue: str | None
    cover_url: str | None
    i18n_descriptions: dict[str, str]
    i18n_looking_fors: dict[str, str]
    i18n_good_to_knows: dict[str, str]
    i18n_covers: dict[str, str]
    websites: list[OrganizationWebsiteSummary]
    offices: list[OrganizationOffice] | None = None
    # The Image (§6.3) and Video (§6.4) objects, rendered by their own domains.
    images: list[ImageRead] | None = None
    videos: list[VideoRead] | None = None
    created_at: Timestamp
    updated_at: Timestamp


# -- writing ---------------------------------------------------------------------------------


class OrganizationUpdate(Params):
    """A partial update of the profile: only the given fields change. The ``i18n_*`` maps are
    merged into the stored ones (a ``null`` value removes that language)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=MAX_SLUG)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    default_language: str | None = None
    media_website_url: Url = None
    media_twitter: str | None = None
    media_facebook: str | None = None
    media_linkedin: str | None = None
    media_instagram: str | None = None
    media_youtube: str | None = None
    media_pinterest: str | None = None
    logo_url: Url = None
    cover_url: Url = None
    nb_employees: int | None = Field(default=None, ge=0, le=10_000_000)
    average_age: int | None = Field(default=None, ge=14, le=100)
    turnover: Percent = None
    creation_year: int | None = None
    parity_men: Percent = None
    parity_women: Percent = None
    revenue: str | None = Field(default=None, max_length=200)
    sectors: Annotated[list[str] | None, BeforeValidator(_comma_list)] = None
    i18n_descriptions: I18nTexts | None = None
    i18n_looking_fors: I18nTexts | None = None
    i18n_good_to_knows: I18nTexts | None = None
    i18n_covers: I18nTexts | None = None
    parent_reference: str | None = Field(default=None, max_length=64)

    _urls = field_validator("logo_url", "cover_url")(_url)
    _website = field_validator("media_website_url")(_website_url)
    _handles = field_validator(
        "media_twitter",
        "media_facebook",
        "media_linkedin",
        "media_instagram",
        "media_youtube",
        "media_pinterest",
    )(_handle)
    _texts = field_validator("i18n_descriptions", "i18n_looking_fors", "i18n_good_to_knows")(
        _i18n_texts
    )
    _covers = field_validator("i18n_covers")(_i18n_urls)
    _sector_list = field_validator("sectors")(_sectors)
    _year = field_validator("creation_year")(_creation_year)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not SLUG_PATTERN.match(value):
            raise ValueError("may contain only lowercase letters, digits and single dashes")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else language(value)


class WebsiteInput(Params):
    """A website of the organisation, created or replaced by ``reference``."""

    reference: str = Field(max_length=64, json_schema_extra={"pattern": WEBSITE_REFERENCE.pattern})
    name: str = Field(min_length=1, max_length=200)
    root_url: str = Field(json_schema_extra=URL)
    kind: str = Field(default="single", description="single or multi")
    organization_url: Url = None
    cover_url: Url = None

    _urls = field_validator("organization_url", "cover_url")(_url)

    @field_validator("reference")
    @classmethod
    def _reference(cls, value: str) -> str:
        if not WEBSITE_REFERENCE.match(value):
            raise ValueError("may contain only letters, digits, '_', '-' and '.'")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("root_url")
    @classmethod
    def _root_url(cls, value: str) -> str:
        url = http_url(value)
        if url is None:
            raise ValueError("must be an http or https URL")
        return url

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in WEBSITE_KINDS:
            raise ValueError(f"must be one of {', '.join(WEBSITE_KINDS)}")
        return value


class OrganizationWebsiteRead(BaseModel):
    reference: str
    name: str
    kind: str
    root_url: str
    organization_url: str | None
    cover_url: str | None


class ToolInput(Params):
    tool_id: int | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    percent: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    comment: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _one_tool(self) -> ToolInput:
        if (self.tool_id is None) == (self.name is None):
            raise ValueError("each tool needs exactly one of tool_id or name")
        return self


class OrganizationToolsUpdate(Params):
    """The organisation's tools, replacing the previous list."""

    tools: Annotated[list[ToolInput], BeforeValidator(_indexed_list)] = Field(max_length=MAX_TOOLS)
