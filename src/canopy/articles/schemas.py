from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

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


def check_language(value: str | None) -> str | None:
    if value is not None and value not in reference.languages():
        raise ValueError(f"unknown language {value!r} (see /api/v1/external/languages)")
    return value


class ArticleListParams(Params):
    language: str | None = Field(default=None, description="Only articles in this language")
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
    # Parsed as the filters are: a date is local midnight, a naive time is local time.
    published_at: AfterFilter | None = None
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

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("reference")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None and not REFERENCE_PATTERN.match(value):
            raise ValueError("must be 1 to 64 letters, digits, '_' or '-'")
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not SLUG_PATTERN.match(value):
            raise ValueError("may contain only lowercase letters, digits and single dashes")
        return value

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
