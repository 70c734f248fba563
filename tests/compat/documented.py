"""Compare Canopy's JSON with a documented example of the WTTJ API, field by field.

A documented example is written as a Python literal copied from the contract. Two markers
mirror the docs' own shorthand: a list ending with ``...`` (the docs' truncation) may hold more
items than it shows, each checked against the shape of the first; a set ``{...}`` stands for an
object the docs abbreviate (``"snippet": {...}``), of which only the type is checked.

Every documented key must be present with the documented JSON type; a documented ``null`` says
nothing about the type. A documented timestamp requires Canopy's timestamp format (§15.1).
Values are compared too, except under the ``shape_only`` paths: the values Canopy generates
(references, ids, timestamps, URLs of its own storage). Extra keys are allowed (§15 intro).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

from tests.fixtures.assertions import TIMESTAMP

# The docs' timestamps: milliseconds (microseconds for videos) and an offset.
DOCUMENTED_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,6}[+-]\d\d:\d\d$")

_ITEM = re.compile(r"^\d+(?:\.|$)")

_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
    (type(None), "null"),
)


def json_type(value: Any) -> str:
    # bool before int: True is an int to Python, never to a JSON client.
    for kind, name in _TYPES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _compatible(documented: Any, actual: Any) -> bool:
    want, got = json_type(documented), json_type(actual)
    return want == got or (want == "number" and got == "integer")


def differences(
    documented: Any, actual: Any, *, shape_only: Iterable[str] = (), values: bool = True
) -> list[str]:
    """Every way ``actual`` departs from ``documented``, one line each, named by its path
    (``stages.0.id``). ``shape_only`` holds fnmatch patterns of paths whose values (and
    whole subtrees) are compared by shape alone; ``values=False`` compares shapes only."""
    found: list[str] = []
    _walk(documented, actual, "$", tuple(shape_only), values, found)
    return found


def _shape_only(path: str, patterns: tuple[str, ...]) -> bool:
    # Patterns name paths inside one object: the index of a top-level list is not part of them.
    bare = _ITEM.sub("", path[2:] if path.startswith("$.") else path)
    return any(fnmatchcase(bare, pattern) for pattern in patterns)


def _walk(
    documented: Any,
    actual: Any,
    path: str,
    patterns: tuple[str, ...],
    values: bool,
    found: list[str],
) -> None:
    values = values and not _shape_only(path, patterns)
    if documented == {...}:
        if not isinstance(actual, dict):
            found.append(f"{path}: documented object, got {json_type(actual)} {actual!r}")
        return
    if documented is None:
        if values and actual is not None:
            found.append(f"{path}: documented null, got {actual!r}")
        return
    if not _compatible(documented, actual):
        found.append(
            f"{path}: documented {json_type(documented)} {documented!r}, "
            f"got {json_type(actual)} {actual!r}"
        )
        return
    if isinstance(documented, dict):
        for key, item in documented.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing")
                continue
            _walk(item, actual[key], f"{path}.{key}", patterns, values, found)
        return
    if isinstance(documented, list):
        _walk_list(documented, actual, path, patterns, values, found)
        return
    is_time = isinstance(documented, str) and DOCUMENTED_TIMESTAMP.match(documented)
    if is_time and not TIMESTAMP.match(actual):
        found.append(f"{path}: documented timestamp {documented!r}, got {actual!r}")
        return
    if values and documented != actual:
        found.append(f"{path}: documented {documented!r}, got {actual!r}")


def _walk_list(
    documented: list[Any],
    actual: list[Any],
    path: str,
    patterns: tuple[str, ...],
    values: bool,
    found: list[str],
) -> None:
    is_open = bool(documented) and documented[-1] is ...
    shown = documented[:-1] if is_open else documented
    if not shown:
        return
    if len(actual) < len(shown) or (values and not is_open and len(actual) != len(shown)):
        found.append(f"{path}: documented {len(shown)} item(s), got {len(actual)}")
    for index, item in enumerate(actual):
        if index < len(shown):
            _walk(shown[index], item, f"{path}.{index}", patterns, values, found)
        else:
            _walk(shown[0], item, f"{path}.{index}", patterns, False, found)


def assert_documented(
    documented: Any, actual: Any, *, shape_only: Iterable[str] = (), values: bool = True
) -> None:
    """Fails listing every difference between the documented example and ``actual``."""
    found = differences(documented, actual, shape_only=shape_only, values=values)
    assert not found, "differs from the documented example:\n  " + "\n  ".join(found)
