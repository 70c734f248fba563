"""API tokens: minted with a scope set, shown once, kept as a digest, revocable."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import scopes as scope_rules
from canopy.auth import new_token_secret, token_digest
from canopy.errors import not_found, validation_failed
from canopy.models import ApiToken, User
from canopy.models.base import utcnow

MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def parse_scopes(raw: Iterable[str]) -> list[str]:
    """Scope names and the words of :data:`canopy.scopes.WORDS` (``all``: every scope but the
    partnership ones; ``partner``: those), in any mix, as a sorted set."""
    wanted = [s.strip() for s in raw if s.strip()]
    if not wanted:
        raise validation_failed("scopes is missing")
    named = [s for s in wanted if s not in scope_rules.WORDS]
    bad = scope_rules.unknown(named)
    if bad:
        raise validation_failed(f"unknown scope(s): {', '.join(bad)}")
    chosen = {scope_rules.normalize(s) for s in named}
    for word in wanted:
        chosen.update(scope_rules.WORDS.get(word, ()))
    return sorted(chosen)


async def issue(
    session: AsyncSession,
    user: User,
    scopes: Iterable[str],
    *,
    name: str = "api",
    expires_in_days: int | None = None,
) -> IssuedToken:
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise validation_failed(f"expires-in-days must be between 1 and {MAX_EXPIRY_DAYS}")
    secret = new_token_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        hint=secret[:8],
        digest=token_digest(secret),
        scopes=parse_scopes(scopes),
        expires_at=(utcnow() + timedelta(days=expires_in_days)) if expires_in_days else None,
    )
    session.add(token)
    await session.flush()
    return IssuedToken(token=token, secret=secret)


async def list_tokens(session: AsyncSession, user: User | None = None) -> Sequence[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return (await session.scalars(stmt)).all()


async def revoke(session: AsyncSession, token_id: int) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise not_found("Token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
    return token
