from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from canopy.params import URL, Params
from canopy.render import Timestamp


def _filename(value: str) -> str:
    if any(ord(ch) < 32 or ch in "\x7f/\\" for ch in value):
        raise ValueError("must not contain control characters or slashes")
    return value


Filename = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_filename)]


class RemoteFile(Params):
    filename: Filename
    url: str = Field(min_length=1, max_length=2048, json_schema_extra=URL)


def _listify(value: Any) -> Any:
    """A hash keyed by index (``remote_file_urls[0][url]=…`` in a form) becomes a list."""
    if isinstance(value, dict):
        return [value[key] for key in sorted(value, key=lambda k: (len(k), k))]
    return value


RemoteFiles = Annotated[list[RemoteFile], BeforeValidator(_listify)]


class DocumentListParams(Params):
    candidate_reference: str = Field(max_length=64)


class DocumentCreate(Params):
    candidate_reference: str = Field(max_length=64)
    remote_file_urls: RemoteFiles | None = None
    # Display names for uploaded files, in the order of the uploaded parts.
    filenames: list[Filename] | None = None


class DocumentRead(BaseModel):
    id: int
    job_reference: str
    candidate_reference: str
    filename: str
    file_url: str
    size: int
    content_type: str
    created_at: Timestamp
