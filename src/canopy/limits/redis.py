"""The counters in Redis (``CANOPY_REDIS_URL``): each change is one Lua script, which Redis runs
atomically, so that every worker of every machine shares them.

A bucket is a hash (``tokens``, ``stamp``) that expires once it would be full again, so an idle
caller costs nothing; a caller's download slots are a sorted set of lease ids scored by their
expiry. Times come from the workers (Unix seconds), as with the database counters: workers on
synchronised clocks agree to the millisecond, and a clock slightly behind is never taken as
time running backwards.
"""

from __future__ import annotations

import secrets
from typing import Any

from redis.asyncio import Redis

from canopy.limits.store import Lease

# Bound how long a request can wait on an unreachable Redis; the limiter then lets it through.
TIMEOUT = 1.0

_HIT = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = capacity
  stamp = now
end
local elapsed = now - stamp
if elapsed < 0 then elapsed = 0 end
local level = math.min(capacity, tokens + elapsed * refill)
local allowed = 0
if level >= cost then
  level = level - cost
  allowed = 1
end
if now > stamp then stamp = now end
redis.call('HSET', KEYS[1], 'tokens', tostring(level), 'stamp', tostring(stamp))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - level) / refill * 1000) + 1000)
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
    """Token buckets and download slots in Redis, under ``prefix``."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client: Redis = Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
        )
        self.prefix = prefix
        self._hit = self.client.register_script(_HIT)
        self._acquire = self.client.register_script(_ACQUIRE)
        self._renew = self.client.register_script(_RENEW)

    def _bucket(self, key: str) -> str:
        return f"{self.prefix}bucket:{key}"

    def _slots(self, holder: str) -> str:
        return f"{self.prefix}slots:{holder}"

    async def hit(
        self, key: str, capacity: float, refill: float, cost: float, now: float
    ) -> tuple[bool, float]:
        result: Any = await self._hit(
            keys=[self._bucket(key)], args=[repr(capacity), repr(refill), repr(cost), repr(now)]
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
