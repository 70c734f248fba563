"""What the numbers were measured on: CPU, cores, memory, Python, the databases, wrk."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path

from bench import wrk
from bench.server import postgres_version


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def describe(postgres_url: str | None) -> list[tuple[str, str]]:
    """``(label, value)`` pairs; PostgreSQL's server version when ``postgres_url`` is given."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    facts = [
        ("CPU", _cpu_model()),
        ("cores", f"{os.cpu_count()} ({usable} usable)"),
        ("memory", _memory()),
        ("system", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("SQLite", sqlite3.sqlite_version),
    ]
    if postgres_url is not None:
        facts.append(("PostgreSQL", postgres_version(postgres_url)))
    facts += [("wrk", wrk.version()), ("load average", f"{load} (1, 5, 15 min) at start")]
    return facts


def render(facts: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in facts)
    return "\n".join(f"  {label:<{width}}  {value}" for label, value in facts)
