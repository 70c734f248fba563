"""Driving wrk: a request mix written as a Lua spec for bench/wrk.lua, and its result.

Errors are every response outside 2xx (counted by the script's response hook) plus wrk's
socket errors: failed connects, reads and writes, and requests that timed out.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("wrk.lua")
RESULT_PREFIX = "WRK_RESULT "


@dataclass(frozen=True)
class Target:
    path: str
    body: str | None = None  # "{n}" in it becomes a number unique to the run


@dataclass(frozen=True)
class RequestKind:
    """One kind of request in a run: its targets are drawn at random, kinds by weight."""

    name: str
    method: str
    targets: Sequence[Target]
    headers: Mapping[str, str] = field(default_factory=dict)
    weight: int = 1


@dataclass(frozen=True)
class WrkResult:
    seconds: float
    requests: int
    bytes: int
    ok: int
    non_2xx: int
    socket_errors: Mapping[str, int]  # connect, read, write, timeout
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: Mapping[str, int]
    sent: Mapping[str, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    @classmethod
    def parse(cls, output: str) -> WrkResult:
        for line in output.splitlines():
            if line.startswith(RESULT_PREFIX):
                data: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
                break
        else:
            raise RuntimeError(f"no {RESULT_PREFIX.strip()} line in wrk's output:\n{output}")
        return cls(
            seconds=data["duration_us"] / 1e6,
            requests=data["requests"],
            bytes=data["bytes"],
            ok=data["ok"],
            non_2xx=data["non_2xx"],
            socket_errors={k: data[k] for k in ("connect", "read", "write", "timeout")},
            p50_ms=data["p50_us"] / 1000,
            p90_ms=data["p90_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            max_ms=data["max_us"] / 1000,
            statuses=data["statuses"],
            sent=data["sent"],
        )

    def describe_errors(self) -> str:
        parts = [
            f"HTTP {status}: {count}"
            for status, count in sorted(self.statuses.items())
            if not 200 <= int(status) < 300
        ]
        parts += [f"{name}: {count}" for name, count in self.socket_errors.items() if count]
        return ", ".join(parts)


def lua_string(value: str) -> str:
    """``value`` as a Lua string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\r", "\\r")
    if any(ord(c) < 32 for c in escaped):
        raise ValueError(f"control character in {value!r}")
    return f'"{escaped}"'


def lua_spec(kinds: Sequence[RequestKind]) -> str:
    """The spec file bench/wrk.lua reads."""
    lines = ["return {kinds = {"]
    for kind in kinds:
        if not kind.targets or kind.weight < 1:
            raise ValueError(f"{kind.name}: no target or no weight")
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in kind.headers.items())
        lines.append(
            f"  {{name = {lua_string(kind.name)}, method = {lua_string(kind.method)}, "
            f"weight = {kind.weight}, headers = {{{headers}}}, targets = {{"
        )
        for target in kind.targets:
            body = "" if target.body is None else f", body = {lua_string(target.body)}"
            lines.append(f"    {{path = {lua_string(target.path)}{body}}},")
        lines.append("  }},")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def executable() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: run `bash scripts/install-wrk.sh` as root")
    return found


def version() -> str:
    result = subprocess.run(
        [executable(), "--version"], capture_output=True, text=True, check=False, timeout=10
    )
    return (result.stdout or result.stderr).splitlines()[0].split(" Copyright")[0].strip()


def run(
    base_url: str,
    kinds: Sequence[RequestKind],
    *,
    duration: float,
    connections: int,
    threads: int,
    timeout: float,
    work_dir: Path,
) -> WrkResult:
    """Run wrk for ``duration`` seconds against ``base_url`` with the mix ``kinds``."""
    spec = work_dir / "wrk-spec.lua"
    spec.write_text(lua_spec(kinds))
    threads = max(1, min(threads, connections))
    command = [
        executable(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration))}s",
        f"--timeout={max(1, round(timeout))}s",
        "--latency",
        f"--script={SCRIPT}",
        base_url,
        "--",
        str(spec),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=duration + timeout + 60
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return WrkResult.parse(result.stdout)
