"""Where the limits keep their state, and the database side of the counters.

On PostgreSQL the rows live in the main database, reached through an engine of their own with
a small pool: a request that holds one of the main pool's connections never waits for a second
one from the same pool, which would deadlock once every connection is held that way.

On SQLite they live in a second file beside the main one (``canopy.db`` → ``canopy-limits.db``),
created on first use. SQLite has one writer per file, and a write request holds the main file's
write lock from its first statement to its commit (``BEGIN IMMEDIATE``, see ``canopy.db``),
downloads included. Counting requests in the main file would make every request, reads
included, queue behind whatever write is in progress, and a download slot taken in the middle
of a request would wait for the lock its own request holds. In the side file every transaction
is one short statement, so its lock is held for microseconds; every worker of the host opens
the same file, so the counts are shared by all of them.

The statement that changes a bucket, the one run most, goes to a bare driver connection
(``canopy.limits.direct``); download slots and purges use the engine.

Counters (token buckets and download slots) go to Redis instead when ``CANOPY_REDIS_URL`` is set
(``canopy.limits.redis``); Idempotency-Key results always stay in the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import (
    Double,
    Executable,
    Insert,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    false,
    literal,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import ReturnTypeFromArgs

from canopy.config import Settings
from canopy.db import create_engine
from canopy.models import Base, DownloadLease, IdempotencyKey, RateLimitBucket

T = TypeVar("T")

# The limits' own engine on PostgreSQL: its statements are short, a few connections suffice.
POOL_SIZE = 2
POOL_OVERFLOW = 4

BUCKETS = cast(Table, RateLimitBucket.__table__)
LEASES = cast(Table, DownloadLease.__table__)
KEYS = cast(Table, IdempotencyKey.__table__)
TABLES = [BUCKETS, LEASES, KEYS]


def side_file_url(settings: Settings) -> str:
    """The SQLite file the limits use beside the main database file (or in the var folder
    when the main database is not a file)."""
    url = make_url(settings.database_url)
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        path = settings.var_dir / "canopy-limits.db"
    else:
        main = Path(database)
        path = main.with_name(f"{main.stem}-limits{main.suffix or '.db'}")
    return url.set(database=path.as_posix()).render_as_string(hide_password=False)


async def open_engine(settings: Settings) -> AsyncEngine:
    """The engine the limits run their statements on (see the module's docstring)."""
    if not settings.is_sqlite:
        # Each unit of work is one statement: in autocommit it costs one round trip, where
        # BEGIN … COMMIT would cost three.
        return create_engine(
            settings,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            isolation_level="AUTOCOMMIT",
            # A ping before each statement would double its cost; a connection found dead
            # (the server restarted) is retried once on a fresh one instead (`run`).
            pool_pre_ping=False,
        )
    engine = create_engine(settings.model_copy(update={"database_url": side_file_url(settings)}))
    # Every statement on the side file writes: BEGIN IMMEDIATE waits for the lock up front.
    writer = engine.execution_options(canopy_write=True)

    def create(connection: Connection) -> None:
        # Under the write lock: workers starting together create the tables once.
        Base.metadata.create_all(connection, tables=TABLES, checkfirst=True)
        # A side file made by an earlier version: its buckets get the column added since.
        columns = connection.exec_driver_sql("PRAGMA table_info(rate_limit_bucket)").all()
        if "lent" not in {column[1] for column in columns}:
            connection.execute(
                text("ALTER TABLE rate_limit_bucket ADD COLUMN lent FLOAT NOT NULL DEFAULT 0")
            )

    async with writer.begin() as connection:
        await connection.run_sync(create)
    return writer


async def run(engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """``work`` in one transaction, tried once more on a fresh connection when the first one
    turns out to be dead (SQLAlchemy then empties the pool)."""
    try:
        async with engine.begin() as connection:
            return await work(connection)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    async with engine.begin() as connection:
        return await work(connection)


def insert_for(engine: AsyncEngine) -> Callable[[Table], Any]:
    """The dialect's INSERT, which has ON CONFLICT DO UPDATE … RETURNING on both backends."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


@dataclass(frozen=True)
class Lease:
    """A download slot held by one request."""

    holder: str
    lease_id: str
    slot: int = 0


# A worker spends the units of a claim (``canopy.limits.claims``) for at most LEND_SECONDS
# after sending it. A bucket no statement has touched for QUIET_SECONDS forgets what it has
# lent: by then every worker has stopped spending it, with a margin for clocks a little apart.
# What a worker that died was holding thus comes back once its token has been quiet a while.
LEND_SECONDS = 2.0
QUIET_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Change:
    """What one statement does to a bucket (``Counters.apply``), after refilling it.

    ``take`` units are taken if the bucket holds that many, else none (the answer is then a
    refusal). Of the units taken, ``keep`` stay lent to the worker, to be spent later (the
    rest are spent by the request at hand). ``spent`` units lent earlier have been spent
    since, and ``back`` units lent earlier are given back unspent.

    The bucket keeps ``tokens + lent <= capacity``: units lent out are still in the bucket as
    far as refilling goes, so that whatever workers hold, the requests admitted in any span of
    ``t`` seconds never exceed ``capacity + refill * t``, as with one shared counter."""

    take: int = 1
    keep: int = 0
    spent: int = 0
    back: int = 0


SPEND_ONE = Change()


class Counters(Protocol):
    """Token buckets and download slots, shared by every worker."""

    async def apply(
        self, key: str, capacity: float, refill: float, change: Change, now: float
    ) -> tuple[bool, float]:
        """Refill the bucket ``key`` for the time elapsed, then make ``change``: whether its
        units were taken, and the tokens left in the bucket (units lent out not included)."""

    async def acquire(self, holder: str, limit: int, now: float, ttl: float) -> Lease | None:
        """One of ``holder``'s ``limit`` slots until ``now + ttl``, or None when all are held."""

    async def renew(self, lease: Lease, now: float, ttl: float) -> None: ...

    async def release(self, lease: Lease) -> None: ...

    async def purge(self, now: float, idle: float) -> int:
        """Forget expired slots and buckets untouched for ``idle`` seconds (full again)."""

    async def aclose(self) -> None: ...


class _greatest(ReturnTypeFromArgs[float]):
    """GREATEST(a, b): SQLite spells it ``max``."""

    name = "greatest"
    inherit_cache = True


class _least(ReturnTypeFromArgs[float]):
    """LEAST(a, b): SQLite spells it ``min``."""

    name = "least"
    inherit_cache = True


@compiles(_greatest, "sqlite")
def _greatest_sqlite(element: _greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clause_expr.element, **kw)})"


@compiles(_least, "sqlite")
def _least_sqlite(element: _least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({compiler.process(element.clause_expr.element, **kw)})"


MAX_ATTEMPTS = 64  # tries of a slot on PostgreSQL, whatever the cap


class DatabaseCounters:
    """The counters as rows, each change one atomic statement in its own transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = insert_for(engine)
        self._apply = self._apply_statement()
        self._acquire = self._acquire_statement()
        # A race lost on PostgreSQL (the free slot seen was taken by a concurrent request)
        # returns no slot: look again. SQLite runs one writer at a time, so it cannot happen.
        self._races = engine.dialect.name != "sqlite"

    def _apply_statement(self) -> Insert:
        """One ``Change`` (see its docstring), in one upsert."""
        bucket = BUCKETS

        def number(name: str) -> Any:
            return bindparam(name, type_=Double[float]())

        now, capacity, refill = number("now"), number("capacity"), number("refill")
        take, keep, spent, back = number("take"), number("keep"), number("spent"), number("back")
        # Constants written into the statement: each parameter is sent once.
        zero = literal_column("0.0", Double[float]())
        quiet = literal_column(repr(QUIET_SECONDS), Double[float]())
        lent = case((now - bucket.c.stamp >= quiet, zero), else_=bucket.c.lent)
        held = _greatest(lent - spent, zero)  # still out with the workers
        kept = _greatest(held - back, zero)  # … once what was given back is in again
        # Another worker's clock may be a little behind: time never runs backwards here.
        elapsed = _greatest(now - bucket.c.stamp, zero)
        refilled = _least(capacity - held, bucket.c.tokens + elapsed * refill)
        # Never below empty, even with more lent out than the capacity (it was just lowered).
        level = _greatest(_least(capacity - kept, refilled + back), zero)
        taken = level >= take
        statement = self._insert(bucket).values(
            key=bindparam("key", type_=String()),
            tokens=capacity - take,
            stamp=now,
            lent=keep,
            refused=false(),
        )
        statement = statement.on_conflict_do_update(
            index_elements=[bucket.c.key],
            set_={
                "tokens": level - case((taken, take), else_=zero),
                "lent": kept + case((taken, keep), else_=zero),
                "stamp": _greatest(now, bucket.c.stamp),
                "refused": ~taken,
            },
        )
        result: Insert = statement.returning(bucket.c.tokens, bucket.c.refused)
        return result

    def _acquire_statement(self) -> Executable:
        """Take the lowest of the holder's ``limit`` slots that is free or whose lease has
        expired: slot 0, or one past a live lease (the lowest free slot is always one of
        these, so there are never more candidates than live leases plus one). The conflict
        clause re-checks the expiry, so a slot another request took meanwhile is never taken
        twice: the statement then returns no row."""
        leases = LEASES
        holder = bindparam("holder", type_=String())
        now = bindparam("now", type_=Double[float]())
        live = leases.alias("live")
        candidates = union_all(
            select(literal(0, Integer).label("slot")),
            select((live.c.slot + 1).label("slot")).where(
                live.c.holder == holder, live.c.expires_at > now
            ),
        ).subquery("candidates")
        held = (
            select(literal(1))
            .where(
                leases.c.holder == holder,
                leases.c.slot == candidates.c.slot,
                leases.c.expires_at > now,
            )
            .exists()
        )
        free = (
            select(
                holder,
                candidates.c.slot,
                bindparam("lease_id", type_=String()),
                bindparam("expires_at", type_=Double()),
            )
            .where(candidates.c.slot < bindparam("limit", type_=Integer()), ~held)
            .order_by(candidates.c.slot)
            .limit(1)
        )
        statement = self._insert(leases).from_select(
            ["holder", "slot", "lease_id", "expires_at"], free
        )
        statement = statement.on_conflict_do_update(
            index_elements=[leases.c.holder, leases.c.slot],
            set_={
                "lease_id": statement.excluded.lease_id,
                "expires_at": statement.excluded.expires_at,
            },
            where=leases.c.expires_at <= now,
        )
        result: Executable = statement.returning(leases.c.slot)
        return result

    async def apply(
        self, key: str, capacity: float, refill: float, change: Change, now: float
    ) -> tuple[bool, float]:
        parameters = change_parameters(key, capacity, refill, change, now)

        async def work(connection: AsyncConnection) -> tuple[float, bool]:
            tokens, refused = (await connection.execute(self._apply, parameters)).one()
            return float(tokens), bool(refused)

        tokens, refused = await run(self._engine, work)
        return not refused, tokens

    async def acquire(self, holder: str, limit: int, now: float, ttl: float) -> Lease | None:
        lease_id = secrets.token_hex(8)
        parameters = {
            "holder": holder,
            "limit": limit,
            "lease_id": lease_id,
            "now": now,
            "expires_at": now + ttl,
        }
        statement = self._acquire

        async def work(connection: AsyncConnection) -> int | None:
            slot: int | None = (
                await connection.execute(statement, parameters)
            ).scalar_one_or_none()
            return slot

        # Each race lost is lost to a request that took a slot: after ``limit`` of them every
        # slot is held, so ``limit + 1`` tries tell a full set from bad luck. (Three, before,
        # let a fourth of four requests racing for 1 000 slots get a 429.)
        attempts = min(limit + 1, MAX_ATTEMPTS) if self._races else 1
        for _ in range(attempts):
            slot = await run(self._engine, work)
            if slot is not None:
                return Lease(holder, lease_id, slot)
        return None

    def _lease_row(self, lease: Lease) -> Any:
        leases = LEASES
        return and_(
            leases.c.holder == lease.holder,
            leases.c.slot == lease.slot,
            leases.c.lease_id == lease.lease_id,
        )

    async def renew(self, lease: Lease, now: float, ttl: float) -> None:
        statement = update(LEASES).where(self._lease_row(lease)).values(expires_at=now + ttl)
        await run(self._engine, lambda connection: connection.execute(statement))

    async def release(self, lease: Lease) -> None:
        statement = delete(LEASES).where(self._lease_row(lease))
        await run(self._engine, lambda connection: connection.execute(statement))

    async def purge(self, now: float, idle: float) -> int:
        leases = LEASES
        buckets = BUCKETS

        async def work(connection: AsyncConnection) -> int:
            expired = await connection.execute(delete(leases).where(leases.c.expires_at <= now))
            unused = await connection.execute(delete(buckets).where(buckets.c.stamp < now - idle))
            return int(expired.rowcount or 0) + int(unused.rowcount or 0)

        return await run(self._engine, work)

    async def aclose(self) -> None:
        """The engine belongs to the caller."""


def change_parameters(
    key: str, capacity: float, refill: float, change: Change, now: float
) -> dict[str, Any]:
    return {
        "key": key,
        "capacity": capacity,
        "refill": refill,
        "take": change.take,
        "keep": change.keep,
        "spent": change.spent,
        "back": change.back,
        "now": now,
    }
