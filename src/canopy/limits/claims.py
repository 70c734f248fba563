"""A worker's share of the per-token buckets: units claimed from the shared bucket a few at a
time and spent in-process, so that most requests are counted without a round trip.

Counting every request in the shared bucket costs a write per request (under load, about
0.3 ms added to a request on the SQLite side file and 0.8 ms on PostgreSQL: more than answering
a cached read). Instead, when a request
finds that its worker holds no unit of its token, the worker claims a batch in one write
(``Change(take=k, keep=k - 1)``: one for the request, the rest kept), and the next requests of
that token on that worker spend the kept units without asking anyone. Requests arriving while
a claim is in flight wait for it rather than send their own.

- The batch adapts to what the bucket holds: ``k`` is 1/``SHARE`` of its level as last seen, at
  most ``batch`` (``CANOPY_RATE_LIMIT_BATCH``), at least 1. A full bucket of 120 gives 7, one
  of 10⁹ gives 16; below ``2 * SHARE`` units every claim is of one unit, so that the last
  units are counted one by one and shared fairly between workers, and budgets that small are
  counted exactly as with one counter. A claim the bucket cannot grant whole is asked again
  smaller, then for one unit: only a refusal of one unit is a 429.
- Units are not spent longer than ``LEND_SECONDS`` after their claim was sent, and go back to
  the bucket (a write that gives them back and reports what was spent) once the token has
  sent this worker nothing for ``IDLE_SECONDS``, when their time is up, and at shutdown. A
  worker that dies with units loses them for a few seconds only (``store.QUIET_SECONDS``).
- The bucket counts the units lent out as still its own when it refills (``store.Change``):
  however many workers hold units, the requests admitted across all of them in any span of
  ``t`` seconds never exceed ``capacity + refill * t``. A batch only moves some of a token's
  units to where its requests arrive; it admits nothing the shared counter would not.

What a worker's batch changes is what callers see, and only a little:

- ``X-RateLimit-Remaining`` is this worker's estimate: the shared bucket as it saw it at its
  last claim, refilled since at the refill rate, plus the units it still holds. What other
  workers have spent since is not in it, so with several workers it may say more than there
  is (never more than the capacity); the requests it admits are still bounded as above.
  With one worker, or budgets small enough to be counted one by one, it is exact.
- A request may be refused while another worker still holds a few units of its token (at most
  1/``SHARE`` of the bucket each): they are spent by that worker's next requests, or come back
  within ``IDLE_SECONDS``. ``Retry-After`` is computed from the shared bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from canopy.limits.policy import Decision, Policy
from canopy.limits.store import LEND_SECONDS, Change, Counters

logger = logging.getLogger("canopy.limits")

# A claim takes at most 1/SHARE of what the bucket holds: four workers busy with one token hold
# at most a quarter of it between them.
SHARE = 16
IDLE_SECONDS = 1.0  # units a token has not used on this worker this long go back
SWEEP_SECONDS = IDLE_SECONDS / 2
FORGET_SECONDS = 60.0  # a token's pocket is dropped after this long without a request
SHUTDOWN_SECONDS = 5.0  # how long a stopping worker tries to give its units back


class _Claim:
    """A claim in flight, which other requests of the token on this worker wait for."""

    __slots__ = ("done", "failed", "refusal")

    def __init__(self) -> None:
        self.done = asyncio.Event()
        # A refusal is shared by the requests that waited for it; after a grant they spend
        # what it brought, or claim again.
        self.refusal: Decision | None = None
        # The counters could not be reached: those waiting are let through too. (When the
        # request that sent it was cancelled instead, they claim again.)
        self.failed = False


class _Pocket:
    """One token's units on this worker."""

    __slots__ = ("claim", "level", "seen", "spent", "units", "until", "used")

    def __init__(self) -> None:
        self.units = 0  # claimed, not spent yet
        self.spent = 0  # units spent since the shared bucket last heard from this worker
        self.until = 0.0  # monotonic time after which ``units`` may no longer be spent
        self.used = time.monotonic()  # monotonic time of the last request
        self.level: float | None = None  # the shared bucket's tokens, as last seen
        self.seen = 0.0  # when they were seen (Unix time)
        self.claim: _Claim | None = None


class Claims:
    """This worker's units of each token's ``policy`` bucket (keys are the holders)."""

    def __init__(self, counters: Counters, policy: Policy, batch: int) -> None:
        self._counters = counters
        self._policy = policy
        self._batch = max(1, batch)
        self._pockets: dict[str, _Pocket] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._closed = False

    def spend(self, holder: str) -> Decision | None:
        """One of the units this worker holds for ``holder``, spent without a round trip;
        None when it holds none (``count`` then claims some)."""
        pocket = self._pockets.get(holder)
        if pocket is None or pocket.units <= 0:
            return None
        clock = time.monotonic()
        if clock >= pocket.until:
            return None
        pocket.units -= 1
        pocket.spent += 1
        pocket.used = clock
        now = time.time()
        return Decision(self._policy, True, self._estimate(pocket, now), now)

    def _estimate(self, pocket: _Pocket, now: float) -> float:
        """The tokens left as this worker sees them (see the module's docstring)."""
        policy = self._policy
        shared = (pocket.level or 0.0) + policy.refill * max(0.0, now - pocket.seen)
        return min(policy.capacity - pocket.units, shared) + pocket.units

    async def count(self, holder: str) -> Decision | None:
        """Count one request of ``holder``: from this worker's units, else from a claim on
        the shared bucket (its own, or one in flight that it waits for). None when the
        claim waited for failed; raises what the counters raise."""
        while True:
            decision = self.spend(holder)
            if decision is not None:
                return decision
            pocket = self._pockets.get(holder)
            if pocket is None:
                pocket = self._pockets[holder] = _Pocket()
                self._sweep_soon()
            claim = pocket.claim
            if claim is None:
                return await self._claim(holder, pocket)
            await claim.done.wait()
            if claim.refusal is not None:
                return claim.refusal
            if claim.failed:
                return None

    async def _claim(self, holder: str, pocket: _Pocket) -> Decision:
        claim = pocket.claim = _Claim()
        try:
            decision = await self._ask(holder, pocket)
        except Exception:
            claim.failed = True
            raise
        else:
            if not decision.allowed:
                claim.refusal = decision
            return decision
        finally:
            pocket.claim = None
            claim.done.set()

    async def _ask(self, holder: str, pocket: _Pocket) -> Decision:
        policy = self._policy
        key = f"{policy.resource}:{holder}"
        # Units whose time is up go back with the claim, which also reports what was spent.
        back, spent = pocket.units, pocket.spent
        pocket.units = pocket.spent = 0
        now = time.time()
        clock = time.monotonic()
        take = self._size(pocket, now)
        attempt = 0
        while True:
            change = Change(take=take, keep=take - 1, spent=spent, back=back)
            allowed, tokens = await self._counters.apply(
                key, policy.capacity, policy.refill, change, now
            )
            spent = back = 0
            if allowed or take == 1 or tokens < 1:
                break
            # Less in the bucket than this worker thought (other workers spent it): ask for
            # what it can spare now, then for a single unit.
            attempt += 1
            take = 1 if attempt > 1 else max(1, min(take - 1, int(tokens // SHARE)))
            now = time.time()
            clock = time.monotonic()
        pocket.level, pocket.seen = tokens, now
        pocket.used = clock
        if not allowed:
            return Decision(policy, False, tokens, now)
        pocket.units = take - 1
        pocket.until = clock + LEND_SECONDS
        return Decision(policy, True, self._estimate(pocket, now), now)

    def _size(self, pocket: _Pocket, now: float) -> int:
        """How many units to claim: 1/SHARE of the bucket as last seen (full when never
        seen), within 1 … batch."""
        if self._batch == 1:
            return 1
        policy = self._policy
        level = float(policy.capacity)
        if pocket.level is not None:
            level = min(level, pocket.level + policy.refill * max(0.0, now - pocket.seen))
        return max(1, min(self._batch, int(level // SHARE)))

    def _sweep_soon(self) -> None:
        if self._sweeper is None and not self._closed:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        try:
            while self._pockets:
                await asyncio.sleep(SWEEP_SECONDS)
                await self._settle(time.monotonic())
        finally:
            self._sweeper = None

    async def _settle(self, clock: float, *, everything: bool = False) -> None:
        """Give back the units of tokens idle for IDLE_SECONDS (or whose time is up, or all
        of them), with what was spent of them; forget tokens idle for FORGET_SECONDS."""
        for holder, pocket in list(self._pockets.items()):
            if pocket.claim is not None:
                continue
            idle = clock - pocket.used
            if pocket.units or pocket.spent:
                if everything or idle >= IDLE_SECONDS or clock >= pocket.until:
                    await self._give_back(holder, pocket)
            elif idle >= FORGET_SECONDS:
                del self._pockets[holder]

    async def _give_back(self, holder: str, pocket: _Pocket) -> None:
        policy = self._policy
        change = Change(take=0, spent=pocket.spent, back=pocket.units)
        pocket.units = pocket.spent = 0
        now = time.time()
        try:
            _, tokens = await self._counters.apply(
                f"{policy.resource}:{holder}", policy.capacity, policy.refill, change, now
            )
        except Exception:
            # Still counted as lent: the bucket forgets them once the token is quiet.
            logger.exception("rate limit units not given back")
            return
        pocket.level, pocket.seen = tokens, now

    async def aclose(self) -> None:
        """Stop sweeping and give every unit held back."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self._settle(time.monotonic(), everything=True), SHUTDOWN_SECONDS
            )
