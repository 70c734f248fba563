"""The bench's table: the real route's rate as a share of its floors, against the targets."""

from __future__ import annotations

import pytest

from bench.report import Measurement, RouteReport, table
from bench.routes import raw_path
from bench.wrk import WrkResult

pytestmark = pytest.mark.bench


def _measured(kind: str, rate: float, errors: int = 0) -> Measurement:
    result = WrkResult(
        seconds=10.0, requests=int(rate * 10), bytes=0, ok=int(rate * 10) - errors,
        non_2xx=errors, socket_errors={"connect": 0, "read": 0, "write": 0, "timeout": 0},
        p50_ms=1.0, p90_ms=2.0, p99_ms=3.0, max_ms=4.0,
        statuses={"200": int(rate * 10) - errors, **({"500": errors} if errors else {})},
        sent={},
    )  # fmt: skip
    return Measurement(kind, result, 100.0, 2048)


def _report(name: str, constant: float, raw: float, real: float, errors: int = 0) -> RouteReport:
    return RouteReport(
        name,
        _measured("constant", constant),
        _measured("raw", raw),
        _measured("real", real, errors),
        raw_target=1 / 1.5,
        constant_target=0.5,
    )


def test_table_shows_each_share_against_its_target() -> None:
    fast = _report("retrieve job", constant=1000, raw=800, real=600)
    slow = _report("embed", constant=1000, raw=800, real=400)

    text = table("SQLite", [fast, slow])

    assert fast.passed
    assert not slow.passed
    lines = text.splitlines()
    assert lines[5].endswith("0.75 ≥0.67 pass  0.60 ≥0.50 pass")
    assert lines[8].endswith("0.50 ≥0.67 FAIL  0.40 ≥0.50 FAIL")
    assert lines[-1] == "targets met: 1 of 2 routes"


def test_a_route_with_errors_fails_whatever_its_rate() -> None:
    report = _report("list jobs", constant=1000, raw=800, real=700, errors=3)

    text = table("PostgreSQL", [report])

    assert not report.passed
    assert "! real errors: HTTP 500: 3" in text


def test_raw_paths_replace_the_api_prefix() -> None:
    assert raw_path("/api/v1/external/jobs/all?page=2") == "/bench/raw/jobs/all?page=2"
    assert raw_path("/api/v1/embed?organization_reference=x") == (
        "/bench/raw/embed?organization_reference=x"
    )
