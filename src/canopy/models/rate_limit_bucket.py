from __future__ import annotations

from sqlalchemy import Boolean, Double, String, text
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base


class RateLimitBucket(Base):
    """A token bucket (canopy.limits.ratelimit): ``tokens`` left as of ``stamp``, in Unix
    seconds (plain numbers, so that one SQL statement can refill and spend them on every
    backend), and ``lent``: units workers have claimed to spend without asking again
    (canopy.limits.claims), still counted in the bucket when it refills. ``refused`` says
    whether the last claim on it was refused."""

    __tablename__ = "rate_limit_bucket"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    stamp: Mapped[float] = mapped_column(Double)
    lent: Mapped[float] = mapped_column(Double, default=0.0, server_default=text("0"))
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
