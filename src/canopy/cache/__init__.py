"""Response caching with exact invalidation, for the read-heavy routes (the embed, a job, the
lists of jobs), shared by every worker through the database (docs/caching.md).

- **What invalidates.** Database triggers (migration 0008) give an organisation a new
  ``cache_version.version`` in the same transaction as every write to a row its renderings
  show, and a new ``counts`` when its candidate counters move; row 0 changes with every
  organisation's content (``/jobs/all``). Whatever writes (the API on any worker, the command
  line, SQL), the version changes when the write commits, never later.
- **What is kept.** Each worker keeps rendered bodies in a bounded LRU
  (:class:`~canopy.cache.store.ResponseCache`) under a key made of the route, its normalised
  parameters (parsed, so order, duplicates and ``1``/``true`` do not matter), the page, what
  the caller reaches (every job, or a limited member's assigned ones), the time zone, and the
  versions read at the start of the request (:mod:`canopy.cache.versions`, one statement of
  the bare driver). A write moves the versions on: the next request asks for a new key.
- **What is answered.** The stored bytes with a strong ``ETag`` (a hash of the body), or a 304
  when ``If-None-Match`` names it, without rendering anything.

A key is read before what it caches is rendered: a write that commits in between makes the
entry newer than its key says, never older, and requests that read the new version use a new
key.
"""

from canopy.cache.responses import (
    PRIVATE,
    VARY_TOKEN,
    Rendered,
    etag,
    matches,
    public,
    respond,
    serve,
)
from canopy.cache.store import Entry, ResponseCache

__all__ = [
    "PRIVATE",
    "VARY_TOKEN",
    "Entry",
    "Rendered",
    "ResponseCache",
    "etag",
    "matches",
    "public",
    "respond",
    "serve",
]
