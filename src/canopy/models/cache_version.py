from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from canopy.models.base import Base


class CacheVersion(Base):
    """What the response cache (``canopy.cache``) keys on: per organisation, a ``version``
    that changes with every committed write to the rows its renderings show (the
    organisation, its jobs, stages, sites, offices, departments, websites, media, job
    assignments) and a ``counts`` that changes with its candidate counters. Row ``0`` is every
    organisation at once (``/jobs/all``): its ``version`` changes with any of theirs.

    Written only by database triggers (see the migration that creates this table), never by
    Canopy's code, so that no write path can forget it. Each new value is drawn from
    :class:`CacheClock`, so a value is never seen twice, even after rows are deleted and made
    again. No foreign key: the row of a deleted organisation is left behind, harmless."""

    __tablename__ = "cache_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    counts: Mapped[int] = mapped_column(BigInteger)


class CacheClock(Base):
    """The source of :class:`CacheVersion` values: SQLite's ``AUTOINCREMENT`` counter of this
    table (never reused, even once its rows are deleted), PostgreSQL's ``cache_clock_id_seq``.
    It holds at most one row."""

    __tablename__ = "cache_clock"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
