"""``canopy serve``: uvicorn, stopped gracefully by SIGTERM or SIGINT whatever the number of
workers. The requests in flight finish (for up to ``GRACEFUL_SECONDS``), new connections are
refused at once, and the command exits 0.

uvicorn alone misses two of those. With workers, the supervisor keeps its copy of the listening
socket open until every worker has drained: the kernel goes on accepting connections that no
process will ever serve, and resets them at the end. With one process, uvicorn re-raises the
stopping signal once it has shut down, so that a clean stop exits 143 (killed by SIGTERM).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

APP = "canopy.main:create_app"
GRACEFUL_SECONDS = 30


def run(*, host: str, port: int, workers: int, log_level: str, app: str = APP) -> None:
    """Serve ``app``, the import path of an application factory (Canopy's own by default)."""
    config = uvicorn.Config(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        access_log=False,  # Canopy writes its own access line (JSON, with the request id)
        log_level=log_level,
    )
    if workers > 1:
        Supervisor(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config)

    def stop(signum: int, _: FrameType | None) -> None:
        if server.should_exit:
            return  # uvicorn replaying the signal it has already stopped for
        raise SystemExit(128 + signum)  # before uvicorn listens for signals: stop right away

    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, stop)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class Supervisor(Multiprocess):
    """uvicorn's supervisor of worker processes, which closes its copy of the listening socket
    as soon as it is told to stop: each worker closes its own as its graceful shutdown begins,
    and the kernel refuses new connections once no process holds one."""

    def handle_term(self) -> None:
        self._stop_listening()
        super().handle_term()

    def handle_int(self) -> None:
        self._stop_listening()
        super().handle_int()

    def _stop_listening(self) -> None:
        for sock in self.sockets:
            sock.close()
