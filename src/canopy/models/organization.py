from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped
from canopy.references import organization_reference


class Organization(Timestamped, Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, default=organization_reference)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    default_language: Mapped[str] = mapped_column(String(8), default="fr")
    media_website_url: Mapped[str | None] = mapped_column(String(500))
    media_twitter: Mapped[str | None] = mapped_column(String(200))
    media_facebook: Mapped[str | None] = mapped_column(String(200))
    media_linkedin: Mapped[str | None] = mapped_column(String(200))
    media_instagram: Mapped[str | None] = mapped_column(String(200))
    media_youtube: Mapped[str | None] = mapped_column(String(200))
    media_pinterest: Mapped[str | None] = mapped_column(String(200))
    logo_url: Mapped[str | None] = mapped_column(String(1000))
    cover_url: Mapped[str | None] = mapped_column(String(1000))
    nb_employees: Mapped[int | None] = mapped_column(Integer)
    average_age: Mapped[int | None] = mapped_column(Integer)
    turnover: Mapped[int | None] = mapped_column(Integer)
    creation_year: Mapped[int | None] = mapped_column(Integer)
    parity_men: Mapped[int | None] = mapped_column(Integer)
    parity_women: Mapped[int | None] = mapped_column(Integer)
    revenue: Mapped[str | None] = mapped_column(String(200))
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    i18n_descriptions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    i18n_looking_fors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    i18n_good_to_knows: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    i18n_covers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A subsidiary names its parent (§6.1 "subsidiaries").
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
