from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from canopy.images.schemas import FileUrl
from canopy.params import URL, Params
from canopy.render import Timestamp
from canopy.videos.providers import Source

MAX_DETAILS_BYTES = 64 * 1024


def _parse_details(value: Any) -> Any:
    """A form or the command line sends the payload as JSON text."""
    if isinstance(value, str | bytes):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise ValueError("must be a JSON object") from exc
    return value


def _small_details(value: dict[str, Any]) -> dict[str, Any]:
    try:
        size = len(orjson.dumps(value))
    except TypeError as exc:  # pragma: no cover - parsed JSON always serialises
        raise ValueError("must be a JSON object") from exc
    if size > MAX_DETAILS_BYTES:
        raise ValueError(f"must be at most {MAX_DETAILS_BYTES // 1024} KB of JSON")
    return value


Details = Annotated[dict[str, Any], BeforeValidator(_parse_details), AfterValidator(_small_details)]


class VideoListParams(Params):
    organization_reference: str = Field(max_length=64, description="Reference of the organisation")
    details: bool = Field(default=False, description="Include the provider's payload")


class VideoCreate(Params):
    organization_reference: str = Field(max_length=64)
    source: Source
    external_reference: str | None = Field(default=None, min_length=1, max_length=200)
    url: str | None = Field(default=None, min_length=1, max_length=1000, json_schema_extra=URL)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    subtitle: str | None = Field(default=None, max_length=500)
    details: Details | None = None
    remote_image_url: str | None = Field(
        default=None, min_length=1, max_length=2048, json_schema_extra=URL
    )


class VideoImage(BaseModel):
    url: str
    small: FileUrl
    thumb: FileUrl


class VideoRead(BaseModel):
    """The Video object of §6.4; ``details`` only when asked for."""

    source: str
    external_reference: str
    name: str
    description: str | None
    subtitle: str | None
    image: VideoImage | None
    url: str
    created_at: Timestamp
    updated_at: Timestamp
    details: dict[str, Any] | None = None
    reference: str


class VideoCreated(VideoRead):
    """What a create answers: the Video object (with ``details``) and the ``id`` that
    deletes it."""

    id: int
