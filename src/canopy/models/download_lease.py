from __future__ import annotations

from sqlalchemy import Double, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base


class DownloadLease(Base):
    """One of a caller's download slots (canopy.limits.ratelimit), held by the request that
    took it until ``expires_at`` (Unix seconds); the request renews it while it runs, so the
    slot of a worker that died frees itself."""

    __tablename__ = "download_lease"

    holder: Mapped[str] = mapped_column(String(80), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lease_id: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[float] = mapped_column(Double)
