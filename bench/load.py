"""``make load``: 64 concurrent clients for 60 s of mixed reads and writes against
``canopy serve --workers 2`` on a fresh PostgreSQL database. Prints requests/s, p50/p99 latency
and the errors, which must be none: exits 1 otherwise.

    .venv/bin/python -m bench.load [--duration 60] [--connections 64] [--workers 2] [...]

The server runs as in production (``CANOPY_ENV=production``, no bench routes), with the
per-token rate limits set too high to throttle. The mix, by weight: list jobs 20, retrieve job
20, list candidates 20, embed 15; create candidate 10, comment 8, move a candidate to another
stage 7. Every option also reads an environment variable (LOAD_DURATION, …).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench import machine, wrk
from bench.routes import probe
from bench.seed import DataSet, Seeded, seed
from bench.server import DEFAULT_POSTGRES_URL, installation, serve, server_env
from bench.wrk import RequestKind, Target

API = "/api/v1/external"
TARGETS = 200  # distinct jobs and candidates each kind draws from


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--duration",
        type=float,
        default=float(_env("LOAD_DURATION", "60")),
        help="seconds of load (LOAD_DURATION, default 60)",
    )
    add(
        "--warmup",
        type=float,
        default=float(_env("LOAD_WARMUP", "5")),
        help="seconds of the same load before, not counted (LOAD_WARMUP, default 5)",
    )
    add("--connections", type=int, default=int(_env("LOAD_CONNECTIONS", "64")))
    add("--threads", type=int, default=int(_env("LOAD_THREADS", "2")))
    add("--workers", type=int, default=int(_env("LOAD_WORKERS", "2")))
    add(
        "--timeout",
        type=float,
        default=float(_env("LOAD_TIMEOUT", "10")),
        help="seconds before a request counts as timed out (LOAD_TIMEOUT, default 10)",
    )
    add("--postgres-url", default=_env("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    add("--organizations", type=int, default=int(_env("LOAD_ORGANIZATIONS", "5")))
    add("--jobs", type=int, default=int(_env("LOAD_JOBS", "200")))
    add("--candidates", type=int, default=int(_env("LOAD_CANDIDATES", "10000")))  # fmt: skip
    return parser.parse_args(argv)


def mix(seeded: Seeded, *, seed: int = 11) -> list[RequestKind]:
    """The load's request kinds over the seeded data."""
    rng = random.Random(seed)
    member = {"Authorization": f"Bearer {seeded.member_token}"}
    writer = {**member, "Content-Type": "application/json"}
    ordinary = [job for job in seeded.jobs if not job.is_default]
    jobs = rng.sample(ordinary, min(TARGETS, len(ordinary)))
    candidates = rng.sample(seeded.candidates, min(TARGETS, len(seeded.candidates)))
    organizations = seeded.organizations

    def query(path: str, **params: object) -> str:
        return f"{path}?{urlencode(params)}"

    moves = [
        Target(f"{API}/candidates/{c.reference}",
               json.dumps({"job_stage_id": rng.choice(seeded.jobs[c.job].stage_ids)}))
        for c in candidates
    ]  # fmt: skip
    return [
        RequestKind("list jobs", "GET", [
            Target(query(f"{API}/jobs", organization_reference=o)) for o in organizations
        ], member, 20),
        RequestKind("retrieve job", "GET", [
            Target(f"{API}/jobs/{j.reference}") for j in jobs
        ], member, 20),
        RequestKind("list candidates", "GET", [
            Target(query(f"{API}/candidates", job_reference=j.reference)) for j in jobs
        ], member, 20),
        RequestKind("embed", "GET", [
            Target(query("/api/v1/embed", organization_reference=o)) for o in organizations
        ], {}, 15),
        RequestKind("create candidate", "POST", [
            Target(f"{API}/candidates", json.dumps({
                "organization_reference": j.organization_reference,
                "job_reference": j.reference, "email": "load-{n}@example.com",
                "firstname": "Load", "lastname": "Test",
            })) for j in jobs
        ], writer, 10),
        RequestKind("comment", "POST", [
            Target(f"{API}/comments", json.dumps({
                "candidate_reference": c.reference,
                "content": "Call {n}: **strong** on the exercise, see the notes.",
            })) for c in candidates
        ], writer, 8),
        RequestKind("move", "PUT", moves, writer, 7),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Canopy load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(machine.render(machine.describe(args.postgres_url)), flush=True)
    data = DataSet(args.organizations, args.jobs, args.candidates)
    with tempfile.TemporaryDirectory(prefix="canopy-load-") as folder:
        work = Path(folder)
        with installation("postgresql", work, args.postgres_url) as found:
            started = time.perf_counter()
            seeded = asyncio.run(seed(found.settings(), data))
            print(f"seeded {data} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            env = server_env({"CANOPY_ENV": "production"})
            with serve(found, workers=args.workers, env=env) as server:
                kinds = mix(seeded)
                with httpx.Client(timeout=60) as client:
                    for kind in kinds:
                        status = 201 if kind.method == "POST" else 200
                        probe(client, server.url, kind, status)

                def run(duration: float) -> wrk.WrkResult:
                    return wrk.run(server.url, kinds, duration=duration,
                                   connections=args.connections, threads=args.threads,
                                   timeout=args.timeout, work_dir=work)  # fmt: skip

                if args.warmup > 0:
                    run(args.warmup)
                    server.wait_idle()
                result = run(args.duration)
                rss = server.peak_rss_mb()
    print(
        f"\nPostgreSQL, {args.workers} workers; {data.organizations} organisations, {data.jobs} "
        f"jobs, {data.candidates} candidates; wrk {args.threads} threads, {args.connections} "
        f"connections, {args.duration:g} s after {args.warmup:g} s of warm-up"
    )
    sent = ", ".join(f"{name} {count}" for name, count in sorted(result.sent.items()))
    print(f"  requests     {result.requests} answered (sent: {sent})")
    print(f"  requests/s   {result.rate:.1f}")
    print(f"  latency      p50 {result.p50_ms:.1f} ms, p90 {result.p90_ms:.1f} ms, "
          f"p99 {result.p99_ms:.1f} ms, max {result.max_ms:.1f} ms")  # fmt: skip
    print(f"  peak RSS     {rss:.0f} MB ({args.workers} workers, since start)")
    details = f" ({result.describe_errors()})" if result.errors else ""
    print(f"  errors       {result.errors}{details}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
