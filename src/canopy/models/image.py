from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped


class Image(Timestamped, Base):
    """An organisation's image (§6.3): the original and the variants Canopy renders from it.

    ``variants`` maps ``large``/``medium``/``small``/``thumb`` to ``{key, width, height}``."""

    __tablename__ = "image"
    __table_args__ = (Index("ix_image_org_created", "organization_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255))
    object_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int]
    height: Mapped[int]
    variants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
