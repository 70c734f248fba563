"""``make profile``: where one route's time goes, sampled with py-spy while wrk drives it.

    .venv/bin/python -m bench.profile --route "create candidate" [--backend sqlite] [...]

Seeds a fresh installation like ``make bench`` (a smaller data set by default), starts the
bench's application (Canopy with the floors, :mod:`bench.app`) with one worker, and records
the worker with py-spy for ``--duration`` seconds while wrk sends the route's real requests
(or its ``--kind raw``/``constant`` requests). Prints the functions that cost most, by own
time and by time including what they call, and keeps py-spy's collapsed stacks (``--output``,
for speedscope or flamegraph.pl).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

from bench import wrk
from bench.routes import probe, routes
from bench.seed import DataSet, seed
from bench.server import (
    DEFAULT_POSTGRES_URL,
    MB,
    file_server,
    installation,
    make_pdf,
    serve,
    server_env,
)

DOCUMENT_MB = 10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--route", required=True, help="a route of make bench, e.g. 'create candidate'")
    add("--kind", choices=("real", "raw", "constant"), default="real")
    add("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    add("--postgres-url", default=DEFAULT_POSTGRES_URL)
    add("--duration", type=float, default=10.0, help="seconds sampled (default 10)")
    add("--connections", type=int, default=32)
    add("--rate", type=int, default=250, help="py-spy samples per second (default 250)")
    add("--top", type=int, default=40, help="functions listed (default 40)")
    add("--organizations", type=int, default=10)
    add("--jobs", type=int, default=1000)
    add("--candidates", type=int, default=10000)
    add("--output", type=Path, help="keep py-spy's collapsed stacks in this file")
    add("--set", action="append", default=[], metavar="CANOPY_NAME=VALUE",
        help="a setting of the server, e.g. CANOPY_DATABASE_POOL_SIZE=20 (repeatable)")  # fmt: skip
    return parser.parse_args(argv)


def summarise(collapsed: str, top: int) -> str:
    """The ``top`` functions by own samples and by inclusive samples, from collapsed stacks
    (``frame;frame;frame count`` per line, the innermost frame last)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples"

    def table(title: str, counter: Counter[str]) -> list[str]:
        lines = [f"{title} ({total} samples)"]
        for frame, count in counter.most_common(top):
            lines.append(f"  {100 * count / total:5.1f} %  {frame}")
        return lines

    sections = [
        table("own time by package", packages),
        table("own time", own),
        table("including callees", inclusive),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)


def _package(frame: str) -> str:
    """``sqlalchemy`` for ``execute (sqlalchemy/orm/session.py:2555)``."""
    location = frame.rpartition(" (")[2]
    return location.split("/", 1)[0] if "/" in location else location.rstrip(")").split(":")[0]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    data = DataSet(args.organizations, args.jobs, args.candidates)
    with tempfile.TemporaryDirectory(prefix="canopy-profile-") as folder:
        work = Path(folder)
        remote = work / "remote"
        remote.mkdir()
        make_pdf(remote / "document.pdf", DOCUMENT_MB * MB)
        with (
            file_server(remote) as files_url,
            installation(args.backend, work, args.postgres_url) as found,
        ):
            seeded = asyncio.run(seed(found.settings(), data))
            every = routes(seeded, files_url + "/document.pdf")
            chosen = [r for r in every if r.name == args.route]
            if not chosen:
                names = ", ".join(r.name for r in every)
                raise SystemExit(f"unknown route {args.route!r}: one of {names}")
            route = chosen[0]
            settings = dict(item.split("=", 1) for item in args.set)
            serving = serve(found, workers=1, env=server_env(settings), floors=True)
            with serving as server, httpx.Client(timeout=600) as client:
                size = probe(client, server.url, route.kind, route.status)
                kind = {"real": route.kind, "raw": route.raw(), "constant": route.constant(size)}
                chosen_kind = kind[args.kind]
                wrk.run(server.url, [chosen_kind], duration=1, connections=args.connections,
                        threads=1, timeout=30, work_dir=work)  # fmt: skip
                server.wait_idle()
                raw = work / "profile.txt"
                record = subprocess.Popen(
                    [spy, "record", "-p", str(server.pids()[0]), "-d", str(int(args.duration) + 1),
                     "-r", str(args.rate), "-f", "raw", "-o", str(raw), "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )  # fmt: skip
                measured = wrk.run(server.url, [chosen_kind], duration=args.duration,
                                   connections=args.connections, threads=1, timeout=30,
                                   work_dir=work)  # fmt: skip
                _, errors = record.communicate(timeout=args.duration + 60)
                if record.returncode != 0 or not raw.exists():
                    raise SystemExit(f"py-spy failed: {errors.decode(errors='replace')}")
            collapsed = raw.read_text()
            if args.output is not None:
                args.output.write_text(collapsed)
    print(
        f"{args.route} ({args.kind}, {args.backend}): {measured.rate:.1f} req/s, "
        f"p50 {measured.p50_ms:.1f} ms, p99 {measured.p99_ms:.1f} ms, errors {measured.errors}\n"
    )
    print(summarise(collapsed, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
