from __future__ import annotations

from pydantic import BaseModel, Field

from canopy.params import URL, Params
from canopy.render import Timestamp


class ImageListParams(Params):
    organization_reference: str = Field(max_length=64, description="Reference of the organisation")


class ImageCreate(Params):
    organization_reference: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    # Or an uploaded multipart part named "file".
    remote_image_url: str | None = Field(
        default=None, min_length=1, max_length=2048, json_schema_extra=URL
    )


class FileUrl(BaseModel):
    url: str


class ImageFile(BaseModel):
    """The original's signed URL and its size variants' (§6.3)."""

    url: str
    large: FileUrl
    medium: FileUrl
    small: FileUrl
    thumb: FileUrl


class ImageRead(BaseModel):
    """The Image object of §6.3: these fields and no other."""

    name: str
    description: str | None
    file: ImageFile
    created_at: Timestamp
    updated_at: Timestamp


class ImageCreated(ImageRead):
    """What a create answers: the Image object and the ``id`` that deletes it."""

    id: int
