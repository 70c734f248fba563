from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from canopy.documents.schemas import RemoteFiles
from canopy.models import Delivery
from canopy.params import EMAIL, Params
from canopy.render import Timestamp


def _address(value: str) -> str:
    value = value.strip()
    local, _, domain = value.rpartition("@")
    if not local or "." not in domain or any(ch in value for ch in " \r\n<>,;"):
        raise ValueError("is not an email address")
    return value


class EmailListParams(Params):
    candidate_reference: str = Field(max_length=64)


class EmailCreate(Params):
    candidate_reference: str = Field(max_length=64)
    subject: str = Field(min_length=1, max_length=998)
    body: str = Field(min_length=1, max_length=200_000)
    from_email: str = Field(max_length=320, json_schema_extra=EMAIL)
    to: str = Field(max_length=320, json_schema_extra=EMAIL)
    send_email: bool = False
    remote_file_urls: RemoteFiles | None = None

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\r" in value or "\n" in value:
            raise ValueError("must be a single line")
        return value

    _from = field_validator("from_email")(_address)
    _to = field_validator("to")(_address)


class AttachmentRead(BaseModel):
    filename: str
    file_url: str
    size: int
    content_type: str


class DeliveryRead(BaseModel):
    """Beyond the original: what became of ``send_email=true``."""

    status: Delivery
    error: str | None
    sent_at: Timestamp | None


class EmailRead(BaseModel):
    id: int
    subject: str
    body: str
    from_email: str
    to: str
    created_at: Timestamp
    origin: str
    candidate_reference: str
    attachments: list[AttachmentRead]
    delivery: DeliveryRead
