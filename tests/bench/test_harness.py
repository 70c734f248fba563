"""`make bench` and `make load` end to end, shortened: a real server, real wrk runs, a table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench import load, run
from tests.fixtures import databases

pytestmark = [
    pytest.mark.bench,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]
TINY = ["--organizations", "2", "--jobs", "10", "--candidates", "200"]


def test_bench_measures_each_route_against_its_floors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "bench.json"

    code = run.main(
        ["--backends", "sqlite", "--duration", "1", "--warmup", "0", "--connections", "4",
         "--routes", "retrieve job,create candidate", "--json", str(results), *TINY]
    )  # fmt: skip

    out = capsys.readouterr().out
    assert code == 0, out
    assert "SQLite" in out
    assert "PostgreSQL" not in out.split("Targets")[1]  # only in the machine's description
    assert "targets met:" in out
    (table,) = json.loads(results.read_text())
    assert [route["name"] for route in table["routes"]] == ["retrieve job", "create candidate"]
    for route in table["routes"]:
        for kind in ("constant", "raw", "real"):
            assert route[kind]["result"]["requests"] > 0
            assert route[kind]["result"]["non_2xx"] == 0
        assert route["constant"]["body_bytes"] == route["real"]["body_bytes"]


def test_load_runs_the_mix_on_two_workers_without_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not databases.postgres_reachable():
        if databases.postgres_required():
            pytest.fail("PostgreSQL is required in CI but is not reachable")
        pytest.skip("PostgreSQL is not reachable")

    code = load.main(
        ["--duration", "2", "--warmup", "0", "--connections", "8",
         "--postgres-url", databases.ADMIN_URL, *TINY]
    )  # fmt: skip

    out = capsys.readouterr().out
    assert code == 0, out
    assert "errors       0" in out
    requests = next(line for line in out.splitlines() if "requests  " in line)
    for kind in ("list jobs", "embed", "create candidate", "comment", "move"):
        assert kind in requests
