from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from canopy.params import Params
from canopy.reference import service as reference
from canopy.render import Timestamp
from canopy.slugs import MAX_SLUG, SLUG_PATTERN
from canopy.timefilters import AfterFilter

ArticleStatus = Literal["draft", "published", "archived"]
PUBLISHED: ArticleStatus = "published"

# Given references are kept as they are (an export from elsewhere keeps its own); generated
# ones are 24 lowercase hex characters, like WTTJ's CMS references (§10).
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NAME = 500
MAX_SUMMARY = 10_000
MAX_CONTENT = 1_000_000
MAX_URL = 2000


def to_milliseconds(value: datetime) -> datetime:
    """The precision the API renders: a list's own output then imports back unchanged."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


# Parsed as the filters are: a date is local midnight, a naive time is local time.
ImportedTime = Annotated[AfterFilter, AfterValidator(to_milliseconds)]


def check_language(value: str | None) -> str | None:
    if value is not None and value not in reference.languages():
        raise ValueError(f"unknown language {value!r} (see /api/v1/external/languages)")
    return value


def check_not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def check_reference(value: str | None) -> str | None:
    if value is not None and not REFERENCE_PATTERN.match(value):
        raise ValueError("must be 1 to 64 letters, digits, '_' or '-'")
    return value


def check_slug(value: str | None) -> str | None:
    if value is not None and not SLUG_PATTERN.match(value):
        raise ValueError("may contain only lowercase letters, digits and single dashes")
    return value


class ArticleListParams(Params):
    language: str | None = Field(default=None, description="Only articles in this language")
    cms_collection_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Only articles of this collection"
    )
    published_after: AfterFilter | None = Field(
        default=None, description="Published on or after (YYYY-MM-DD or ISO 8601)"
    )
    updated_after: AfterFilter | None = Field(
        default=None, description="Updated on or after (YYYY-MM-DD or ISO 8601)"
    )

    _language = field_validator("language")(check_language)


# -- import ----------------------------------------------------------------------------------


def _http_url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError("must be an http or https URL")
    return value


class CmsCollectionInput(Params):
    id: int = Field(ge=1, le=2**31 - 1)
    title: str = Field(min_length=1, max_length=200)


class ImageVariantInput(Params):
    url: str = Field(min_length=1, max_length=MAX_URL)

    _url = field_validator("url")(_http_url)


class ImageInput(ImageVariantInput):
    large: ImageVariantInput | None = None
    thumb: ImageVariantInput | None = None

    def stored(self) -> dict[str, Any]:
        """The shape the API returns; a missing variant is the original."""
        return {
            "url": self.url,
            "large": {"url": (self.large or self).url},
            "thumb": {"url": (self.thumb or self).url},
        }


class ArticleImport(Params):
    """One article of an import file. Unknown keys are ignored, so the API's own output
    (``id``, ``created_at``, ``content_html``…) imports as it is."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    reference: str | None = None
    slug: str | None = Field(default=None, max_length=MAX_SLUG)
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY)
    content: str = Field(min_length=1, max_length=MAX_CONTENT)
    language: str
    status: ArticleStatus = "draft"
    published_at: ImportedTime | None = None
    cms_collection: CmsCollectionInput | None = None
    image: ImageInput | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat_fields(cls, data: Any) -> Any:
        """``title`` for ``name``; ``cms_collection_id``/``_title`` and ``image_url`` for the
        nested objects (front matter is flat); blank optional values are absent."""
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            # PostgreSQL text cannot hold NUL (SQLite can): refused the same on both.
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{key} must not contain NUL characters")
        data = {
            key: value
            for key, value in data.items()
            if not (isinstance(value, str) and not value.strip() and key not in ("name", "title"))
        }
        if "name" not in data and "title" in data:
            data["name"] = data["title"]
        collection_id = data.pop("cms_collection_id", None)
        collection_title = data.pop("cms_collection_title", None)
        if "cms_collection" not in data and (collection_id, collection_title) != (None, None):
            if collection_id is None:
                raise ValueError("cms_collection_id is missing (cms_collection_title is given)")
            if collection_title is None:
                raise ValueError("cms_collection_title is missing (cms_collection_id is given)")
            data["cms_collection"] = {"id": collection_id, "title": collection_title}
        image_url = data.pop("image_url", None)
        if "image" not in data and image_url is not None:
            data["image"] = {"url": image_url}
        return data

    _name = field_validator("name")(check_not_blank)

    _reference = field_validator("reference")(check_reference)
    _slug = field_validator("slug")(check_slug)

    _language = field_validator("language")(check_language)


# -- response --------------------------------------------------------------------------------


class CmsCollectionRead(BaseModel):
    id: int
    title: str


class ImageVariantRead(BaseModel):
    url: str


class ImageRead(BaseModel):
    url: str
    large: ImageVariantRead
    thumb: ImageVariantRead


class ArticleRead(BaseModel):
    """§8.1 / §15.10; ``content`` is the markdown as imported, ``content_html`` its rendering
    to sanitised HTML (an extra field, §15)."""

    id: int
    reference: str
    name: str
    slug: str
    summary: str | None
    content: str
    content_html: str
    language: str
    status: str
    cms_collection: CmsCollectionRead | None
    image: ImageRead | None
    created_at: Timestamp
    updated_at: Timestamp
    published_at: Timestamp | None


# -- collections and their categories (§8.2) ---------------------------------------------------

Theme = Literal["dark", "light"]
MAX_TITLE = 500
MAX_TEXT = 100_000
MAX_LANGUAGES = 100
# An id of the import file's own numbering: a positive 32-bit integer on every backend.
EditorialId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class CollectionListParams(Params):
    language: str | None = Field(default=None, description="Only collections in this language")
    cms_collection_category_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Only collections of this category"
    )
    published_after: AfterFilter | None = Field(
        default=None, description="Published on or after (YYYY-MM-DD or ISO 8601)"
    )
    updated_after: AfterFilter | None = Field(
        default=None, description="Updated on or after (YYYY-MM-DD or ISO 8601)"
    )

    _language = field_validator("language")(check_language)


class CategoryListParams(Params):
    language: str | None = Field(default=None, description="Only categories in this language")
    published_after: AfterFilter | None = Field(
        default=None, description="Published on or after (YYYY-MM-DD or ISO 8601)"
    )
    updated_after: AfterFilter | None = Field(
        default=None, description="Updated on or after (YYYY-MM-DD or ISO 8601)"
    )

    _language = field_validator("language")(check_language)


class CategoryRefInput(Params):
    id: EditorialId
    title: str = Field(min_length=1, max_length=MAX_TITLE)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


class _EditorialImport(Params):
    """What a collection and a category of an import file share. Unknown keys are ignored,
    so the API's own output (``created_at``, ``cms_collections``…) imports as it is."""

    id: EditorialId
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    reference: str | None = None
    slug: str | None = Field(default=None, max_length=MAX_SLUG)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    seo_title: str | None = Field(default=None, max_length=MAX_TITLE)
    seo_description: str | None = Field(default=None, max_length=MAX_TEXT)
    social_title: str | None = Field(default=None, max_length=MAX_TITLE)
    social_description: str | None = Field(default=None, max_length=MAX_TEXT)
    social_image: ImageInput | None = None
    cover: ImageInput | None = None
    language: str
    internal_name: str | None = Field(default=None, max_length=MAX_TITLE)
    languages: list[str] = Field(default_factory=list, max_length=MAX_LANGUAGES)
    mirrors: dict[str, Any] = Field(default_factory=dict)
    status: ArticleStatus = "draft"
    published_at: ImportedTime | None = None
    archived_at: ImportedTime | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat_fields(cls, data: Any) -> Any:
        """``cover_url`` and ``social_image_url`` for the images; blank optional values are
        absent; NUL refused (PostgreSQL text cannot hold it)."""
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{key} must not contain NUL characters")
        data = {
            key: value
            for key, value in data.items()
            if not (isinstance(value, str) and not value.strip() and key != "title")
        }
        for image in ("cover", "social_image"):
            url = data.pop(f"{image}_url", None)
            if image not in data and url is not None:
                data[image] = {"url": url}
        return cls._nested(data)

    @classmethod
    def _nested(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The nested objects a subclass also takes as flat fields."""
        return data

    _title = field_validator("title")(check_not_blank)

    _reference = field_validator("reference")(check_reference)
    _slug = field_validator("slug")(check_slug)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        for language in value:
            check_language(language)
        return value

    @field_validator("mirrors")
    @classmethod
    def _mirrors(cls, value: dict[str, Any]) -> dict[str, Any]:
        if _holds_nul(value):
            raise ValueError("must not contain NUL characters")
        return value

    _language = field_validator("language")(check_language)


class CollectionImport(_EditorialImport):
    """One collection of an import file; ``id`` is the one its articles name."""

    summary: str | None = Field(default=None, max_length=MAX_SUMMARY)
    theme: Theme = "light"
    cms_collection_category: CategoryRefInput | None = None

    @classmethod
    def _nested(cls, data: dict[str, Any]) -> dict[str, Any]:
        """``cms_collection_category_id`` + ``_title`` for the nested object."""
        category_id = data.pop("cms_collection_category_id", None)
        category_title = data.pop("cms_collection_category_title", None)
        if "cms_collection_category" not in data and (category_id, category_title) != (None, None):
            if category_id is None:
                raise ValueError(
                    "cms_collection_category_id is missing (cms_collection_category_title is given)"
                )
            if category_title is None:
                raise ValueError(
                    "cms_collection_category_title is missing (cms_collection_category_id is given)"
                )
            data["cms_collection_category"] = {"id": category_id, "title": category_title}
        return data


class CategoryImport(_EditorialImport):
    """One collection category of an import file; ``id`` is the one its collections name."""

    menu_title: str | None = Field(default=None, max_length=MAX_TITLE)
    position: int = Field(default=0, ge=-(2**31), le=2**31 - 1)


class EditorialRef(BaseModel):
    id: int
    title: str


class CollectionRead(BaseModel):
    """§8.2 ``GET /cms/collections``: one published collection."""

    id: int
    cms_collection_category: EditorialRef | None
    title: str
    slug: str
    summary: str | None
    description: str | None
    cover: ImageRead | None
    seo_title: str | None
    seo_description: str | None
    social_title: str | None
    social_description: str | None
    social_image: ImageRead | None
    status: str
    theme: str
    reference: str
    language: str
    internal_name: str | None
    languages: list[str]
    mirrors: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp
    published_at: Timestamp | None
    archived_at: Timestamp | None


class CategoryRead(BaseModel):
    """§8.2 ``GET /cms/collection/categories``: one published category, with its published
    collections."""

    id: int
    title: str
    slug: str
    menu_title: str | None
    description: str | None
    seo_title: str | None
    seo_description: str | None
    social_title: str | None
    social_description: str | None
    social_image: ImageRead | None
    status: str
    cover: ImageRead | None
    position: int
    reference: str
    language: str
    internal_name: str | None
    languages: list[str]
    mirrors: dict[str, Any]
    cms_collections: list[EditorialRef]
    created_at: Timestamp
    updated_at: Timestamp
    published_at: Timestamp | None
    archived_at: Timestamp | None
