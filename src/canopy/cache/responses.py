"""Answering from the response cache: the stored bytes with a strong ``ETag``, a bodiless 304
when the client's copy is current, and one rendering at a time per key."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from fastapi import Request, Response

from canopy.cache.store import Entry, ResponseCache
from canopy.pagination import Page, set_headers

JSON = "application/json"
# A token's answers are its own (private) and may be kept by its client, which asks again
# with the ETag every time (no-cache): a 304 costs no rendering and no body.
PRIVATE = "private, no-cache"
# Token routes vary with who asks; a client's cache must not answer one token with another's.
VARY_TOKEN = "Authorization"  # noqa: S105 - a header name, not a secret


def public(max_age: int) -> str:
    """What any cache may keep for ``max_age`` seconds (the embed: no token, no cookies)."""
    return f"public, max-age={max_age}"


@dataclass(frozen=True, slots=True)
class Rendered:
    """What a rendering produced: the JSON body, the list's total (``X-Total``), and how long
    the body stays valid (``ttl`` seconds, when it shows signed URLs that expire)."""

    body: bytes
    total: int | None = None
    ttl: float | None = None


Render = Callable[[], Awaitable[Rendered]]


def etag(body: bytes, total: int | None = None) -> str:
    """A strong validator: the same bytes (and total), the same tag, whatever worker rendered
    them and whatever writes came and went in between."""
    digest = hashlib.blake2b(body, digest_size=16)
    if total is not None:
        digest.update(b"\x00X-Total:%d" % total)
    return '"' + digest.hexdigest() + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, so a tag a proxy weakened (``W/"…"``) still matches;
    ``*`` matches any current representation."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(
        candidate.strip().removeprefix("W/") == tag for candidate in if_none_match.split(",")
    )


def respond(
    request: Request,
    entry: Entry,
    cache_control: str,
    *,
    page: Page | None = None,
    vary: str | None = None,
    media_type: str = JSON,
) -> Response:
    """``entry`` as a 200, or a bodiless 304 when ``If-None-Match`` names its tag. A list's
    paging headers are made for this request's URL (the same on both)."""
    headers = {"ETag": entry.etag, "Cache-Control": cache_control}
    if vary is not None:
        headers["Vary"] = vary
    if matches(request.headers.get("if-none-match"), entry.etag):
        response = Response(status_code=304, headers=headers)
    else:
        response = Response(entry.body, media_type=media_type, headers=headers)
    if page is not None and entry.total is not None:
        set_headers(request, response, page, entry.total)
    return response


def entry_of(rendered: Rendered) -> Entry:
    expires = None if rendered.ttl is None else time.monotonic() + rendered.ttl
    return Entry(
        body=rendered.body,
        etag=etag(rendered.body, rendered.total),
        total=rendered.total,
        expires=expires,
    )


async def serve(
    request: Request,
    key: Hashable | None,
    render: Render,
    cache_control: str,
    *,
    page: Page | None = None,
    vary: str | None = None,
) -> Response:
    """The answer under ``key`` from the cache, else ``render``'s (kept under ``key``). A key
    of None is a response that is not cached (rendered, tagged, never kept)."""
    cache: ResponseCache = request.app.state.response_cache
    entry = None if key is None else cache.get(key)
    if entry is None:
        entry = await _render(cache, key, render)
    return respond(request, entry, cache_control, page=page, vary=vary)


async def _render(cache: ResponseCache, key: Hashable | None, render: Render) -> Entry:
    """One rendering per key at a time: requests that miss while it runs wait for its entry
    (after a write, a burst of requests for a page renders it once, not once each)."""
    if key is None:
        return entry_of(await render())
    pending = cache.inflight.get(key)
    if pending is not None:
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            if not pending.cancelled():
                raise  # this request itself was cancelled
        except Exception:  # noqa: S110 - the first rendering failed: try our own below
            pass
        return entry_of(await render())
    future: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
    cache.inflight[key] = future
    try:
        entry = entry_of(await render())
    except Exception as exc:
        future.set_exception(exc)
        future.exception()  # retrieved, whether anyone waits for it or not
        raise
    except BaseException:  # cancelled (the client went away): the others render their own
        future.cancel()
        raise
    else:
        cache.put(key, entry)
        future.set_result(entry)
        return entry
    finally:
        if cache.inflight.get(key) is future:
            del cache.inflight[key]
