"""Per-token rate limits: a token bucket for every request, and for requests that download
remote files a tighter bucket and a cap on how many run at once.

A token bucket holds up to ``capacity`` requests (the burst) and refills continuously at
``refill`` per second: a client may send a burst at once, then keep to the refill rate. It is
what GitHub and Stripe clients are written for: every answer to an authenticated request
carries where the caller stands, and a refusal says when to come back:

- ``X-RateLimit-Limit``: the capacity; ``X-RateLimit-Remaining``: requests that may be sent
  now; ``X-RateLimit-Reset``: when the bucket is full again, in Unix seconds (as GitHub's);
  ``X-RateLimit-Resource``: which budget the figures describe, ``api`` or ``downloads``.
- ``429 rate_limited`` with ``Retry-After`` (seconds until one request is allowed again).

The first remote download of a request (documents, email attachments, a candidate's resume,
portfolio or avatar, organisation images: everything that goes through
``files.service.fetch_all``) takes one of the token's download slots, held until the request
ends, then spends one unit of the download budget; the request's headers then describe the
download budget. No free slot, or an empty budget: 429. Requests that download nothing never
touch either, whatever their route.

Requests without a valid token (the public embed, signed file links, the probes, 401s) are not
counted: the embed and the file links are fetched by browsers from anywhere, many of them
behind one address, and only the reverse proxy in front of Canopy knows a client's real
address; a per-address limit belongs there. Guessing tokens is hopeless (256-bit secrets), and
a refused token costs one indexed lookup, no more than counting it would.

Every worker counts against the same buckets, but not with a write per request: it claims a
few units of a token's bucket at once and spends them in-process (``canopy.limits.claims``),
without weakening the budget (across workers, never more than ``capacity + refill × t`` in any
``t`` seconds); ``X-RateLimit-Remaining`` is then the worker's estimate. Downloads, a write
each already, are counted one by one.

If the counters cannot be reached (Redis down), requests are let through and the failure is
logged, and the counters are left alone for a few seconds: the limits protect the service,
they must not take it down, nor slow every request by a connection timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from canopy.errors import ApiError
from canopy.limits.claims import Claims
from canopy.limits.policy import Decision, Policy
from canopy.limits.store import SPEND_ONE, Counters, Lease
from canopy.middleware import RESPONSE_HEADERS

logger = logging.getLogger("canopy.limits")

RETRY_UNREACHABLE_AFTER = 5.0  # seconds the counters are left alone after a failure


def show(state: dict[str, Any], decision: Decision) -> None:
    """Put ``decision``'s figures on the response, whatever it turns out to be."""
    state.setdefault(RESPONSE_HEADERS, {}).update(decision.headers())


class RateLimiter:
    def __init__(
        self,
        counters: Counters,
        api: Policy,
        downloads: Policy,
        concurrency: int,
        lease_seconds: float,
        batch: int = 1,
    ) -> None:
        self.counters = counters
        self.api = api
        self.downloads = downloads
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        # Every request spends from the api budget: in batches claimed per worker (see
        # ``canopy.limits.claims``). A download spends from its own budget, one write each.
        self._claims = Claims(counters, api, batch) if api.enabled else None
        self._down_until = 0.0

    def _reachable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _unreachable(self, what: str) -> None:
        # Not asked again for a few seconds: a dead Redis must not add its timeout to every
        # request.
        self._down_until = time.monotonic() + RETRY_UNREACHABLE_AFTER
        logger.exception("%s unreachable: let through", what)

    async def count(self, holder: str) -> Decision | None:
        """Count one request of ``holder`` against the api budget; None when it is off or
        the counters could not be reached. Most requests are counted in-process."""
        claims = self._claims
        if claims is None:
            return None
        decision = claims.spend(holder)
        if decision is not None:
            return decision
        if not self._reachable():
            return None
        try:
            return await claims.count(holder)
        except Exception:
            self._unreachable("rate limit counters")
            return None

    async def hit(self, policy: Policy, holder: str) -> Decision | None:
        """Count one request of ``holder`` against ``policy`` in the shared bucket itself;
        None when the policy is off or the counters could not be reached."""
        if not policy.enabled or not self._reachable():
            return None
        now = time.time()
        try:
            allowed, tokens = await self.counters.apply(
                f"{policy.resource}:{holder}", policy.capacity, policy.refill, SPEND_ONE, now
            )
        except Exception:
            self._unreachable("rate limit counters")
            return None
        return Decision(policy, allowed, tokens, now)

    async def acquire(self, holder: str) -> Lease | bool | None:
        """A download slot; True when there is no cap (or the counters are unreachable),
        None when every slot is held."""
        if self.concurrency <= 0 or not self._reachable():
            return True
        try:
            return await self.counters.acquire(
                holder, self.concurrency, time.time(), self.lease_seconds
            )
        except Exception:
            self._unreachable("download slots")
            return True

    async def renew(self, lease: Lease) -> None:
        await self.counters.renew(lease, time.time(), self.lease_seconds)

    async def release(self, lease: Lease) -> None:
        try:
            await self.counters.release(lease)
        except Exception:
            # The lease expires by itself after lease_seconds.
            logger.exception("download slot not released")

    async def purge(self) -> int:
        idle = max(self.api.full_after, self.downloads.full_after) + 60
        return await self.counters.purge(time.time(), idle)

    async def aclose(self) -> None:
        """Give the units this worker holds back; the counters belong to the caller."""
        if self._claims is not None:
            await self._claims.aclose()


def too_many(decision: Decision, what: str) -> ApiError:
    seconds = decision.retry_after
    return ApiError(
        429,
        f"Too many {what} for this token ({decision.policy.describe()}): "
        f"retry in {seconds} second{'s' if seconds != 1 else ''}",
        headers={"Retry-After": str(seconds)},
    )


class Renewer:
    """Calls ``renew`` every ``every`` seconds until stopped: what keeps a lease (or an
    Idempotency-Key's lock) of a live request from expiring, while one of a worker that died
    expires on time."""

    def __init__(self, every: float, renew: Callable[[], Awaitable[None]]) -> None:
        self._every = every
        self._renew = renew
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self._renew()
            except Exception:
                logger.exception("lease not renewed")

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class DownloadGate:
    """One request's way to its downloads (``files.service.DownloadGate``): the request's
    first download takes a slot and spends from the download budget, later ones pass; the
    slot is released when the request ends (``close``), however it ends."""

    def __init__(self, limiter: RateLimiter, state: dict[str, Any]) -> None:
        self._limiter = limiter
        self._state = state
        self.holder: str | None = None  # set once the request's token is known
        self._entered = False
        self._lease: Lease | None = None
        self._renewer: Renewer | None = None

    async def enter(self) -> None:
        if self._entered or self.holder is None:
            return
        limiter = self._limiter
        lease = await limiter.acquire(self.holder)
        if lease is None:
            raise ApiError(
                429,
                "Too many downloads in progress for this token (at most "
                f"{limiter.concurrency} at once): retry once one has finished",
                headers={"Retry-After": "1"},
            )
        if isinstance(lease, Lease):
            self._lease = lease
            self._renewer = Renewer(limiter.lease_seconds / 3, lambda: limiter.renew(lease))
        decision = await limiter.hit(limiter.downloads, self.holder)
        if decision is not None:
            show(self._state, decision)
            if not decision.allowed:
                await self.close()
                raise too_many(decision, "downloads")
        self._entered = True

    async def close(self) -> None:
        renewer, lease = self._renewer, self._lease
        self._renewer = self._lease = None
        if renewer is not None:
            await renewer.stop()
        if lease is not None:
            await self._limiter.release(lease)
