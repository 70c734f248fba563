from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped


class OrganizationWebsite(Timestamped, Base):
    """A site an organisation publishes on (a careers site, a job board) (§6.1, §6.5)."""

    __tablename__ = "organization_website"
    __table_args__ = (UniqueConstraint("organization_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="single")
    root_url: Mapped[str] = mapped_column(String(1000))
    organization_url: Mapped[str | None] = mapped_column(String(1000))
    cover_url: Mapped[str | None] = mapped_column(String(1000))
    position: Mapped[int] = mapped_column(default=0)
