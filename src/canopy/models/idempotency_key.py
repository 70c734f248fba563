from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, UTCDateTime


class IdempotencyKey(Base):
    """A POST's ``Idempotency-Key`` (canopy.limits.idempotency), per token (``scope``).

    While the first request runs, ``status_code`` is null and ``owner`` (the claim) holds it
    until ``locked_until``; then its response is kept here to be replayed until
    ``expires_at``."""

    __tablename__ = "idempotency_key"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(32))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[Any] | None] = mapped_column(JSON)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
