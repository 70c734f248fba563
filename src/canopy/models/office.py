from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped


class Office(Timestamped, Base):
    __tablename__ = "office"
    __table_args__ = (Index("ix_office_org_created", "organization_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))
    is_headquarter: Mapped[bool] = mapped_column(default=False)
