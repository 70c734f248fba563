from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from canopy import countries
from canopy.params import EMAIL, URL, Params, choices
from canopy.render import Timestamp
from canopy.timefilters import AfterFilter

MEDIA_FIELDS = (
    "media_website",
    "media_github",
    "media_stackoverflow",
    "media_dribbble",
    "media_behance",
    "media_linkedin",
    "media_facebook",
    "media_instagram",
    "media_medium",
    "media_tumblr",
    "media_vimeo",
    "media_twitter",
)
MAX_TAGS = 100


def _tag_list(value: Any) -> Any:
    """``"ruby, react"`` (the contract's form) or a JSON array → unique, trimmed tags."""
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list):
        return list(dict.fromkeys(str(tag).strip() for tag in value if str(tag).strip()))
    return value


TagList = Annotated[
    list[Annotated[str, Field(max_length=100)]],
    BeforeValidator(_tag_list),
    Field(max_length=MAX_TAGS),
]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Url = Annotated[str, Field(max_length=2000)]
FetchedUrl = Annotated[str, Field(max_length=2000, json_schema_extra=URL)]


def _archived_filter(value: Any) -> Any:
    """``both`` (the documented default) or nothing: no filter."""
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word in ("both", ""):
        return None
    if word not in ("true", "false", "1", "0"):
        raise ValueError("must be true, false or both")
    return word


ArchivedFilter = Annotated[
    bool | None,
    BeforeValidator(_archived_filter),
    Field(
        description="true: archived candidates only; false: those not archived; "
        "both (the default): every candidate",
        json_schema_extra={
            "anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["both"]}],
            "default": "both",
        },
    ),
]


class CandidateFlags(Params):
    stage: bool = False
    tags: bool = False


class CandidateListParams(CandidateFlags):
    job_reference: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=320)
    origin: str | None = Field(default=None, max_length=200)
    referrer: str | None = Field(default=None, max_length=500)
    job_stage_id: Id | None = None
    job_stage_reference: str | None = Field(default=None, max_length=64)
    archived: ArchivedFilter = None
    created_after: AfterFilter | None = None
    updated_after: AfterFilter | None = None


class CandidateFields(Params):
    """What create and update share; every field optional here."""

    job_stage_id: Id | None = None
    email: str | None = Field(default=None, min_length=3, max_length=320, json_schema_extra=EMAIL)
    firstname: str | None = Field(default=None, min_length=1, max_length=200)
    lastname: str | None = Field(default=None, min_length=1, max_length=200)
    tag_list: TagList | None = None
    subtitle: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=200)
    zip_code: str | None = Field(default=None, max_length=20)
    country_code: str | None = Field(default=None, json_schema_extra=choices(countries.codes()))
    remote_image_url: FetchedUrl | None = None
    remote_resume_url: FetchedUrl | None = None
    remote_portfolio_url: FetchedUrl | None = None
    archived: bool | None = None
    cover_letter: str | None = Field(default=None, max_length=20_000)
    media_website: Url | None = None
    media_github: Url | None = None
    media_stackoverflow: Url | None = None
    media_dribbble: Url | None = None
    media_behance: Url | None = None
    media_linkedin: Url | None = None
    media_facebook: Url | None = None
    media_instagram: Url | None = None
    media_medium: Url | None = None
    media_tumblr: Url | None = None
    media_vimeo: Url | None = None
    media_twitter: Url | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        local, _, domain = value.partition("@")
        if not local or "." not in domain or " " in value:
            raise ValueError("is not an email address")
        return value

    @field_validator("country_code")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return countries.normalize(value) if value else None


class CandidateCreate(CandidateFields):
    organization_reference: str
    job_reference: str = Field(max_length=64)
    email: str = Field(min_length=3, max_length=320, json_schema_extra=EMAIL)
    firstname: str = Field(min_length=1, max_length=200)
    lastname: str = Field(min_length=1, max_length=200)
    comment: str | None = Field(default=None, max_length=20_000)
    referrer: str | None = Field(default=None, max_length=500)


class CandidateUpdate(CandidateFields):
    job_reference: str | None = Field(default=None, max_length=64)


class StageRead(BaseModel):
    id: int
    name: str
    reference: str | None
    visible: bool


class ProfileRead(BaseModel):
    address: str | None
    avatar_url: str | None
    city: str | None
    country_code: str | None
    country_name: str | None
    email: str
    firstname: str
    lastname: str
    phone: str | None
    subtitle: str | None
    zip_code: str | None
    media_website: str | None = None
    media_github: str | None = None
    media_stackoverflow: str | None = None
    media_dribbble: str | None = None
    media_behance: str | None = None
    media_linkedin: str | None = None
    media_facebook: str | None = None
    media_instagram: str | None = None
    media_medium: str | None = None
    media_tumblr: str | None = None
    media_vimeo: str | None = None
    media_twitter: str | None = None


class CandidateRead(BaseModel):
    """The Candidate object of §5.1; ``stage`` and ``tags`` only when their flag asks."""

    reference: str
    cover_letter: str | None
    created_at: Timestamp
    job_reference: str
    modal_path: str
    portfolio_size: int | None
    portfolio_url: str | None
    resume_content_type: str | None
    resume_size: int | None
    resume_url: str | None
    stage_id: int | None
    updated_at: Timestamp
    profile: ProfileRead
    origin: str
    archived: bool
    stage: StageRead | None = None
    tags: list[str] | None = None
