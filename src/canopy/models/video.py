from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped


class Video(Timestamped, Base):
    """An organisation's video hosted on YouTube, Dailymotion or 360player (§6.4)."""

    __tablename__ = "video"
    __table_args__ = (
        UniqueConstraint("organization_id", "source", "external_reference"),
        Index("ix_video_org_created", "organization_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    external_reference: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(1000))
    image_id: Mapped[int | None] = mapped_column(ForeignKey("image.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
