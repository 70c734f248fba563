"""The single byte range of an HTTP ``Range`` header (RFC 9110 §14)."""

from __future__ import annotations

import re

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    """The range lies outside the object: answer 416."""


def parse(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive, or None to send the whole object (no header, a
    multi-range or a malformed one, which RFC 9110 lets a server ignore)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:
        suffix = int(last_text)
        if suffix == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and first > last:
        return None  # invalid, not unsatisfiable: "bytes=9-2"
    if first >= size:
        raise Unsatisfiable
    return first, min(last, size - 1)
