from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped, UTCDateTime


class CmsCollectionCategory(Timestamped, Base):
    """A category of article collections (§8.2), imported with ``canopy articles import``.

    Its ``id`` is the one the import file gives (collections name their category by it, as
    WTTJ's do), so it is never generated."""

    __tablename__ = "cms_collection_category"
    __table_args__ = (
        Index("ix_cms_collection_category_published", "status", "published_at", "id"),
        Index("ix_cms_collection_category_updated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    menu_title: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    seo_title: Mapped[str | None] = mapped_column(String(500))
    seo_description: Mapped[str | None] = mapped_column(Text)
    social_title: Mapped[str | None] = mapped_column(String(500))
    social_description: Mapped[str | None] = mapped_column(Text)
    social_image: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cover: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    position: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(8), index=True)
    internal_name: Mapped[str | None] = mapped_column(String(500))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    mirrors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
