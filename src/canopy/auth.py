"""Who is calling: token → user → memberships → scopes, and the scope checks of each route."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy import scopes as scope_rules
from canopy.db import SessionDep, after_commit
from canopy.errors import invalid_scope, unauthorized
from canopy.models import ApiToken, Membership, Role
from canopy.models.base import utcnow
from canopy.references import ALPHANUMERIC

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


async def authenticate(request: Request, session: SessionDep) -> Principal:
    """The caller's principal, or 401. Runs before any parameter validation (§15.1)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    secret = _bearer(request)
    if secret is None:
        raise unauthorized("The access token is missing")
    digest = token_digest(secret)
    token = await session.scalar(select(ApiToken).where(ApiToken.digest == digest))
    # The lookup is by digest; comparing again in constant time keeps the check itself
    # independent of how the index compares strings.
    if token is None or not hmac.compare_digest(token.digest, digest):
        raise unauthorized("The access token is invalid")
    now = utcnow()
    if token.revoked_at is not None:
        raise unauthorized("The access token has been revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise unauthorized("The access token has expired")
    rows = await session.execute(
        select(Membership.organization_id, Membership.role).where(
            Membership.user_id == token.user_id
        )
    )
    principal = Principal(
        token_id=token.id,
        user_id=token.user_id,
        scopes=scope_rules.expand(token.scopes),
        roles={org_id: role for org_id, role in rows},
    )
    request.state.principal = principal
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # Recorded after the response, in its own short transaction: the request's own
        # transaction never waits on (or holds) the token row for this bookkeeping.
        maker: async_sessionmaker[AsyncSession] = request.app.state.write_sessionmaker
        after_commit(session, partial(_touch, maker, token.id, now))
    return principal


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
    """The same check inside a handler, for scopes that only some parameters need."""
    for group in groups:
        alternatives = (group,) if isinstance(group, str) else group
        if not principal.has_any(*alternatives):
            raise invalid_scope(f"{reason} requires the {describe(group)} scope")


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]

__all__ = ["CurrentPrincipal", "Principal", "authenticate", "check", "require"]
