"""``make bench``: each route against its raw floor and a constant baseline, measured with wrk
on one worker, on SQLite then PostgreSQL, all in the same run.

    .venv/bin/python -m bench.run [--duration 10] [--backends sqlite,postgresql] [...]

For each backend: a fresh database seeded with the data set (10 organisations, 1 000 jobs,
100 000 candidates by default), Canopy served with the floors mounted beside its routes
(``python -m bench.app``, see ``bench.floors``), then for each route three runs of wrk, after
a short warm-up each: the constant baseline (a fixed body of the real response's size), the
raw floor (the same rows, bare driver and orjson) and the real route. Printed: requests/s,
p50/p99 latency, the server's peak resident memory during the run, errors, and the real
route's rate as a share of the other two, against the targets. Exits 1 if any request failed.
Every option also reads an environment variable (BENCH_DURATION, BENCH_BACKENDS, …).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import machine, report, wrk
from bench.report import Measurement, RouteReport
from bench.routes import Route, probe, routes
from bench.seed import DataSet, seed
from bench.server import (
    DEFAULT_POSTGRES_URL,
    MB,
    Server,
    file_server,
    installation,
    make_pdf,
    serve,
    server_env,
)

BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
DOCUMENT_MB = 10


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--duration",
        type=float,
        default=float(_env("BENCH_DURATION", "10")),
        help="seconds of each measured run (BENCH_DURATION, default 10)",
    )
    add(
        "--warmup",
        type=float,
        default=float(_env("BENCH_WARMUP", "1")),
        help="seconds of warm-up before each run, 0 for none (BENCH_WARMUP, default 1)",
    )
    add(
        "--connections",
        type=int,
        default=int(_env("BENCH_CONNECTIONS", "32")),
        help="wrk connections (BENCH_CONNECTIONS, default 32)",
    )
    add(
        "--attach-connections",
        type=int,
        default=int(_env("BENCH_ATTACH_CONNECTIONS", "4")),
        help="wrk connections for attach (BENCH_ATTACH_CONNECTIONS, default 4)",
    )
    add(
        "--threads",
        type=int,
        default=int(_env("BENCH_THREADS", "1")),
        help="wrk threads (BENCH_THREADS, default 1: the server needs the other cores)",
    )
    add(
        "--timeout",
        type=float,
        default=float(_env("BENCH_TIMEOUT", "30")),
        help="seconds before wrk counts a request as timed out (BENCH_TIMEOUT, default 30)",
    )
    add(
        "--backends",
        default=_env("BENCH_BACKENDS", "sqlite,postgresql"),
        help="comma-separated: sqlite, postgresql (BENCH_BACKENDS)",
    )
    add(
        "--postgres-url",
        default=_env("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL database to create the bench's own database from",
    )
    add(
        "--routes",
        default=_env("BENCH_ROUTES", ""),
        help="comma-separated route names to measure (default: all)",
    )
    add("--organizations", type=int, default=int(_env("BENCH_ORGANIZATIONS", "10")))
    add("--jobs", type=int, default=int(_env("BENCH_JOBS", "1000")))
    add("--candidates", type=int, default=int(_env("BENCH_CANDIDATES", "100000")))
    add("--json", type=Path, default=_env("BENCH_JSON", "") or None,
        help="also write the results to this JSON file (BENCH_JSON)")  # fmt: skip
    return parser.parse_args(argv)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(
    server: Server, kind: wrk.RequestKind, connections: int, args: argparse.Namespace, work: Path
) -> tuple[wrk.WrkResult, float | None]:
    """A warm-up, then the measured run: its result and the server's peak RSS during it."""

    def run(duration: float) -> wrk.WrkResult:
        return wrk.run(server.url, [kind], duration=duration, connections=connections,
                       threads=args.threads, timeout=args.timeout, work_dir=work)  # fmt: skip

    server.wait_idle()
    if args.warmup > 0:
        run(args.warmup)
        server.wait_idle()
    reset = server.reset_peak()
    result = run(args.duration)
    rss = server.peak_rss_mb() if reset else None
    server.wait_idle()
    return result, rss


def measure_route(
    server: Server, client: httpx.Client, route: Route, args: argparse.Namespace, work: Path
) -> RouteReport:
    real_size = probe(client, server.url, route.kind, route.status)
    raw = route.raw()
    raw_size = probe(client, server.url, raw, route.status)
    constant = route.constant(real_size)
    probe(client, server.url, constant, route.status)
    connections = route.connections or args.connections
    measured: dict[str, Measurement] = {}
    for name, kind, size in (("constant", constant, real_size), ("raw", raw, raw_size),
                             ("real", route.kind, real_size)):  # fmt: skip
        result, rss = measure(server, kind, connections, args, work)
        measured[name] = Measurement(name, result, rss, size)
        progress(
            f"  {route.name:<18}{name:<10}{result.rate:>9.1f} req/s  p99 {result.p99_ms:.1f} ms"
            f"  errors {result.errors}"
        )
    return RouteReport(
        route.name,
        measured["constant"],
        measured["raw"],
        measured["real"],
        route.raw_target,
        route.constant_target,
    )


def run_backend(
    backend: str, args: argparse.Namespace, work: Path, document_url: str
) -> tuple[str, list[RouteReport]]:
    data = DataSet(args.organizations, args.jobs, args.candidates)
    wanted = {name.strip() for name in args.routes.split(",") if name.strip()}
    with installation(backend, work, args.postgres_url) as found:
        started = time.perf_counter()
        seeded = asyncio.run(seed(found.settings(), data))
        seconds = time.perf_counter() - started
        progress(f"{BACKEND_NAMES[backend]}: seeded {data} in {seconds:.1f} s")
        reports = []
        serving = serve(found, workers=1, env=server_env({}), floors=True)
        with serving as server, httpx.Client(timeout=600) as client:
            for route in routes(seeded, document_url):
                if wanted and route.name not in wanted:
                    continue
                if route.name.startswith("attach"):
                    route = replace(route, connections=args.attach_connections)
                reports.append(measure_route(server, client, route, args, work))
    title = (
        f"{BACKEND_NAMES[backend]}: 1 worker; {data.organizations} organisations, {data.jobs} "
        f"jobs, {data.candidates} candidates; wrk {args.threads} thread(s), "
        f"{args.connections} connections ({args.attach_connections} for attach), "
        f"{args.duration:g} s per run after {args.warmup:g} s of warm-up"
    )
    return title, reports


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKEND_NAMES)
    if unknown:
        raise SystemExit(f"unknown backend(s): {', '.join(sorted(unknown))}")
    postgres_url = args.postgres_url if "postgresql" in backends else None
    print(f"Canopy bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(machine.render(machine.describe(postgres_url)))
    print(report.TARGETS + "\n", flush=True)
    tables: list[tuple[str, list[RouteReport]]] = []
    with tempfile.TemporaryDirectory(prefix="canopy-bench-") as folder:
        work = Path(folder)
        remote = work / "remote"
        remote.mkdir()
        make_pdf(remote / "document.pdf", DOCUMENT_MB * MB)
        with file_server(remote) as files_url:
            for backend in backends:
                title, reports = run_backend(backend, args, work, files_url + "/document.pdf")
                print(report.table(title, reports) + "\n", flush=True)
                tables.append((title, reports))
    if args.json is not None:
        results = [{"title": t, "routes": [asdict(r) for r in rs]} for t, rs in tables]
        args.json.write_text(json.dumps(results, indent=2))
    failed = sum(r.errors for _, reports in tables for r in reports)
    if failed:
        print(f"{failed} request(s) failed: the figures above are not valid", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
