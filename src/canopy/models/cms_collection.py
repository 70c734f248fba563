from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped, UTCDateTime


class CmsCollection(Timestamped, Base):
    """A collection of articles (§8.2), imported with ``canopy articles import``.

    Its ``id`` is the one the import file gives: articles name their collection by it
    (``cms_collection: {id, title}``). The category is named the same way, by id and title,
    without a foreign key: a file may bring a collection before its category, and the title
    as imported stands in while no category has that id."""

    __tablename__ = "cms_collection"
    __table_args__ = (
        Index("ix_cms_collection_published", "status", "published_at", "id"),
        Index("ix_cms_collection_updated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    category_id: Mapped[int | None] = mapped_column(Integer, index=True)
    category_title: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    summary: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    cover: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seo_title: Mapped[str | None] = mapped_column(String(500))
    seo_description: Mapped[str | None] = mapped_column(Text)
    social_title: Mapped[str | None] = mapped_column(String(500))
    social_description: Mapped[str | None] = mapped_column(Text)
    social_image: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    theme: Mapped[str] = mapped_column(String(16), default="light")
    language: Mapped[str] = mapped_column(String(8), index=True)
    internal_name: Mapped[str | None] = mapped_column(String(500))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    mirrors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
