"""The wrk driver: the spec it writes, the result it reads, and a real wrk run in which every
response outside 2xx and every socket error counts as an error."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench import wrk
from bench.server import free_port
from bench.wrk import RequestKind, Target, WrkResult, lua_spec, lua_string

pytestmark = pytest.mark.bench
needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


def test_lua_string_escapes_quotes_backslashes_and_newlines() -> None:
    assert lua_string('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
    with pytest.raises(ValueError, match="control character"):
        lua_string("bell\x07")


def test_lua_spec_lists_each_kind_with_its_targets() -> None:
    spec = lua_spec(
        [
            RequestKind("read", "GET", [Target("/a"), Target("/b")], {"X-Token": "t"}, 3),
            RequestKind("write", "POST", [Target("/c", '{"n": "{n}"}')]),
        ]
    )

    assert spec.startswith("return {kinds = {")
    assert 'name = "read", method = "GET", weight = 3, headers = {["X-Token"] = "t"}' in spec
    assert '{path = "/c", body = "{\\"n\\": \\"{n}\\"}"},' in spec


def test_result_errors_count_non_2xx_and_socket_errors() -> None:
    line = (
        'WRK_RESULT {"duration_us":2000000,"requests":100,"bytes":1000,"ok":90,"non_2xx":10,'
        '"connect":1,"read":2,"write":0,"timeout":3,"status_errors":10,"p50_us":1500,'
        '"p90_us":2000,"p99_us":9000,"max_us":12000,"mean_us":1600.5,'
        '"statuses":{"200":90,"302":4,"500":6},"sent":{"a":106}}'
    )

    result = WrkResult.parse("wrk's own report\n" + line + "\n")

    assert result.rate == 50.0
    assert result.errors == 16
    assert (result.p50_ms, result.p99_ms) == (1.5, 9.0)
    assert result.describe_errors() == "HTTP 302: 4, HTTP 500: 6, connect: 1, read: 2, timeout: 3"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server
    bodies: list[bytes]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.bodies.append(self.rfile.read(length))
        if self.path == "/hang-up":
            self.close_connection = True  # no answer at all: a socket error for the client
            return
        status = {"/ok": 200, "/created": 201, "/moved": 302}.get(self.path, 500)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # wrk resets its connections when it stops: nothing to report


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []
    handler = type("Handler", (_Handler,), {"bodies": bodies})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", bodies
    finally:
        server.shutdown()
        server.server_close()


@needs_wrk
def test_wrk_counts_every_status_outside_2xx_as_an_error(
    http_server: tuple[str, list[bytes]], tmp_path: Path
) -> None:
    url, _ = http_server
    kinds = [
        RequestKind("ok", "GET", [Target("/ok")], weight=3),
        RequestKind("moved", "GET", [Target("/moved")]),
        RequestKind("broken", "GET", [Target("/broken")]),
    ]

    result = wrk.run(url, kinds, duration=1, connections=4, threads=1, timeout=5, work_dir=tmp_path)

    assert result.requests > 0
    assert set(result.statuses) == {"200", "302", "500"}
    assert result.non_2xx == result.statuses["302"] + result.statuses["500"]
    assert result.errors >= result.non_2xx > 0
    assert set(result.sent) == {"ok", "moved", "broken"}
    assert result.sent["ok"] > result.sent["moved"]


@needs_wrk
def test_wrk_sends_a_unique_body_for_each_templated_request(
    http_server: tuple[str, list[bytes]], tmp_path: Path
) -> None:
    url, bodies = http_server
    kind = RequestKind("create", "POST", [Target("/created", '{"email": "c-{n}@example.com"}')])

    result = wrk.run(
        url, [kind], duration=1, connections=2, threads=2, timeout=5, work_dir=tmp_path
    )

    assert result.errors == 0
    assert result.ok > 0
    assert len(bodies) >= result.ok
    assert len(set(bodies)) == len(bodies)
    assert b"{n}" not in bodies[0]


@needs_wrk
def test_wrk_counts_a_connection_closed_without_an_answer_as_an_error(
    http_server: tuple[str, list[bytes]], tmp_path: Path
) -> None:
    url, _ = http_server
    kinds = [
        RequestKind("ok", "GET", [Target("/ok")]),
        RequestKind("gone", "GET", [Target("/hang-up")]),
    ]

    result = wrk.run(url, kinds, duration=1, connections=2, threads=1, timeout=2, work_dir=tmp_path)

    assert result.socket_errors["read"] > 0
    assert result.errors >= result.socket_errors["read"]
    assert result.non_2xx == 0


@needs_wrk
def test_wrk_run_fails_when_nothing_answers(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    kinds = [RequestKind("ok", "GET", [Target("/ok")])]

    with pytest.raises(RuntimeError, match="unable to connect"):
        wrk.run(url, kinds, duration=1, connections=2, threads=1, timeout=2, work_dir=tmp_path)
