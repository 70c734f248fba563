"""Attaching large documents: the server's peak memory must not grow with the file.

    .venv/bin/python bench/attach.py [--sizes 10,100]

Starts ``canopy serve`` (one worker, SQLite, local storage) and a plain HTTP file server on
127.0.0.1, attaches a PDF of each size through ``POST /api/v1/external/documents``, and reads
the server's peak resident memory (VmHWM) after each. Also times a raw loopback copy of the
same file (HTTP GET to a local file, no Canopy) as a baseline in the same run.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

CANOPY = Path(sys.executable).parent / "canopy"
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def make_pdf(path: Path, size: int) -> None:
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n% Canopy benchmark file\n")
        block = os.urandom(MB)
        written = out.tell()
        while written < size:
            chunk = block[: min(MB, size - written)]
            out.write(chunk)
            written += len(chunk)


def file_server(folder: Path) -> tuple[ThreadingHTTPServer, int]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def canopy(env: dict[str, str], *args: str) -> dict[str, object]:
    out = subprocess.run(
        [str(CANOPY), *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main(sizes: list[int]) -> None:
    work = Path(tempfile.mkdtemp(prefix="canopy-bench-attach-"))
    files = work / "remote"
    files.mkdir()
    for size in sizes:
        make_pdf(files / f"{size}mb.pdf", size * MB)
    remote, remote_port = file_server(files)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CANOPY_")},
        "CANOPY_VAR_DIR": str(work / "var"),
        "CANOPY_FETCH_ALLOWED_NETWORKS": "127.0.0.0/8",
        "CANOPY_FETCH_ALLOWED_PORTS": "1024-65535",
        "CANOPY_MAX_DOCUMENT_BYTES": str((max(sizes) + 1) * MB),
        "CANOPY_FETCH_DEADLINE": "600",
        "CANOPY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CANOPY_LOG_LEVEL": "WARNING",
    }
    canopy(env, "db", "upgrade")
    demo = canopy(env, "demo")
    token, org = str(demo["token"]), str(demo["organization_reference"])
    server = subprocess.Popen(
        [str(CANOPY), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{port}/api/v1/external"
        with httpx.Client(timeout=600) as client:
            for _ in range(100):
                try:
                    client.get(f"{base}/languages", headers=headers)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            job = client.get(
                f"{base}/jobs", params={"organization_reference": org}, headers=headers
            ).json()[0]["reference"]
            candidate = client.post(
                f"{base}/candidates",
                headers=headers,
                json={
                    "organization_reference": org,
                    "job_reference": job,
                    "email": "bench@example.com",
                    "firstname": "Bench",
                    "lastname": "Mark",
                },
            ).json()["reference"]
            print(
                f"{'file':>8} {'peak RSS before':>16} {'peak RSS after':>15} "
                f"{'attach':>9} {'raw copy':>9} {'ratio':>6}"
            )
            for size in sizes:
                url = f"http://127.0.0.1:{remote_port}/{size}mb.pdf"
                started = time.perf_counter()
                with client.stream("GET", url) as raw, (work / "copy").open("wb") as out:
                    for chunk in raw.iter_raw(MB):
                        out.write(chunk)
                raw_seconds = time.perf_counter() - started
                before = peak_rss_mb(server.pid)
                started = time.perf_counter()
                response = client.post(
                    f"{base}/documents",
                    headers=headers,
                    json={
                        "candidate_reference": candidate,
                        "remote_file_urls": [{"filename": f"{size}mb", "url": url}],
                    },
                )
                attach_seconds = time.perf_counter() - started
                assert response.status_code == 201, response.text
                assert response.json()[0]["size"] == (files / f"{size}mb.pdf").stat().st_size
                after = peak_rss_mb(server.pid)
                print(
                    f"{size:>6}MB {before:>14.1f}MB {after:>13.1f}MB "
                    f"{attach_seconds:>8.2f}s {raw_seconds:>8.2f}s "
                    f"{raw_seconds / attach_seconds:>6.2f}"
                )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        remote.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100", help="file sizes in MB, comma-separated")
    arguments = parser.parse_args()
    main([int(s) for s in arguments.sizes.split(",")])
