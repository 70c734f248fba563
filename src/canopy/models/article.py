from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped, UTCDateTime


class Article(Timestamped, Base):
    """An editorial article (§8.1, §15.10), imported with ``canopy articles import``."""

    __tablename__ = "article"
    __table_args__ = (
        Index("ix_article_published", "status", "published_at", "id"),
        Index("ix_article_updated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    summary: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    content_html: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    cms_collection: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The id of ``cms_collection``, for the filter; no foreign key, since an article may name
    # a collection that no import has brought (yet).
    cms_collection_id: Mapped[int | None] = mapped_column(Integer, index=True)
    image: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
