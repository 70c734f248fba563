"""The one error type and its rendering: ``{"error": ..., "error_description": ...}``."""

from __future__ import annotations

from http import HTTPStatus

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from canopy.routing import allowed_methods

ERROR_CODES = {
    400: "validation_failed",
    401: "unauthorized",
    403: "invalid_scope",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error the client caused or should know about; rendered with the contract's body."""

    def __init__(
        self,
        status: int,
        description: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.code = code or ERROR_CODES.get(status, "error")
        self.description = description
        self.headers = headers or {}
        # Fields rendered after the contract's two (e.g. the readiness checks of a 503).
        self.extra = extra or {}


def validation_failed(description: str) -> ApiError:
    return ApiError(400, description)


def missing(param: str) -> ApiError:
    return ApiError(400, f"{param} is missing")


def unauthorized(description: str = "The access token is invalid") -> ApiError:
    return ApiError(401, description)


def not_member() -> ApiError:
    return ApiError(401, "You are not member of this organization")


def invalid_scope(description: str) -> ApiError:
    return ApiError(403, description)


def not_found(what: str = "Resource") -> ApiError:
    return ApiError(404, f"{what} not found")


def error_body(code: str, description: str, extra: dict[str, object] | None = None) -> bytes:
    return orjson.dumps({"error": code, "error_description": description, **(extra or {})})


def error_response(error: ApiError) -> Response:
    return Response(
        error_body(error.code, error.description, error.extra),
        status_code=error.status,
        media_type="application/json",
        headers=error.headers,
    )


def install_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        headers = dict(exc.headers or {})
        if status == 404:
            description = "Resource not found"
        elif status == 405:
            description = "Method not allowed on this endpoint"
            # The router's own Allow names the methods of one route, not of the path.
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope["path"]))
        else:
            description = str(exc.detail) if exc.detail else HTTPStatus(status).phrase
        return error_response(ApiError(status, description, headers=headers))

    async def request_validation(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        # FastAPI's locations start with where the value was ("query", "path", "body").
        errors = [{**error, "loc": tuple(error.get("loc", ()))[1:]} for error in exc.errors()]
        return error_response(ApiError(400, describe_validation(errors)))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_validation)


def describe_validation(errors: object) -> str:
    """One sentence for the first pydantic error, naming the parameter by its location (a
    parameter may be called "body", as an email's is)."""
    items = list(errors) if isinstance(errors, list | tuple) else []
    if not items:
        return "Invalid parameters"
    first = items[0]
    loc = [str(part) for part in first.get("loc", ())]
    name = ".".join(loc) or "parameters"
    kind = first.get("type", "")
    if kind == "missing":
        return f"{name} is missing"
    message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if not loc and message:
        # A check across parameters (a model validator) names them in its own message.
        return message
    return (
        f"{name} is invalid: {message[0].lower()}{message[1:]}" if message else f"{name} is invalid"
    )
