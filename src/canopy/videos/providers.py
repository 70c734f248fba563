"""Where videos are hosted (§6.4, §9.14): each source's video ids, and its URLs.

For YouTube and Dailymotion either the id or a URL is enough: one is derived from the other.
A 360player video needs both, its URLs having no public form to parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

Source = Literal["youtube", "dailymotion", "360player"]
SOURCES: tuple[Source, ...] = ("youtube", "dailymotion", "360player")

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
# Dailymotion ids are short base-36 strings, "x" followed by letters and digits in practice.
_DAILYMOTION_ID = re.compile(r"[A-Za-z0-9]{2,32}")
_OTHER_ID = re.compile(r"[\x21-\x7e]{1,200}")  # printable, no spaces

_YOUTUBE_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "youtube-nocookie.com",
        "www.youtube-nocookie.com",
    }
)
_YOUTUBE_PATHS = ("embed", "v", "shorts", "live", "e")
_DAILYMOTION_HOSTS = frozenset({"dailymotion.com", "www.dailymotion.com", "geo.dailymotion.com"})

NAMES = {"youtube": "YouTube", "dailymotion": "Dailymotion", "360player": "360player"}


class InvalidVideo(ValueError):
    """The reference or the URL does not name a video of the source; ``param`` is which."""

    def __init__(self, param: str, reason: str) -> None:
        super().__init__(f"{param} {reason}")
        self.param = param
        self.reason = reason


@dataclass(frozen=True)
class Located:
    external_reference: str
    url: str


def youtube_id(url: str) -> str | None:
    """The video id in a YouTube URL: ``watch?v=``, ``youtu.be/``, ``embed/``, ``shorts/``…"""
    parts = _split(url)
    if parts is None:
        return None
    host, path, query = parts
    segments = [segment for segment in path.split("/") if segment]
    candidate: str | None = None
    if host in ("youtu.be", "www.youtu.be"):
        candidate = segments[0] if segments else None
    elif host in _YOUTUBE_HOSTS:
        if segments == ["watch"]:
            values = parse_qs(query).get("v", [])
            candidate = values[0] if len(values) == 1 else None
        elif len(segments) >= 2 and segments[0] in _YOUTUBE_PATHS:
            candidate = segments[1]
    if candidate is not None and _YOUTUBE_ID.fullmatch(candidate):
        return candidate
    return None


def dailymotion_id(url: str) -> str | None:
    """The video id in a Dailymotion URL: ``/video/<id>``, ``/embed/video/<id>``, ``dai.ly/``."""
    parts = _split(url)
    if parts is None:
        return None
    host, path, query = parts
    segments = [segment for segment in path.split("/") if segment]
    candidate: str | None = None
    if host == "dai.ly":
        candidate = segments[0] if len(segments) == 1 else None
    elif host in _DAILYMOTION_HOSTS:
        if len(segments) == 2 and segments[0] == "video":
            candidate = segments[1]
        elif len(segments) == 3 and segments[:2] == ["embed", "video"]:
            candidate = segments[2]
        elif segments == ["player.html"]:
            values = parse_qs(query).get("video", [])
            candidate = values[0] if len(values) == 1 else None
    if candidate is None:
        return None
    # Old URLs carry a slug after the id: /video/x2jvvep_some-title_news.
    candidate = candidate.split("_", 1)[0]
    return candidate if _DAILYMOTION_ID.fullmatch(candidate) else None


def canonical_url(source: Source, external_reference: str) -> str | None:
    if source == "youtube":
        return f"https://www.youtube.com/watch?v={external_reference}"
    if source == "dailymotion":
        return f"https://www.dailymotion.com/video/{external_reference}"
    return None


def locate(source: Source, external_reference: str | None, url: str | None) -> Located:
    """The video's reference and URL from whichever of them was given (both for 360player).

    A URL given for YouTube or Dailymotion is stored in its canonical form."""
    name = NAMES[source]
    if url is not None and not _is_web_url(url):
        raise InvalidVideo("url", "is invalid: must be an absolute http or https URL")
    if source == "360player":
        if external_reference is None:
            raise InvalidVideo("external_reference", "is missing (a 360player video needs it)")
        if url is None:
            raise InvalidVideo("url", "is missing (a 360player video needs it)")
        if not _OTHER_ID.fullmatch(external_reference):
            raise InvalidVideo("external_reference", "is invalid: must be printable, no spaces")
        return Located(external_reference, url)
    pattern = _YOUTUBE_ID if source == "youtube" else _DAILYMOTION_ID
    parse = youtube_id if source == "youtube" else dailymotion_id
    if url is not None:
        found = parse(url)
        if found is None:
            raise InvalidVideo("url", f"is invalid: not a {name} video URL")
        if external_reference is not None and external_reference != found:
            raise InvalidVideo("external_reference", f"does not match url ({found})")
        external_reference = found
    if external_reference is None:
        raise InvalidVideo("external_reference", "is missing (or give url)")
    if not pattern.fullmatch(external_reference):
        raise InvalidVideo("external_reference", f"is invalid: not a {name} video id")
    canonical = canonical_url(source, external_reference)
    assert canonical is not None
    return Located(external_reference, canonical)


def _split(url: str) -> tuple[str, str, str] | None:
    if not _is_web_url(url):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    return host, parts.path, parts.query


def _is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and no whitespace or control characters."""
    if any(ch.isspace() or ord(ch) < 32 or ch == "\x7f" for ch in url):
        return False
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
