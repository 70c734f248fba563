"""A token bucket's terms (``Policy``) and where a request leaves its caller (``Decision``):
what every counted request's rate-limit headers, and a refusal's 429, are made of."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Policy:
    """A token bucket: ``capacity`` at once, refilled at ``refill`` per second."""

    resource: str
    capacity: int
    refill: float

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    @property
    def full_after(self) -> float:
        """Seconds an empty bucket takes to fill up."""
        return self.capacity / self.refill

    def describe(self) -> str:
        return f"a burst of {self.capacity}, then {self.refill:g} per second"


@dataclass(frozen=True, slots=True)
class Decision:
    policy: Policy
    allowed: bool
    tokens: float  # left after this request
    now: float

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.tokens + 1e-9))

    @property
    def reset(self) -> int:
        missing = max(0.0, self.policy.capacity - self.tokens)
        return math.ceil(self.now + missing / self.policy.refill)

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil((1 - self.tokens) / self.policy.refill))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.policy.capacity),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Resource": self.policy.resource,
        }
