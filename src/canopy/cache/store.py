"""The in-process store of rendered responses: a least-recently-used map bounded in bytes."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

# What an entry costs beyond its body: the key, the tag, the entry itself (an estimate).
ENTRY_OVERHEAD = 512
# An entry may take at most this share of the store: one huge page must not empty it.
MAX_ENTRY_SHARE = 4


@dataclass(frozen=True, slots=True)
class Entry:
    """A rendered response: its body, its strong ETag, and for a list its ``X-Total`` (the
    paging headers are made again per request from it: they name the request's own URL)."""

    body: bytes
    etag: str
    total: int | None = None
    # time.monotonic() past which the entry is stale (it shows signed URLs that expire), or
    # None: good until the versions in its key change.
    expires: float | None = None
    size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", len(self.body) + ENTRY_OVERHEAD)

    def fresh(self, now: float) -> bool:
        return self.expires is None or now < self.expires


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    evictions: int = 0


class ResponseCache:
    """Entries by key, the least recently used evicted first once ``max_bytes`` is exceeded.

    Keys carry the versions of what the entry shows (see ``canopy.cache``): an entry is never
    invalidated, it just stops being asked for once a version changes, and ages out. With
    ``max_bytes`` 0 nothing is kept."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.stats = Stats()
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        # The renderings under way, by key (see canopy.cache.responses).
        self.inflight: dict[Hashable, asyncio.Future[Entry]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None and not entry.fresh(time.monotonic()):
            self._remove(key)
            entry = None
        if entry is None:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return entry

    def put(self, key: Hashable, entry: Entry) -> bool:
        """Keep ``entry`` (replacing the one under ``key``); False when it is too large to."""
        if entry.size * MAX_ENTRY_SHARE > self.max_bytes:
            return False
        self._remove(key)
        self._entries[key] = entry
        self.bytes += entry.size
        self.stats.stores += 1
        while self.bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._remove(oldest)
            self.stats.evictions += 1
        return True

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def _remove(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size
