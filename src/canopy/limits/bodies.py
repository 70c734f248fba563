"""A request body read ahead of the application: fingerprinted for its Idempotency-Key, kept
in memory up to 1 MB and in a temporary file beyond, then handed to the application as if it
came from the client."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO

from starlette.types import Message, Receive, Scope

MEMORY_BYTES = 1024 * 1024
CHUNK = 64 * 1024


class Fingerprint:
    """SHA-256 of what makes a request this request: method, path, query (without
    ``access_token``), media type and body. A multipart body is hashed with its boundary
    taken out, so that a client drawing a new boundary for a retry sends the same request."""

    def __init__(self, scope: Scope) -> None:
        headers = {name.lower(): value for name, value in scope["headers"]}
        media_type, boundary = _media_type(headers.get(b"content-type", b"").decode("latin-1"))
        query = scope.get("query_string", b"").decode("latin-1")
        query = "&".join(
            part for part in query.split("&") if part and part.partition("=")[0] != "access_token"
        )
        self._hash = hashlib.sha256(
            "\n".join(
                [
                    scope["method"],
                    scope.get("raw_path", b"").decode("latin-1") or scope["path"],
                    query,
                    media_type,
                    "",
                ]
            ).encode("utf-8", "surrogateescape")
        )
        self._delimiter = (
            ("--" + boundary).encode("latin-1")
            if media_type.startswith("multipart/") and boundary
            else b""
        )
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        if not self._delimiter:
            self._hash.update(chunk)
            return
        parts = (self._carry + chunk).split(self._delimiter)
        for part in parts[:-1]:
            self._hash.update(part)
            self._hash.update(b"\x00--boundary--\x00")
        # Keep what could be the start of a delimiter cut by the chunk's end.
        keep = len(self._delimiter) - 1
        last = parts[-1]
        self._hash.update(last[:-keep] if len(last) > keep else b"")
        self._carry = last[-keep:] if len(last) > keep else last

    def hexdigest(self) -> str:
        self._hash.update(self._carry)
        self._carry = b""
        return self._hash.hexdigest()


def _media_type(value: str) -> tuple[str, str | None]:
    media_type, _, parameters = value.partition(";")
    boundary = None
    for parameter in parameters.split(";"):
        name, _, given = parameter.strip().partition("=")
        if name.lower() == "boundary":
            boundary = given.strip().strip('"')
    return media_type.strip().lower(), boundary


class Spool:
    """A request body read ahead: in memory up to ``MEMORY_BYTES``, in a temporary file
    beyond; read back in chunks."""

    def __init__(self, temp_dir: Path | None) -> None:
        self._temp_dir = temp_dir
        self._memory = bytearray()
        self._file: IO[bytes] | None = None
        self._path: str | None = None
        self._offset = 0

    async def write(self, chunk: bytes) -> None:
        if self._file is None and len(self._memory) + len(chunk) <= MEMORY_BYTES:
            self._memory += chunk
            return
        if self._file is None:
            fd, self._path = tempfile.mkstemp(prefix="canopy-idempotency-", dir=self._temp_dir)
            self._file = os.fdopen(fd, "w+b")
            memory, self._memory = bytes(self._memory), bytearray()
            await asyncio.to_thread(self._file.write, memory)
        await asyncio.to_thread(self._file.write, chunk)

    async def read(self) -> bytes:
        """The next chunk; empty at the end."""
        if self._file is None:
            chunk = bytes(self._memory[self._offset : self._offset + CHUNK])
            self._offset += len(chunk)
            return chunk
        if self._offset == 0:
            await asyncio.to_thread(self._file.seek, 0)
        chunk = await asyncio.to_thread(self._file.read, CHUNK)
        self._offset += len(chunk)
        return chunk

    async def fill(self, receive: Receive, fingerprint: Fingerprint) -> bool:
        """Read the whole body from the client; False if the client went away first."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            chunk = message.get("body", b"")
            if chunk:
                fingerprint.feed(chunk)
                await self.write(chunk)
            if not message.get("more_body", False):
                return True

    def replay(self, receive: Receive) -> Receive:
        """A ``receive`` that hands the body over again, then waits on the client's."""
        finished = False

        async def receive_again() -> Message:
            nonlocal finished
            if finished:
                return await receive()
            chunk = await self.read()
            if not chunk:
                finished = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        return receive_again

    def close(self) -> None:
        self._memory = bytearray()
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self._path)
            self._path = None
