from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canopy.models.base import Base, Timestamped


class ToolCategory(Base):
    __tablename__ = "tool_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Tool(Timestamped, Base):
    """A tool of the shared catalogue (§6.6): AWS, Javascript…"""

    __tablename__ = "tool"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    alternative_names: Mapped[str | None] = mapped_column(String(1000))
    thumb_url: Mapped[str | None] = mapped_column(String(1000))
    tool_category_id: Mapped[int] = mapped_column(
        ForeignKey("tool_category.id", ondelete="RESTRICT"), index=True
    )

    category: Mapped[ToolCategory] = relationship(lazy="raise")


class OrganizationTool(Timestamped, Base):
    """A tool an organisation uses, with how much (``percent``) and a note."""

    __tablename__ = "organization_tool"
    __table_args__ = (UniqueConstraint("organization_id", "tool_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"))
    percent: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)

    tool: Mapped[Tool] = relationship(lazy="raise")
