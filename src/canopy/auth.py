"""Who is calling: token → user → memberships → scopes, and the scope checks of each route."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated, TypeVar

import orjson
from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy import scopes as scope_rules
from canopy.errors import invalid_scope, unauthorized
from canopy.limits import service as limits
from canopy.models import ApiToken, Role
from canopy.models.base import utcnow
from canopy.rawdb import RawReader, utc
from canopy.references import ALPHANUMERIC

T = TypeVar("T")

TOKEN_PREFIX = "cnp_"  # noqa: S105 - a public prefix, not a secret
TOKEN_SECRET_LENGTH = 43  # base62: about 256 bits
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_token_secret() -> str:
    return TOKEN_PREFIX + "".join(secrets.choice(ALPHANUMERIC) for _ in range(TOKEN_SECRET_LENGTH))


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    token_id: int
    user_id: int
    scopes: frozenset[str]
    roles: dict[int, Role] = field(default_factory=dict)  # organization id → role

    @property
    def organization_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def has_any(self, *wanted: str) -> bool:
        return any(s in self.scopes for s in wanted)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise unauthorized("The Authorization header must be 'Bearer <token>'")
        return value.strip()
    return request.query_params.get("access_token") or None


# The token and its user's memberships in one statement (a row per membership, or one row
# with none), read with the bare driver (canopy.rawdb): no ORM session is opened for it.
_CALLER = (
    "SELECT t.id, t.user_id, t.digest, t.scopes, t.revoked_at, t.expires_at, t.last_used_at, "
    "m.organization_id, m.role{companion} "
    "FROM api_token AS t LEFT JOIN membership AS m ON m.user_id = t.user_id{joined} "
    "WHERE t.digest = $1"
)
_CALLER_ALONE = _CALLER.format(companion="", joined="")
_CALLER_COLUMNS = 9


@dataclass(frozen=True)
class Companion:
    """A lookup of at most one row that a route's requests make right after authenticating
    (the versions of what a cached read renders, say), folded into the token's statement:
    one round trip instead of two. ``sql`` selects the ``columns`` columns, named ``c1``…
    and ``$2`` its parameter when ``argument`` (which reads it from the request) is given."""

    sql: str
    columns: int
    argument: Callable[[Request], str | None] | None = None

    @property
    def statement(self) -> str:
        names = ", ".join(f"x.c{n}" for n in range(1, self.columns + 1))
        return _CALLER.format(
            companion=", " + names, joined=f" LEFT JOIN ({self.sql}) AS x ON 1 = 1"
        )


@dataclass(frozen=True)
class Companioned:
    """What a companion found for this request: its argument and its row (None: none)."""

    companion: Companion
    argument: object
    row: tuple[object, ...] | None


# The companion of each route (by its endpoint function).
_COMPANIONS: dict[Callable[..., object], tuple[Companion, str]] = {}


def with_companion(companion: Companion) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A decorator for a route's endpoint: its requests look ``companion`` up along with
    their token (:func:`companioned` gives what it found)."""

    def register(endpoint: Callable[..., T]) -> Callable[..., T]:
        _COMPANIONS[endpoint] = (companion, companion.statement)
        return endpoint

    return register


def companioned(request: Request, companion: Companion, argument: object) -> Companioned | None:
    """What ``companion`` found with the token for ``argument``; None when it was not looked
    up for this request (another route, another argument)."""
    found = getattr(request.state, "companioned", None)
    if (
        isinstance(found, Companioned)
        and found.companion is companion
        and found.argument == argument
    ):
        return found
    return None


async def authenticate(request: Request, background: BackgroundTasks) -> Principal:
    """The caller's principal, or 401. Runs before any parameter validation (§15.1).

    One statement on a connection of its own, outside the request's transaction: a write
    request is admitted or refused (by the limits too) before it queues for SQLite's write
    lock, and a read answered from the response cache opens no session at all."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    secret = _bearer(request)
    if secret is None:
        raise unauthorized("The access token is missing")
    digest = token_digest(secret)
    reader: RawReader = request.app.state.raw_reader
    registered = _COMPANIONS.get(request.scope.get("endpoint"))  # type: ignore[arg-type]
    if registered is None:
        rows = await reader.lookup(_CALLER_ALONE, digest)
    else:
        companion, statement = registered
        argument = companion.argument(request) if companion.argument is not None else None
        if companion.argument is not None and (not isinstance(argument, str) or "\x00" in argument):
            # No such parameter, or one no text column holds: the route answers it.
            rows = await reader.lookup(_CALLER_ALONE, digest)
        else:
            args = (digest,) if companion.argument is None else (digest, argument)
            rows = await reader.lookup(statement, *args)
            if rows:
                extra = tuple(rows[0][_CALLER_COLUMNS:])
                request.state.companioned = Companioned(
                    companion, argument, None if all(v is None for v in extra) else extra
                )
    # The lookup is by digest; comparing again in constant time keeps the check itself
    # independent of how the index compares strings.
    if not rows or not hmac.compare_digest(rows[0][2], digest):
        raise unauthorized("The access token is invalid")
    token_id, user_id, _, token_scopes, revoked_at, expires_at, last_used_at = rows[0][:7]
    now = utcnow()
    if revoked_at is not None:
        raise unauthorized("The access token has been revoked")
    expires = utc(expires_at)
    if expires is not None and expires <= now:
        raise unauthorized("The access token has expired")
    principal = Principal(
        token_id=token_id,
        user_id=user_id,
        scopes=_expanded(token_scopes),
        roles={row[7]: Role(row[8]) for row in rows if row[7] is not None},
    )
    # Rate limit and Idempotency-Key (429, 400, 409, 422, or a kept answer sent again).
    await limits.admit(request, digest)
    request.state.principal = principal
    last_used = utc(last_used_at)
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        # Recorded after the response, in its own short transaction: the request's own
        # transaction never waits on (or holds) the token row for this bookkeeping.
        maker: async_sessionmaker[AsyncSession] = request.app.state.write_sessionmaker
        background.add_task(_touch, maker, token_id, now)
    return principal


@lru_cache(maxsize=1024)
def _expanded(scopes_json: str) -> frozenset[str]:
    """A token's scopes column (JSON text) with the implied scopes: tokens share a few sets."""
    return scope_rules.expand(orjson.loads(scopes_json))


async def _touch(maker: async_sessionmaker[AsyncSession], token_id: int, when: datetime) -> None:
    async with maker() as session, session.begin():
        await session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when)
        )


ScopeGroup = str | tuple[str, ...]


def describe(group: ScopeGroup) -> str:
    if isinstance(group, str):
        return group
    return " or ".join(group)


def require(*groups: ScopeGroup) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates, then checks that every group is held; a group is a
    scope or a tuple of alternatives. ``_r`` is satisfied by ``_rw``."""

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        for group in groups:
            alternatives = (group,) if isinstance(group, str) else group
            if not principal.has_any(*alternatives):
                raise invalid_scope(f"This endpoint requires the {describe(group)} scope")
        return principal

    dependency.__name__ = "require_" + "_".join(
        g if isinstance(g, str) else "_or_".join(g) for g in groups
    )
    return dependency


def check(principal: Principal, *groups: ScopeGroup, reason: str) -> None:
    """The same check inside a handler, for a parameter that needs a scope of its own. An
    inclusion flag never comes here: without its scope its block is left out of the answer
    (each domain's ``effective_flags``), never refused (§15.2)."""
    for group in groups:
        alternatives = (group,) if isinstance(group, str) else group
        if not principal.has_any(*alternatives):
            raise invalid_scope(f"{reason} requires the {describe(group)} scope")


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]

__all__ = ["CurrentPrincipal", "Principal", "authenticate", "check", "require"]
