from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canopy.models.base import Base, Timestamped
from canopy.models.candidate import Candidate


class Document(Timestamped, Base):
    """A file attached to a candidate. ``filename`` is the display name given by the client;
    the bytes live in the object store under ``object_key``, a random key."""

    __tablename__ = "document"
    __table_args__ = (Index("ix_document_candidate_created", "candidate_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    creator_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    object_key: Mapped[str] = mapped_column(String(255), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(255))
    source_url: Mapped[str | None] = mapped_column(String(2048))

    candidate: Mapped[Candidate] = relationship(lazy="raise")
