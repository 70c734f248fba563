"""The floors that ``make bench`` measures each real route against: routes that only the
bench's own application (:mod:`bench.app`) mounts beside Canopy's, so that they are served by
the same process, through the same middleware, and never by ``canopy serve``.

- ``/bench/constant?size=N[&status=201]``: a precomputed body of N bytes: what answering with
  a response of that size costs when nothing is done to make it.
- ``/bench/raw/…``: the rows a real route reads (or the row it writes), fetched with the bare
  driver (asyncpg, aiosqlite: :mod:`bench.floors.db`) and encoded with orjson. Each path is
  the real route's with ``/api/v1/external`` (or ``/api/v1``) replaced by ``/bench/raw``, and
  takes the same parameters and body. Authentication is included (the token and memberships
  are rows every authenticated route reads); reads run outside a transaction, a write in one.
  Left out is the real routes' own work: the ORM, pydantic models, the parameter rules,
  markdown and localised dates (embed).
- ``/bench/raw/documents`` downloads each remote file with a bare httpx client into a
  temporary file, then removes it: a raw loopback copy, without sniffing or storing.
"""

from bench.floors.router import router

__all__ = ["router"]
