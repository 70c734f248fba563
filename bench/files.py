"""The "remote" file server that attach downloads from: Python's plain HTTP server on a folder,
sending each file with sendfile(2), so that serving it costs the machine as little as it can.

    python -m bench.files PORT FOLDER
"""

from __future__ import annotations

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(SimpleHTTPRequestHandler):
    def copyfile(self, source: Any, outputfile: Any) -> None:
        outputfile.flush()
        self.connection.sendfile(source)

    def log_message(self, *args: object) -> None:
        pass


def main(port: int, folder: str) -> None:
    handler = functools.partial(Handler, directory=folder)
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
