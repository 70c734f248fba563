"""The outermost layer: request ids, HEAD bodies, the boundary for unexpected errors, and the
access log and request metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from canopy.errors import ApiError, error_body, error_response
from canopy.ops import metrics

logger = logging.getLogger("canopy.request")
access_logger = logging.getLogger("canopy.access")

# Request state: a dict of headers to put on the response (see `_decided_headers`).
RESPONSE_HEADERS = "response_headers"

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Gives every request an ``X-Request-Id`` (kept from the client when it is sane), strips
    bodies from HEAD responses, and turns an unhandled exception into the contract's 500 body,
    logged with the request id and never shown to the client. Every request is counted in the
    Prometheus metrics and gets one line on the ``canopy.access`` logger."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = [500]  # what the response started with; 500 if it never did
        try:
            await self._handle(scope, receive, send, request_id, status)
        finally:
            _observe(scope, request_id, status[0], time.perf_counter() - began)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, status: list[int]
    ) -> None:
        is_head = scope["method"] == "HEAD"
        if "\x00" in scope["path"]:
            # Names no resource; refused before it reaches a database that would choke on it.
            status[0] = 404
            await error_response(ApiError(404, "Resource not found"))(scope, receive, send)
            return
        started = False
        received = 0

        async def receive_limited() -> Message:
            # Every body is counted as it arrives, whatever Content-Length claims (or when
            # there is none): an upload cannot exceed what one request may carry.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise ApiError(
                        413, f"The request body is larger than {self.max_body_bytes} bytes"
                    )
            return message

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                status[0] = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(_decided_headers(scope))
                message["headers"] = headers
            elif message["type"] == "http.response.body" and is_head:
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive_limited, send_wrapper)
        except ApiError as exc:
            # Raised while a body was being read outside any handler (e.g. by a form parser).
            if started:
                raise
            await error_response(exc)(scope, receive, send_wrapper)
        except Exception:
            logger.exception(
                "unhandled error (request id %s)",
                request_id,
                extra={"request_id": request_id, "path": scope.get("path")},
            )
            if started:
                raise
            body = error_body(
                "internal_error",
                f"An internal error occurred; quote request id {request_id} when reporting it",
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-request-id", request_id.encode()),
                        *_decided_headers(scope),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"" if is_head else body})


def _decided_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """Headers decided while the request was handled, for whatever response it gets, a 500
    included (the rate-limit figures, set once the token is known: ``canopy.limits``)."""
    decided = scope.get("state", {}).get(RESPONSE_HEADERS)
    if not decided:
        return []
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in decided.items()
    ]


def _observe(scope: Scope, request_id: str, status: int, seconds: float) -> None:
    """Count the request and write its access log line. The route is the matched route's path
    template (the router leaves it in the scope), never the raw path: ids would make every
    path its own time series."""
    route = getattr(scope.get("route"), "path", None) or metrics.UNMATCHED
    method = scope["method"]
    metrics.observe_request(metrics.method_label(method), route, status, seconds)
    if access_logger.isEnabledFor(logging.INFO):
        duration_ms = round(seconds * 1000, 3)
        access_logger.info(
            "%s %s %s %.1fms",
            method,
            scope["path"],
            status,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": method,
                "route": route,
                "path": scope["path"],
                "status": status,
                "duration_ms": duration_ms,
            },
        )
