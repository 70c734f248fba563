"""The counters in Redis (``CANOPY_REDIS_URL``): each change is one Lua script, which Redis runs
atomically, so that every worker of every machine shares them.

A bucket is a hash (``tokens``, ``stamp``, ``lent``) that expires once it would be full again
and no worker holds units of it, so an idle caller costs nothing; a caller's download slots are
a sorted set of lease ids scored by their expiry. Times come from the workers (Unix seconds), as
with the database counters: workers on synchronised clocks agree to the millisecond, and a
clock slightly behind is never taken as time running backwards.
"""

from __future__ import annotations

import secrets
from typing import Any

from redis.asyncio import Redis

from canopy.limits.store import QUIET_SECONDS, Change, Lease

# canopy.limits.store.Change, as DatabaseCounters does it in SQL.
_APPLY = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local take = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local spent = tonumber(ARGV[5])
local back = tonumber(ARGV[6])
local now = tonumber(ARGV[7])
local quiet = tonumber(ARGV[8])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'lent')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
local lent = tonumber(state[3]) or 0
if tokens == nil or stamp == nil then
  tokens = capacity
  stamp = now
  lent = 0
end
if now - stamp >= quiet then lent = 0 end
local held = math.max(lent - spent, 0)
local kept = math.max(held - back, 0)
local elapsed = math.max(now - stamp, 0)
local level = math.min(capacity - held, tokens + elapsed * refill)
level = math.max(math.min(capacity - kept, level + back), 0)
local allowed = 0
if level >= take then
  level = level - take
  kept = kept + keep
  allowed = 1
end
if now > stamp then stamp = now end
redis.call('HSET', KEYS[1], 'tokens', tostring(level), 'stamp', tostring(stamp),
  'lent', tostring(kept))
-- Gone once full again, but never while units are lent: they are still the bucket's.
local ttl = (capacity - level) / refill
if kept > 0 and ttl < quiet then ttl = quiet end
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl * 1000) + 1000)
return {allowed, tostring(level)}
"""

_ACQUIRE = """
local limit = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl * 1000))
return 1
"""

_RENEW = """
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
end
return 1
"""


class RedisCounters:
    """Token buckets and download slots in Redis, under ``prefix``. ``timeout`` bounds how long
    a request waits to connect and then for each answer: past it, the limiter lets the request
    through (``canopy.limits.ratelimit``)."""

    def __init__(self, url: str, prefix: str, timeout: float) -> None:
        self.client: Redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.prefix = prefix
        self._apply = self.client.register_script(_APPLY)
        self._acquire = self.client.register_script(_ACQUIRE)
        self._renew = self.client.register_script(_RENEW)

    def _bucket(self, key: str) -> str:
        return f"{self.prefix}bucket:{key}"

    def _slots(self, holder: str) -> str:
        return f"{self.prefix}slots:{holder}"

    async def apply(
        self, key: str, capacity: float, refill: float, change: Change, now: float
    ) -> tuple[bool, float]:
        result: Any = await self._apply(
            keys=[self._bucket(key)],
            args=[
                repr(capacity),
                repr(refill),
                change.take,
                change.keep,
                change.spent,
                change.back,
                repr(now),
                repr(QUIET_SECONDS),
            ],
        )
        return int(result[0]) == 1, float(result[1])

    async def acquire(self, holder: str, limit: int, now: float, ttl: float) -> Lease | None:
        lease_id = secrets.token_hex(8)
        taken: Any = await self._acquire(
            keys=[self._slots(holder)], args=[limit, repr(now), repr(ttl), lease_id]
        )
        return Lease(holder, lease_id) if int(taken) == 1 else None

    async def renew(self, lease: Lease, now: float, ttl: float) -> None:
        await self._renew(
            keys=[self._slots(lease.holder)], args=[repr(now), repr(ttl), lease.lease_id]
        )

    async def release(self, lease: Lease) -> None:
        await self.client.zrem(self._slots(lease.holder), lease.lease_id)

    async def purge(self, now: float, idle: float) -> int:
        """Nothing to do: Redis expires idle buckets and slot sets by itself."""
        return 0

    async def aclose(self) -> None:
        await self.client.aclose()
