from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base, Timestamped


class Comment(Timestamped, Base):
    """A note on a candidate: ``raw_content`` as written, ``content`` as sanitised HTML."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    raw_content: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
