"""Reference data shipped with the package: loaded and checked once, served as stored."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import orjson
from pydantic import TypeAdapter

from canopy.reference.schemas import (
    DependenciesRead,
    LanguageRead,
    ProfessionRead,
    SectorRead,
    SiteRead,
)

_MODELS: dict[str, Any] = {
    "dependencies": DependenciesRead,
    "languages": list[LanguageRead],
    "professions": list[ProfessionRead],
    "sectors": list[SectorRead],
    "sites": list[SiteRead],
}


@cache
def load(name: str) -> Any:
    """The parsed data file ``name``, validated against its schema."""
    text = resources.files("canopy.reference").joinpath(f"data/{name}.json").read_text("utf-8")
    data = json.loads(text)
    TypeAdapter(_MODELS[name]).validate_python(data)
    return data


@cache
def encoded(name: str) -> bytes:
    return orjson.dumps(load(name))


def ids(kind: str) -> frozenset[str]:
    """The valid ids of one dependency list, e.g. ``ids("contract_types")``."""
    values = load("dependencies")[kind]
    return frozenset(v if isinstance(v, str) else v["id"] for v in values)


def languages() -> frozenset[str]:
    return frozenset(item["reference"] for item in load("languages"))


def professions() -> frozenset[str]:
    return frozenset(item["reference"] for item in load("professions"))


def label(kind: str, value: str) -> dict[str, str] | None:
    """The translated names of a dependency value (for rendering)."""
    for item in load("dependencies")[kind]:
        if isinstance(item, dict) and item["id"] == value:
            names: dict[str, str] = item["name"]
            return names
    return None


def site_references() -> frozenset[str]:
    return frozenset(site["reference"] for site in load("sites"))


def site(reference: str) -> dict[str, str] | None:
    for item in load("sites"):
        if item["reference"] == reference:
            found: dict[str, str] = item
            return found
    return None
