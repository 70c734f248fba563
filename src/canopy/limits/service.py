"""The limits of a running app: opened with it, consulted once the request's token is known
(``admit``, called by ``canopy.auth.authenticate``), and applied around each
request by ``LimitsMiddleware``. The rules themselves are in ``ratelimit`` and
``idempotency``."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from canopy.config import Settings
from canopy.errors import ApiError
from canopy.limits import direct, store
from canopy.limits.idempotency import IdempotencyStore, Pending, Refused, Replay
from canopy.limits.middleware import LimitsMiddleware
from canopy.limits.policy import Policy
from canopy.limits.ratelimit import DownloadGate, RateLimiter, show, too_many
from canopy.limits.redis import RedisCounters

logger = logging.getLogger("canopy.limits")

PURGE_EVERY = 600.0  # seconds between a worker's opportunistic purges
SCOPE_LENGTH = 32  # hex digits of the token digest that name its buckets, slots and keys


class Limits:
    """The app's rate limiter and Idempotency-Key store, and the engine they share."""

    def __init__(
        self,
        engine: AsyncEngine,
        limiter: RateLimiter,
        idempotency: IdempotencyStore,
        temp_dir: Path | None,
    ) -> None:
        self.engine = engine
        self.limiter = limiter
        self.idempotency = idempotency
        self.temp_dir = temp_dir
        self._last_purge = time.monotonic()
        self._purging: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, settings: Settings, temp_dir: Path | None = None) -> Limits:
        engine = await store.open_engine(settings)
        counters: store.Counters
        if settings.redis_url:
            counters = RedisCounters(
                settings.redis_url, settings.redis_prefix, settings.redis_timeout
            )
        elif settings.is_sqlite:
            counters = direct.SQLiteCounters(engine)
        elif engine.dialect.driver == "asyncpg":
            counters = direct.PostgresCounters(engine)
        else:
            counters = store.DatabaseCounters(engine)
        limiter = RateLimiter(
            counters,
            api=Policy("api", settings.rate_limit_capacity, settings.rate_limit_refill_per_second),
            downloads=Policy(
                "downloads",
                settings.rate_limit_download_capacity,
                settings.rate_limit_download_refill_per_second,
            ),
            concurrency=settings.rate_limit_download_concurrency,
            lease_seconds=settings.rate_limit_lease_seconds,
            batch=settings.rate_limit_batch,
        )
        idempotency = IdempotencyStore(
            engine,
            ttl=timedelta(seconds=settings.idempotency_ttl_seconds),
            lock=timedelta(seconds=settings.idempotency_lock_seconds),
        )
        return cls(engine, limiter, idempotency, temp_dir)

    async def aclose(self) -> None:
        for task in list(self._purging):
            task.cancel()
        await asyncio.gather(*self._purging, return_exceptions=True)
        await self.limiter.aclose()
        await self.limiter.counters.aclose()
        await self.engine.dispose()

    def gate(self, state: dict[str, Any]) -> DownloadGate:
        return DownloadGate(self.limiter, state)

    async def count(self, request: Request, holder: str) -> None:
        """Count the request against its token's budget: 429 when it is spent."""
        self._maybe_purge()
        decision = await self.limiter.count(holder)
        if decision is None:
            return
        show(request.scope.setdefault("state", {}), decision)
        if not decision.allowed:
            raise too_many(decision, "requests")

    async def claim(self, request: Request, holder: str) -> None:
        """Give the request's download gate its token, and claim its Idempotency-Key, if it
        has one (400 for a malformed key; 409, 422 or the kept answer when it is taken)."""
        state: dict[str, Any] = request.scope.setdefault("state", {})
        gate = state.get("download_gate")
        if isinstance(gate, DownloadGate):
            gate.holder = holder
        pending = state.get("idempotency")
        if isinstance(pending, Refused):
            raise ApiError(400, pending.description)
        if isinstance(pending, Pending):
            state["idempotency_claim"] = await self.idempotency.claim(holder, pending)

    def _maybe_purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = time.monotonic()
        task = asyncio.get_running_loop().create_task(self._purge_quietly())
        self._purging.add(task)
        task.add_done_callback(self._purging.discard)

    async def _purge_quietly(self) -> None:
        try:
            await self.purge()
        except Exception:
            logger.exception("purge of expired limits failed")

    async def purge(self) -> dict[str, int]:
        """Delete expired Idempotency-Keys, lapsed download slots and idle buckets."""
        return {
            "idempotency_keys": await self.idempotency.purge(),
            "counters": await self.limiter.purge(),
        }


def _limits(request: Request) -> Limits | None:
    limits = getattr(request.app.state, "limits", None)
    return limits if isinstance(limits, Limits) else None


async def admit(request: Request, token_digest: str) -> None:
    """What ``authenticate`` calls once the token is valid: count the request against the
    token's rate limit (429), then claim its Idempotency-Key, if any (400, 409, 422, or the
    kept answer sent again)."""
    limits = _limits(request)
    if limits is None:
        return
    holder = token_digest[:SCOPE_LENGTH]
    await limits.count(request, holder)
    await limits.claim(request, holder)


def install(app: FastAPI) -> None:
    """The middleware and the handler that sends a kept answer again. Installed before the
    request middleware, so that it runs inside it: request bodies are capped before they are
    read ahead here, and the rate-limit headers go on every answer, a 500 included."""

    async def replay(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, Replay)
        return exc.response()

    app.add_exception_handler(Replay, replay)
    app.add_middleware(LimitsMiddleware)
