"""Around each write request: read ahead and fingerprint a POST's body when it carries an
Idempotency-Key, record the answer of a request that claimed its key, and release what the
request held (its download slot, its key) however it ends: answered, failed, or cancelled
because the client went away."""

from __future__ import annotations

from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from canopy.db import SAFE_METHODS
from canopy.limits.bodies import Fingerprint, Spool
from canopy.limits.idempotency import Claim, Pending, read_key
from canopy.limits.ratelimit import DownloadGate


class LimitsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits: Any = getattr(scope["app"].state, "limits", None) if "app" in scope else None
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or limits is None:
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        gate: DownloadGate = limits.gate(state)
        state["download_gate"] = gate
        spool: Spool | None = None
        try:
            found = read_key(scope) if scope["method"] == "POST" else None
            if isinstance(found, str):
                spool = Spool(limits.temp_dir)
                fingerprint = Fingerprint(scope)
                if not await spool.fill(receive, fingerprint):
                    return  # the client left before sending its whole body
                state["idempotency"] = Pending(found, fingerprint.hexdigest())
                receive = spool.replay(receive)
                send = _recording(state, send)
            elif found is not None:
                state["idempotency"] = found
            await self.app(scope, receive, send)
        finally:
            # Shielded: a cancelled request still gives back what it held.
            with anyio.CancelScope(shield=True):
                claim = state.get("idempotency_claim")
                if isinstance(claim, Claim):
                    await claim.abandon()
                await gate.close()
                if spool is not None:
                    spool.close()


def _recording(state: dict[str, Any], send: Send) -> Send:
    """``send``, recording the answer for the request's claim (once it has one)."""

    async def send_recorded(message: Message) -> None:
        claim = state.get("idempotency_claim")
        if isinstance(claim, Claim) and not claim.settled:
            if message["type"] == "http.response.start":
                claim.started(message["status"], list(message.get("headers", [])))
            elif message["type"] == "http.response.body":
                claim.received(message.get("body", b""))
                if not message.get("more_body", False):
                    await claim.settle()
        await send(message)

    return send_recorded
