"""The object store checked against the rows that reference it (``canopy storage check``).

A request writes its objects first and commits the rows that reference them after
(``files.service.store``); a rollback removes the objects again, but a process that dies in
between leaves *orphans*: objects no row references. A row whose object is absent is *missing*
an object; one whose object has another size than it records is *mismatched*. Both sides are
listed into temporary tables and compared by the database, a batch at a time, so that millions
of keys never sit in memory at once.

Repairing removes the orphans older than a grace period, and what interrupted writes left in
the store (a local folder's temporary files). A younger orphan may be an upload whose
transaction has not committed yet: it is counted, never touched. The grace period must
therefore outlast the slowest request (downloads are bounded by ``CANOPY_FETCH_DEADLINE``).
Missing and mismatched objects cannot be repaired: they are reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    exists,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import Executable

from canopy.files.storage import Storage, StorageError
from canopy.files.storage.port import MAX_KEY_LENGTH
from canopy.models import Candidate, Document, EmailAttachment, Image

# The folders Canopy writes objects under (the ``prefix`` of each ``files.service.store``).
# Only they are checked: anything else in a shared bucket is not Canopy's to judge.
FOLDERS = ("candidates", "documents", "emails", "images")
BATCH = 1000
LISTED = 1000  # items listed per finding in the report; its counts are always exact
DELETE_CONCURRENCY = 8
DEFAULT_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class KeyColumn:
    """A column holding storage keys, and the one holding the size it expects."""

    key: InstrumentedAttribute[Any]
    size: InstrumentedAttribute[Any]

    @property
    def source(self) -> str:
        return f"{self.key.class_.__tablename__}.{self.key.key}"


KEY_COLUMNS = (
    KeyColumn(Document.object_key, Document.size),
    KeyColumn(EmailAttachment.object_key, EmailAttachment.size),
    KeyColumn(Candidate.resume_key, Candidate.resume_size),
    KeyColumn(Candidate.portfolio_key, Candidate.portfolio_size),
    KeyColumn(Candidate.avatar_key, Candidate.avatar_size),
    KeyColumn(Image.object_key, Image.size),
)
IMAGE_VARIANTS = "image.variants"  # JSON: {name: {key, size, …}}
SOURCES = (*(column.source for column in KEY_COLUMNS), IMAGE_VARIANTS)
_BY_SOURCE = {column.source: column for column in KEY_COLUMNS}

# Per connection (temporary), so concurrent checks do not meet.
_temporary = MetaData()
_objects = Table(
    "canopy_check_object",
    _temporary,
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("modified", Float, nullable=False),  # seconds since the epoch
    Index("ix_canopy_check_object_key", "key"),
    prefixes=["TEMPORARY"],
)
_references = Table(
    "canopy_check_reference",
    _temporary,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("source", String(64), nullable=False),
    Column("row_id", Integer, nullable=False),
    Column("size", BigInteger),
    Index("ix_canopy_check_reference_key", "key"),
    prefixes=["TEMPORARY"],
)


@dataclass
class Finding:
    """How many of a kind of problem, their bytes, and the first ``LISTED`` of them."""

    count: int = 0
    bytes: int = 0
    removed: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: dict[str, Any], size: int | None = None) -> None:
        self.count += 1
        self.bytes += size or 0
        if len(self.items) < LISTED:
            self.items.append(item)

    def as_json(self, *, removable: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"count": self.count, "bytes": self.bytes}
        if removable:
            data["removed"] = self.removed
        data["items"] = self.items
        return data


@dataclass
class Report:
    storage: str
    grace: timedelta
    repair: bool
    batch: int = BATCH  # rows per query and insert
    objects: int = 0
    bytes: int = 0
    references: int = 0
    orphans: Finding = field(default_factory=Finding)  # unreferenced, older than the grace
    recent: Finding = field(default_factory=Finding)  # unreferenced, younger: left alone
    missing: Finding = field(default_factory=Finding)
    mismatched: Finding = field(default_factory=Finding)
    leftovers: Finding = field(default_factory=Finding)

    @property
    def clean(self) -> bool:
        """Nothing wrong is left: every orphan and leftover removed, nothing missing."""
        return (
            self.orphans.removed == self.orphans.count
            and self.leftovers.removed == self.leftovers.count
            and not self.missing.count
            and not self.mismatched.count
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "storage": self.storage,
            "folders": list(FOLDERS),
            "grace_seconds": self.grace.total_seconds(),
            "repair": self.repair,
            "clean": self.clean,
            "objects": self.objects,
            "bytes": self.bytes,
            "references": self.references,
            "orphans": self.orphans.as_json(removable=True),
            "recent": self.recent.as_json(removable=False),
            "missing": self.missing.as_json(removable=False),
            "mismatched": self.mismatched.as_json(removable=False),
            "leftovers": self.leftovers.as_json(removable=True),
        }


async def check(
    engine: AsyncEngine,
    storage: Storage,
    *,
    grace: timedelta = DEFAULT_GRACE,
    repair: bool = False,
    now: datetime | None = None,
    batch: int = BATCH,
) -> Report:
    """Compare the store with the database; with ``repair``, remove orphans and leftovers
    older than ``grace``. Safe while the API serves: it never holds a write lock, and it
    lists the store before reading the rows, so that an object committed meanwhile is seen
    referenced and one written meanwhile is younger than the grace."""
    if grace < timedelta(0):
        raise ValueError("the grace period cannot be negative")
    cutoff = (now or datetime.now(UTC)) - grace
    report = Report(storage=repr(storage), grace=grace, repair=repair, batch=batch)
    async with engine.connect() as connection:
        await _drop_tables(connection)
        await connection.run_sync(_temporary.create_all)
        await connection.commit()
        try:
            await _list_objects(connection, storage, report)
            await _list_references(connection, report)
            await _find_orphans(connection, storage, report, cutoff.timestamp())
            await _find_missing(connection, storage, report)
            await _find_mismatched(connection, report)
        finally:
            await connection.rollback()
            await _drop_tables(connection)
    async for name in storage.sweep(cutoff, remove=repair):
        report.leftovers.add({"name": name})
        if repair:
            report.leftovers.removed += 1
    return report


async def _drop_tables(connection: AsyncConnection) -> None:
    for table in (_references, _objects):
        await connection.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
    await connection.commit()


async def _list_objects(connection: AsyncConnection, storage: Storage, report: Report) -> None:
    for folder in FOLDERS:
        rows: list[dict[str, Any]] = []
        async for found in storage.objects(folder):
            report.objects += 1
            report.bytes += found.size
            rows.append(
                {"key": found.key, "size": found.size, "modified": found.modified.timestamp()}
            )
            if len(rows) >= report.batch:
                await _insert(connection, _objects, rows)
                rows = []
        await _insert(connection, _objects, rows)


async def _insert(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(table.insert(), rows)
        await connection.commit()


async def _rows(connection: AsyncConnection, statement: Executable) -> Sequence[Row[Any]]:
    """The statement's rows, its transaction ended: a long-lived snapshot would keep SQLite
    from checkpointing and would hide what changed since."""
    rows = (await connection.execute(statement)).all()
    await connection.commit()
    return rows


async def _list_references(connection: AsyncConnection, report: Report) -> None:
    columns = ["key", "source", "row_id", "size"]
    for column in KEY_COLUMNS:
        referencing = select(
            column.key, literal(column.source), column.key.class_.id, column.size
        ).where(column.key.is_not(None))
        await connection.execute(_references.insert().from_select(columns, referencing))
        await connection.commit()
    # Variant keys sit in a JSON column: read a batch of images at a time.
    last = 0
    while rows := await _rows(
        connection,
        select(Image.id, Image.variants)
        .where(Image.id > last)
        .order_by(Image.id)
        .limit(report.batch),
    ):
        last = rows[-1].id
        await _insert(
            connection,
            _references,
            [
                {"key": key, "source": IMAGE_VARIANTS, "row_id": row.id, "size": size}
                for row in rows
                for key, size in _variant_keys(row.variants)
            ],
        )
    report.references = (await _rows(connection, select(func.count(_references.c.id))))[0][0]


def _variant_keys(variants: Any) -> list[tuple[str, int | None]]:
    found = []
    for variant in (variants or {}).values():
        if isinstance(variant, dict) and isinstance(variant.get("key"), str):
            size = variant.get("size")
            found.append((variant["key"], size if isinstance(size, int) else None))
    return found


async def _find_orphans(
    connection: AsyncConnection, storage: Storage, report: Report, cutoff: float
) -> None:
    unreferenced = ~exists().where(_references.c.key == _objects.c.key)
    last = ""
    while rows := await _rows(
        connection,
        select(_objects.c.key, _objects.c.size, _objects.c.modified)
        .where(_objects.c.key > last, unreferenced)
        .order_by(_objects.c.key)
        .limit(report.batch),
    ):
        last = rows[-1].key
        old = []
        for key, size, modified in dict.fromkeys(tuple(row) for row in rows):
            item = {"key": key, "size": size, "modified": _iso(modified)}
            if modified >= cutoff:
                report.recent.add(item, size)
            else:
                report.orphans.add(item, size)
                old.append(key)
        if report.repair:
            report.orphans.removed += await _delete(storage, old)


async def _delete(storage: Storage, keys: Sequence[str]) -> int:
    """Remove ``keys``, a few at a time; how many went (a failure leaves that one)."""
    semaphore = asyncio.Semaphore(DELETE_CONCURRENCY)

    async def one(key: str) -> bool:
        async with semaphore:
            try:
                await storage.delete(key)
            except StorageError:
                return False
            return True

    return sum(await asyncio.gather(*(one(key) for key in keys)))


async def _find_missing(connection: AsyncConnection, storage: Storage, report: Report) -> None:
    absent = ~exists().where(_objects.c.key == _references.c.key)
    last = 0
    while rows := await _rows(
        connection,
        select(_references)
        .where(_references.c.id > last, absent)
        .order_by(_references.c.id)
        .limit(report.batch),
    ):
        last = rows[-1].id
        for row in rows:
            # Written after the listing, or its row changed since: not missing.
            if await storage.stat(row.key) is not None:
                continue
            if not await _still_references(connection, row.source, row.row_id, row.key):
                continue
            report.missing.add(_reference(row))


async def _still_references(
    connection: AsyncConnection, source: str, row_id: int, key: str
) -> bool:
    if source == IMAGE_VARIANTS:
        found = await _rows(connection, select(Image.variants).where(Image.id == row_id))
        return bool(found) and key in {k for k, _ in _variant_keys(found[0].variants)}
    column = _BY_SOURCE[source]
    found = await _rows(connection, select(column.key).where(column.key.class_.id == row_id))
    return bool(found) and found[0][0] == key


async def _find_mismatched(connection: AsyncConnection, report: Report) -> None:
    last = 0
    while rows := await _rows(
        connection,
        select(_references, _objects.c.size.label("stored_size"))
        .join(_objects, _objects.c.key == _references.c.key)
        .where(
            _references.c.id > last,
            _references.c.size.is_not(None),
            _references.c.size != _objects.c.size,
        )
        .order_by(_references.c.id)
        .limit(report.batch),
    ):
        last = rows[-1].id
        for row in rows:
            report.mismatched.add({**_reference(row), "stored_size": row.stored_size})


def _reference(row: Any) -> dict[str, Any]:
    table, column = row.source.split(".")
    return {"key": row.key, "table": table, "column": column, "id": row.row_id, "size": row.size}


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
