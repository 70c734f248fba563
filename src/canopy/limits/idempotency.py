"""``Idempotency-Key`` on POST: a client may retry a request whose answer it never got without
doing the work twice, as with Stripe.

- Any POST made with a token may carry ``Idempotency-Key``: 1 to 255 visible ASCII characters
  (a UUID, say); anything else is a 400 (after authentication, like every other check). Other
  methods ignore the header: they are safe or idempotent already.
- Keys belong to the token (to its digest, so that a token made later can never inherit one):
  two tokens never see each other's keys.
- The first request with a key claims it and runs. The same key again, with the same token:
  - for a different request (method, path, query, content type or body; the token itself and
    a multipart body's boundary, which clients draw at random, do not count): 422
    ``unprocessable``;
  - while the first request still runs: 409 ``conflict``, with ``Retry-After: 1``;
  - once it has finished: its answer again (status, body and the headers that describe it:
    Content-Type, Location, the paging headers…) with ``Idempotent-Replayed: true``. Nothing
    runs again. ``X-Request-Id`` and the rate-limit headers are the new request's own: a replay
    counts against the rate limit, as Stripe's do.
- Which answers are kept, as Stripe decides: a 2xx, and a 4xx that is the request's own answer
  (400, 404, 413, 422…): sending it again would get the same answer, so correct the request
  and send it under a new key. Not kept, so that the same key can be sent again: a 5xx (the
  request's transaction was rolled back: nothing happened), and the 4xx that say the request
  was not carried out but may be as it is, later or elsewhere: 401, 403, 408, 409, 423, 425 and
  429.
- A kept answer lives ``CANOPY_IDEMPOTENCY_TTL_SECONDS`` (24 h) from the first request; the key
  is then free again. Expired keys are deleted as requests come (at most every ten minutes per
  worker) and by ``canopy limits purge``.
- A running request holds its key for ``CANOPY_IDEMPOTENCY_LOCK_SECONDS`` and renews the hold
  while it runs. The hold of a worker that died lapses after that long; the same request (same
  fingerprint) may then claim the key and run. The answer is recorded in a transaction of its
  own, right after the request's has committed: a worker dying between the two is the one case
  in which a retry runs the request again.

The body has to be read before the request runs to fingerprint it (``bodies``): it is kept in
memory up to 1 MB and in a temporary file beyond (the request body is capped before it gets
here, by the request middleware), then handed to the application as if it came from the
client.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.responses import Response
from starlette.types import Scope

from canopy.errors import ApiError
from canopy.limits.ratelimit import Renewer
from canopy.limits.store import KEYS, insert_for, run
from canopy.models.base import UTCDateTime, utcnow

logger = logging.getLogger("canopy.limits")

HEADER = "idempotency-key"
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
# Answers that say the request was not carried out, but may be as it is: the key stays free.
NOT_KEPT = frozenset({401, 403, 408, 409, 423, 425, 429})
# Headers of an answer that belong to one response, not to the request's result.
_NOT_REPLAYED = frozenset(
    {
        "content-length",
        "date",
        "server",
        "connection",
        "transfer-encoding",
        "set-cookie",
        "x-request-id",
        "retry-after",
        "idempotent-replayed",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-resource",
    }
)


def kept(status: int) -> bool:
    return status < 500 and status not in NOT_KEPT


@dataclass(frozen=True)
class Pending:
    """A POST's valid key and its request's fingerprint, to be claimed once authenticated."""

    key: str
    fingerprint: str


@dataclass(frozen=True)
class Refused:
    """A malformed key: a 400, once the request is authenticated."""

    description: str


def read_key(scope: Scope) -> str | Refused | None:
    values: list[bytes] = [
        value for name, value in scope["headers"] if name.lower() == HEADER.encode()
    ]
    if not values:
        return None
    if len(values) > 1:
        return Refused("Send one Idempotency-Key header, not several")
    key: str = values[0].decode("latin-1").strip()
    if not _VALID_KEY.fullmatch(key):
        return Refused("Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say)")
    return key


class Replay(Exception):
    """A finished request's answer, sent again (see the exception handler in ``install``)."""

    def __init__(self, status: int, headers: list[Any], body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.headers = [(str(name), str(value)) for name, value in headers]
        self.body = body

    def response(self) -> Response:
        response = Response(content=self.body, status_code=self.status)
        response.raw_headers = [
            *((name.encode("latin-1"), value.encode("latin-1")) for name, value in self.headers),
            (b"content-length", str(len(self.body)).encode()),
            (b"idempotent-replayed", b"true"),
        ]
        return response


class IdempotencyStore:
    """The keys' rows, each change one statement on the limits' engine."""

    def __init__(self, engine: AsyncEngine, ttl: timedelta, lock: timedelta) -> None:
        self.engine = engine
        self.ttl = ttl
        self.lock = lock
        insert = insert_for(engine)
        now = bindparam("now", type_=UTCDateTime())
        statement = insert(KEYS).values(
            scope=bindparam("scope"),
            key=bindparam("key"),
            fingerprint=bindparam("fingerprint"),
            owner=bindparam("owner"),
            locked_until=bindparam("locked_until", type_=UTCDateTime()),
            status_code=null(),
            headers=null(),
            body=null(),
            created_at=now,
            expires_at=bindparam("expires_at", type_=UTCDateTime()),
        )
        excluded = statement.excluded
        self._claim = statement.on_conflict_do_update(
            index_elements=[KEYS.c.scope, KEYS.c.key],
            set_={
                "fingerprint": excluded.fingerprint,
                "owner": excluded.owner,
                "locked_until": excluded.locked_until,
                "status_code": null(),
                "headers": null(),
                "body": null(),
                "created_at": excluded.created_at,
                "expires_at": excluded.expires_at,
            },
            # An expired key is anybody's; a lapsed hold, the same request's.
            where=or_(
                KEYS.c.expires_at <= now,
                and_(
                    KEYS.c.status_code.is_(None),
                    KEYS.c.locked_until <= now,
                    KEYS.c.fingerprint == excluded.fingerprint,
                ),
            ),
        ).returning(KEYS.c.owner)

    def _row(self, scope: str, key: str) -> Any:
        return and_(KEYS.c.scope == scope, KEYS.c.key == key)

    async def claim(self, scope: str, pending: Pending) -> Claim:
        """The key for this request, or the answer to give instead: 409, 422 or a replay."""
        for _ in range(3):
            now = utcnow()
            owner = secrets.token_hex(16)
            parameters = {
                "scope": scope,
                "key": pending.key,
                "fingerprint": pending.fingerprint,
                "owner": owner,
                "locked_until": now + self.lock,
                "now": now,
                "expires_at": now + self.ttl,
            }

            async def take(
                connection: AsyncConnection, parameters: dict[str, Any] = parameters
            ) -> Any:
                return (await connection.execute(self._claim, parameters)).scalar_one_or_none()

            if await run(self.engine, take) == owner:
                return Claim(self, scope, pending.key, owner)
            found = select(
                KEYS.c.fingerprint,
                KEYS.c.status_code,
                KEYS.c.headers,
                KEYS.c.body,
                KEYS.c.locked_until,
                KEYS.c.expires_at,
            ).where(self._row(scope, pending.key))

            async def look(connection: AsyncConnection, found: Any = found) -> Any:
                return (await connection.execute(found)).one_or_none()

            row = await run(self.engine, look)
            if row is None or row.expires_at <= now:
                continue  # released or expired meanwhile: claim it again
            if row.fingerprint != pending.fingerprint:
                raise ApiError(
                    422,
                    "This Idempotency-Key was first used for a different request (method, "
                    "path, query or body): use a new key for a new request",
                )
            if row.status_code is None:
                if row.locked_until is not None and row.locked_until <= now:
                    continue  # the hold lapsed meanwhile: claim it again
                break
            raise Replay(row.status_code, row.headers or [], row.body or b"")
        raise ApiError(
            409,
            "A request with this Idempotency-Key is still in progress: retry once it has finished",
            headers={"Retry-After": "1"},
        )

    async def _execute(self, statement: Any) -> None:
        async def work(connection: AsyncConnection) -> None:
            await connection.execute(statement)

        await run(self.engine, work)

    async def renew(self, scope: str, key: str, owner: str) -> None:
        await self._execute(
            update(KEYS)
            .where(self._row(scope, key), KEYS.c.owner == owner, KEYS.c.status_code.is_(None))
            .values(locked_until=utcnow() + self.lock)
        )

    async def finish(
        self, scope: str, key: str, owner: str, status: int, headers: list[Any], body: bytes
    ) -> None:
        await self._execute(
            update(KEYS)
            .where(self._row(scope, key), KEYS.c.owner == owner, KEYS.c.status_code.is_(None))
            .values(status_code=status, headers=headers, body=body, locked_until=None)
        )

    async def release(self, scope: str, key: str, owner: str) -> None:
        await self._execute(
            delete(KEYS).where(
                self._row(scope, key), KEYS.c.owner == owner, KEYS.c.status_code.is_(None)
            )
        )

    async def purge(self, now: datetime | None = None) -> int:
        """Delete the keys past their lifetime."""
        statement = delete(KEYS).where(KEYS.c.expires_at <= (now or utcnow()))

        async def work(connection: AsyncConnection) -> int:
            return int((await connection.execute(statement)).rowcount or 0)

        return await run(self.engine, work)


class Claim:
    """A key held by the running request; records its answer as it is sent, and keeps it (or
    frees the key) before the last byte goes out, so that a retry arriving the moment the
    client has its answer finds it."""

    def __init__(self, store: IdempotencyStore, scope: str, key: str, owner: str) -> None:
        self._store = store
        self._scope = scope
        self._key = key
        self._owner = owner
        self._renewer = Renewer(
            store.lock.total_seconds() / 3, lambda: store.renew(scope, key, owner)
        )
        self.settled = False
        self._status = 500
        self._headers: list[list[str]] = []
        self._body = bytearray()

    def started(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self._status = status
        self._headers = [
            [name.decode("latin-1").lower(), value.decode("latin-1")]
            for name, value in headers
            if name.decode("latin-1").lower() not in _NOT_REPLAYED
        ]

    def received(self, chunk: bytes) -> None:
        # A POST's answer is a JSON document the application built whole in memory already.
        self._body += chunk

    async def settle(self) -> None:
        """The whole answer is known: keep it, or free the key."""
        if self.settled:
            return
        self.settled = True
        await self._renewer.stop()
        try:
            if kept(self._status):
                await self._store.finish(
                    self._scope,
                    self._key,
                    self._owner,
                    self._status,
                    self._headers,
                    bytes(self._body),
                )
            else:
                await self._store.release(self._scope, self._key, self._owner)
        except Exception:
            # The hold lapses by itself; a retry may then run the request again.
            logger.exception("Idempotency-Key result not recorded")

    async def abandon(self) -> None:
        """The request ended without a complete answer (an unexpected error, cancelled): free
        the key, as after a 5xx."""
        if self.settled:
            return
        self._status = 500
        await self.settle()
