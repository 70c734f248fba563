"""The outermost layer: request ids, HEAD bodies, and the boundary for unexpected errors."""

from __future__ import annotations

import logging
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from canopy.errors import ApiError, error_body, error_response

logger = logging.getLogger("canopy.request")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Gives every request an ``X-Request-Id`` (kept from the client when it is sane), strips
    bodies from HEAD responses, and turns an unhandled exception into the contract's 500 body,
    logged with the request id and never shown to the client."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        is_head = scope["method"] == "HEAD"
        if "\x00" in scope["path"]:
            # Names no resource; refused before it reaches a database that would choke on it.
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
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
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
                "unhandled error", extra={"request_id": request_id, "path": scope.get("path")}
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
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"" if is_head else body})
