"""Slugs: generated from names, unique within their organisation."""

from __future__ import annotations

import re

from slugify import slugify

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 200


def from_name(name: str) -> str:
    return slugify(name, max_length=MAX_SLUG - 8) or "item"


def candidates(base: str, attempts: int = 50) -> list[str]:
    """``base``, then ``base-2``, ``base-3``…"""
    return [base] + [f"{base}-{n}" for n in range(2, attempts + 1)]
