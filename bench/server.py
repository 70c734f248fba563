"""The installations the bench runs on and the processes it starts: a fresh database (a SQLite
file in a temporary folder, or a new PostgreSQL database, dropped afterwards), a server on a
free port (``canopy serve``, or the same with the floors mounted: :mod:`bench.app`), and a
plain HTTP server for the remote files that attach downloads."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy.engine import make_url

from canopy import migrate
from canopy.config import Settings

CANOPY = Path(sys.executable).parent / "canopy"
ROOT = Path(__file__).resolve().parent.parent  # where `python -m bench.…` finds the harness
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
IDLE_TIMEOUT = 120.0
IDLE_WINDOW = 0.25
MB = 1024 * 1024
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


# What every bench server runs with: quiet logs (the access log would cost as much as some
# routes), loopback downloads allowed for attach, and no rate limit in the way.
SERVER_ENV = {
    "CANOPY_LOG_LEVEL": "WARNING",
    "CANOPY_FETCH_ALLOWED_NETWORKS": "127.0.0.0/8",
    "CANOPY_FETCH_ALLOWED_PORTS": "1024-65535",
    "CANOPY_MAX_DOCUMENT_BYTES": str(64 * MB),
    "CANOPY_FETCH_DEADLINE": "600",
    # The per-token limits stay on (their cost is part of each route's) but never throttle.
    "CANOPY_RATE_LIMIT_CAPACITY": str(10**9),
    "CANOPY_RATE_LIMIT_REFILL_PER_SECOND": str(10**9),
    "CANOPY_RATE_LIMIT_DOWNLOAD_CAPACITY": str(10**9),
    "CANOPY_RATE_LIMIT_DOWNLOAD_REFILL_PER_SECOND": str(10**9),
    "CANOPY_RATE_LIMIT_DOWNLOAD_CONCURRENCY": "1000",
}


def server_env(extra: Mapping[str, str]) -> dict[str, str]:
    return {**SERVER_ENV, **extra}


def clean_environment() -> dict[str, str]:
    """The caller's environment without its ``CANOPY_*`` settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CANOPY_")}


@dataclass
class Installation:
    """A var folder and a database, migrated."""

    backend: str
    var_dir: Path
    database_url: str
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))

    def settings(self) -> Settings:
        return Settings(
            env="test",
            var_dir=self.var_dir,
            database_url=self.database_url,
            secret_key=self.secret_key,
        )

    def env(self, extra: Mapping[str, str]) -> dict[str, str]:
        return {
            **clean_environment(),
            "CANOPY_VAR_DIR": str(self.var_dir),
            "CANOPY_DATABASE_URL": self.database_url,
            "CANOPY_SECRET_KEY": self.secret_key,
            **extra,
        }


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres(admin_url: str, sql: str) -> str:
    connection = await asyncpg.connect(_dsn(admin_url), timeout=10)
    try:
        return str(await connection.fetchval(sql))
    finally:
        await connection.close()


def postgres_version(admin_url: str) -> str:
    return asyncio.run(_postgres(admin_url, "SHOW server_version"))


@contextmanager
def installation(backend: str, work: Path, postgres_url: str) -> Iterator[Installation]:
    """A fresh, migrated installation on ``backend`` (sqlite or postgresql), removed after."""
    var_dir = work / f"var-{backend}"
    var_dir.mkdir(parents=True)
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{(var_dir / 'canopy.db').as_posix()}"
        found = Installation(backend, var_dir, url)
        migrate.upgrade(found.settings())
        yield found
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    name = f"canopy_bench_{secrets.token_hex(4)}"
    asyncio.run(_postgres(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        found = Installation(backend, var_dir, url)
        migrate.upgrade(found.settings())
        yield found
    finally:
        asyncio.run(_postgres(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found = []
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):
                found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _status_kb(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for {pid}")


@dataclass
class Server:
    """A running ``canopy serve`` (or :mod:`bench.app`); its output goes to ``log``."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The serving processes: the one process, or uvicorn's workers (its spawned
        children; not multiprocessing's resource tracker)."""
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in _children(self.process.pid) if b"spawn_main" in _cmdline(pid)]

    def reset_peak(self) -> bool:
        """Start the peak resident memory (VmHWM) afresh; False where Linux refuses."""
        try:
            for pid in self.pids():
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def peak_rss_mb(self) -> float:
        """The peak resident memory of the serving processes, summed."""
        return sum(_status_kb(pid, "VmHWM") for pid in self.pids()) / 1024

    def cpu_seconds(self) -> float:
        """The CPU time the serving processes have used so far."""
        ticks = 0
        for pid in self.pids():
            # The fields after the command's name: state is the first, utime the 12th.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, timeout: float = IDLE_TIMEOUT) -> None:
        """Until the server has finished what it was doing: the requests a load generator
        left in flight when it stopped are still served after it has gone, and would count
        against the next run. Idle: under 5 % of a core over two windows in a row."""
        deadline = time.monotonic() + timeout
        quiet = 0
        used = self.cpu_seconds()
        while quiet < 2 and time.monotonic() < deadline:
            time.sleep(IDLE_WINDOW)
            now = self.cpu_seconds()
            quiet = quiet + 1 if now - used < IDLE_WINDOW * 0.05 else 0
            used = now

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited {self.process.returncode}:\n{self.output()}")
            with suppress(httpx.TransportError):
                answered = httpx.get(self.url + "/healthz", timeout=2).status_code == 200
                if answered and (self.workers == 1 or len(self.pids()) >= self.workers):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the server was not ready after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it lingers."""
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # workers that outlived their parent


@contextmanager
def serve(
    found: Installation, *, workers: int, env: Mapping[str, str], floors: bool = False
) -> Iterator[Server]:
    """``canopy serve`` on a free port of 127.0.0.1, stopped on the way out; with ``floors``,
    the bench's own application (:mod:`bench.app`), Canopy's with the floors mounted."""
    port = free_port()
    log = found.var_dir.parent / f"serve-{found.backend}-{port}.log"
    settings = {"CANOPY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **env}
    command = [sys.executable, "-m", "bench.app"] if floors else [str(CANOPY), "serve"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=found.env(settings),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that its workers stop too
        )
    server = Server(process=process, port=port, log=log, workers=workers)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def make_pdf(path: Path, size: int) -> None:
    """A file of ``size`` bytes that sniffs as a PDF (random bytes after the header)."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n% Canopy benchmark file\n")
        block = os.urandom(MB)
        while (written := out.tell()) < size:
            out.write(block[: min(MB, size - written)])


@contextmanager
def file_server(folder: Path) -> Iterator[str]:
    """A plain HTTP server on ``folder`` (bench.files), in a process of its own: its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.files", str(port), str(folder)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with suppress(httpx.TransportError):
                httpx.head(url + "/", timeout=2)
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the file server did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(STOP_TIMEOUT)
