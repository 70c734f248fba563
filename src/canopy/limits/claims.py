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
- A token whose requests had to wait for a claim (more of them at once than a batch serves)
  gets its batches claimed ahead: whenever its worker holds no batch in reserve, a claim of
  one goes out in the background while the requests spend the current one (half a batch
  ahead was not enough: under 32 connections the current one ran out before the claim came
  back). Reserve units are spent after the current ones, within their own
  ``LEND_SECONDS``. A token never waited for (requests one at a time), or whose bucket is
  counted one unit at a time, is not claimed ahead for, and a refused or failed claim ahead
  stops it until a request waits again.
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

    __slots__ = ("ahead", "ahead_until", "claim", "level", "seen", "spent", "stale", "take",
                 "units", "until", "used", "waited")  # fmt: skip

    def __init__(self) -> None:
        self.units = 0  # claimed, not spent yet
        self.spent = 0  # units spent since the shared bucket last heard from this worker
        self.until = 0.0  # monotonic time after which ``units`` may no longer be spent
        self.ahead = 0  # claimed ahead, to be spent once ``units`` are
        self.ahead_until = 0.0  # the same for ``ahead``
        self.stale = 0  # units held past their time, to be given back with the next change
        self.take = 0  # the size of the last claim
        self.waited = False  # a request of the token has waited for a claim on this worker
        self.used = time.monotonic()  # monotonic time of the last request
        self.level: float | None = None  # the shared bucket's tokens, as last seen
        self.seen = 0.0  # when they were seen (Unix time)
        self.claim: _Claim | None = None

    def settle(self) -> tuple[int, int]:
        """Every unit held (current, ahead, stale) to give back, and the units spent since
        the bucket last heard: both now the next change's to report, so zero here."""
        back, spent = self.units + self.ahead + self.stale, self.spent
        self.units = self.ahead = self.stale = self.spent = 0
        return back, spent


def _promote(pocket: _Pocket, clock: float) -> bool:
    """Make the units claimed ahead the current ones, once those are spent or past their
    time (those go back with the next change); whether there were any to make so."""
    if pocket.ahead <= 0 or clock >= pocket.ahead_until:
        return False
    pocket.stale += pocket.units
    pocket.units, pocket.until = pocket.ahead, pocket.ahead_until
    pocket.ahead = 0
    return True


class Claims:
    """This worker's units of each token's ``policy`` bucket (keys are the holders)."""

    def __init__(self, counters: Counters, policy: Policy, batch: int) -> None:
        self._counters = counters
        self._policy = policy
        self._batch = max(1, batch)
        self._pockets: dict[str, _Pocket] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._ahead: set[asyncio.Task[None]] = set()
        self._closed = False

    def spend(self, holder: str) -> Decision | None:
        """One of the units this worker holds for ``holder``, spent without a round trip;
        None when it holds none (``count`` then claims some)."""
        pocket = self._pockets.get(holder)
        if pocket is None:
            return None
        clock = time.monotonic()
        if (pocket.units <= 0 or clock >= pocket.until) and not _promote(pocket, clock):
            return None
        pocket.units -= 1
        pocket.spent += 1
        pocket.used = clock
        if (
            pocket.waited
            and pocket.claim is None
            and pocket.ahead == 0
            and pocket.units <= pocket.take
            and not self._closed
        ):
            self._claim_ahead_soon(holder, pocket)
        now = time.time()
        return Decision(self._policy, True, self._estimate(pocket, now), now)

    def _estimate(self, pocket: _Pocket, now: float) -> float:
        """The tokens left as this worker sees them (see the module's docstring)."""
        policy = self._policy
        held = pocket.units + pocket.ahead
        shared = (pocket.level or 0.0) + policy.refill * max(0.0, now - pocket.seen)
        return min(policy.capacity - held, shared) + held

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
            pocket.waited = True
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

    def _claim_ahead_soon(self, holder: str, pocket: _Pocket) -> None:
        claim = pocket.claim = _Claim()
        task = asyncio.get_running_loop().create_task(self._claim_ahead(holder, pocket, claim))
        self._ahead.add(task)
        task.add_done_callback(self._ahead.discard)

    async def _claim_ahead(self, holder: str, pocket: _Pocket, claim: _Claim) -> None:
        """Claim the next batch while the current one is being spent. Nothing is reported
        with it (a claim that fails after reaching the counters must not count a report
        twice): what was spent and what is stale goes with the next claim or give-back. A
        refusal or a failure leaves the requests to claim for themselves, as they would
        have."""
        policy = self._policy
        try:
            now = time.time()
            clock = time.monotonic()
            take = self._size(pocket, now)
            allowed = False
            if take >= 2:  # budgets this low are counted one unit at a time, not ahead
                allowed, tokens = await self._counters.apply(
                    f"{policy.resource}:{holder}",
                    policy.capacity,
                    policy.refill,
                    Change(take=take, keep=take),
                    now,
                )
                pocket.level, pocket.seen = tokens, now
            if allowed:
                pocket.ahead, pocket.ahead_until, pocket.take = take, clock + LEND_SECONDS, take
            else:
                # Not again until a request of the token waits for a claim once more: a
                # bucket running low is not asked on every request.
                pocket.waited = False
        except Exception:
            pocket.waited = False
            logger.exception("rate limit units not claimed ahead")
        finally:
            pocket.claim = None
            claim.done.set()

    async def _ask(self, holder: str, pocket: _Pocket) -> Decision:
        policy = self._policy
        key = f"{policy.resource}:{holder}"
        # Units whose time is up go back with the claim, which also reports what was spent.
        back, spent = pocket.settle()
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
        pocket.take = take
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
            if pocket.units or pocket.ahead or pocket.stale or pocket.spent:
                if everything or idle >= IDLE_SECONDS or clock >= pocket.until:
                    await self._give_back(holder, pocket)
            elif idle >= FORGET_SECONDS:
                del self._pockets[holder]

    async def _give_back(self, holder: str, pocket: _Pocket) -> None:
        policy = self._policy
        back, spent = pocket.settle()
        change = Change(take=0, spent=spent, back=back)
        pocket.waited = False
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
        if self._ahead:
            await asyncio.gather(*self._ahead, return_exceptions=True)
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self._settle(time.monotonic(), everything=True), SHUTDOWN_SECONDS
            )
