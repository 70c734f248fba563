from __future__ import annotations

from sqlalchemy import Boolean, Double, String
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base


class RateLimitBucket(Base):
    """A token bucket (canopy.limits.ratelimit): ``tokens`` left as of ``stamp``, in Unix
    seconds (plain numbers, so that one SQL statement can refill and spend them on every
    backend). ``refused`` says whether the last request counted against it was refused."""

    __tablename__ = "rate_limit_bucket"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    stamp: Mapped[float] = mapped_column(Double)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
