"""The OpenAPI document served at ``/openapi.json``.

FastAPI derives the paths, the parameters it parses itself and the response models. The rest is
added here, for every route at once, from what the route depends on: the parameters read by hand
(declared with ``params.openapi_query``/``openapi_body``), the security schemes, the paging and
rate-limit headers, and every error a route can answer, each with the contract's one error body
(§15.2). A route declares by hand only what is its own (a file's 206 and 416, say).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

import orjson
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from canopy.auth import authenticate
from canopy.pagination import PageDep
from canopy.params import openapi_schemas

ERROR_SCHEMA = "Error"
_ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}

# Each status: its component name and what it means. The code in the body is the first word.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "`validation_failed`: a parameter is missing or invalid."),
    401: (
        "Unauthorized",
        "`unauthorized`: the access token is missing, invalid, revoked or expired, or its user "
        "is not a member of the organization named.",
    ),
    403: (
        "Forbidden",
        "`invalid_scope`: the token lacks a scope this request needs; `forbidden`: only an "
        "admin of the organization may do this.",
    ),
    404: ("NotFound", "`not_found`: no such resource within the token's reach."),
    405: (
        "MethodNotAllowed",
        "`method_not_allowed`: the path does not answer this method; `Allow` lists those it does.",
    ),
    409: (
        "Conflict",
        "`conflict`: a request with the same `Idempotency-Key` is still running; retry after "
        "`Retry-After` seconds.",
    ),
    413: ("PayloadTooLarge", "`payload_too_large`: the request body is larger than allowed."),
    415: (
        "UnsupportedMediaType",
        "`unsupported_media_type`: the body is neither JSON, form-urlencoded nor multipart.",
    ),
    422: (
        "Unprocessable",
        "`unprocessable`: the `Idempotency-Key` was already used for a different request.",
    ),
    429: (
        "RateLimited",
        "`rate_limited`: too many requests for this token; retry after `Retry-After` seconds.",
    ),
    500: (
        "InternalError",
        "`internal_error`: an unexpected error; quote the `X-Request-Id` when reporting it.",
    ),
}

_INTEGER = {"type": "integer"}
_STRING = {"type": "string"}
_OPTIONAL_PAGE = {"type": "string", "pattern": "^[0-9]*$"}
_RESOURCE = {"type": "string", "enum": ["api", "downloads"]}
_TRUE = {"type": "string", "enum": ["true"]}
# Name: (description, schema, always sent where declared).
HEADERS: dict[str, tuple[str, dict[str, Any], bool]] = {
    "X-Request-Id": (
        "The request's id: the client's own when sane, else a new one.",
        _STRING,
        True,
    ),
    "X-Total": ("How many items the list holds.", _INTEGER, True),
    "X-Total-Pages": ("How many pages of `X-Per-Page` items.", _INTEGER, True),
    "X-Per-Page": ("The page size used (`per_page`).", _INTEGER, True),
    "X-Page": ("This page's number, from 1.", _INTEGER, True),
    "X-Offset": ("How many items come before this page.", _INTEGER, True),
    "X-Next-Page": ("The next page's number; empty on the last page.", _OPTIONAL_PAGE, True),
    "X-Prev-Page": ("The previous page's number; empty on the first.", _OPTIONAL_PAGE, True),
    "Link": ("RFC 8288 links to the first, previous, next and last pages.", _STRING, True),
    "X-RateLimit-Limit": ("The token's burst: requests it may send at once.", _INTEGER, False),
    "X-RateLimit-Remaining": ("Requests the token may send now.", _INTEGER, False),
    "X-RateLimit-Reset": ("When the budget is full again, in Unix seconds.", _INTEGER, False),
    "X-RateLimit-Resource": ("The budget described: `api` or `downloads`.", _RESOURCE, False),
    "Retry-After": ("Seconds to wait before trying again.", _INTEGER, True),
    "Idempotent-Replayed": ("`true`: the kept answer to an earlier request.", _TRUE, False),
    "Allow": ("The methods the path answers.", _STRING, True),
}
_PAGING: tuple[str, ...] = (
    *("X-Total", "X-Total-Pages", "X-Per-Page", "X-Page", "X-Offset", "X-Next-Page"),
    *("X-Prev-Page", "Link"),
)
_RATE_LIMIT: tuple[str, ...] = (
    *("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"),
    "X-RateLimit-Resource",
)

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <token>` (the scheme is case-insensitive).",
    },
    "access_token": {
        "type": "apiKey",
        "in": "query",
        "name": "access_token",
        "description": "The token as the `access_token` query parameter.",
    },
}

IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retrying a POST with the same key answers the first request's kept answer "
    "again (`Idempotent-Replayed: true`) instead of doing the work twice.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}

# Parameters naming another resource that the route looks up: an unknown (or unreachable) one
# answers 404, as a path id does. On a route without a token, `organization_reference` is such a
# lookup too (with a token it is a membership, refused with 401).
_LOOKUPS = frozenset({"job_reference", "candidate_reference"})
_PUBLIC_LOOKUPS = _LOOKUPS | {"organization_reference"}

_PAGE_DEPENDENCY = get_args(PageDep)[1].dependency


def build(app: FastAPI) -> dict[str, Any]:
    """The whole document for ``app``."""
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, definition in openapi_schemas().items():
        schemas.setdefault(name, definition)
    schemas[ERROR_SCHEMA] = {
        "type": "object",
        "description": "The body of every error (§15.2).",
        "properties": {
            "error": {"type": "string", "description": "A stable code: `not_found`, …"},
            "error_description": {"type": "string", "description": "A sentence for people."},
        },
        "required": ["error", "error_description"],
    }
    components["headers"] = {
        name: {"description": text, "required": required, "schema": definition}
        for name, (text, definition, required) in HEADERS.items()
    }
    components["responses"] = {name: _error(status) for status, (name, _) in ERRORS.items()}
    components["securitySchemes"] = SECURITY_SCHEMES
    for route, path in _routes(app):
        for method in route.methods or ():
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is not None:
                _complete(operation, method, route, schemas)
    _drop_unused(schema)
    return schema


def _routes(app: FastAPI) -> Iterator[tuple[APIRoute, str]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format:
            yield route, context.path_format


def _calls(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _calls(dependency)


def _header(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/headers/{name}"}


def _error(status: int) -> dict[str, Any]:
    _, description = ERRORS[status]
    # The rate-limit figures come with every answer to a request whose token was valid.
    headers = {name: _header(name) for name in ("X-Request-Id", *_RATE_LIMIT)}
    response: dict[str, Any] = {
        "description": description,
        "headers": headers,
        "content": {"application/json": {"schema": _ERROR_REF}},
    }
    if status == 405:
        response["headers"]["Allow"] = _header("Allow")
    if status in (409, 429):
        response["headers"]["Retry-After"] = _header("Retry-After")
    return response


def _property_names(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """The parameters Canopy validates: the query, the path and the body (not the headers a
    route reads, which it ignores when malformed: `Range`, `If-None-Match`)."""
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] in ("query", "path")}
    for media in operation.get("requestBody", {}).get("content", {}).values():
        names |= _schema_properties(media.get("schema", {}), schemas)
    return names


def _schema_properties(schema: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        return _schema_properties(schemas.get(schema["$ref"].rsplit("/", 1)[-1], {}), schemas)
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        names |= _schema_properties(part, schemas)
    return names


def _complete(
    operation: dict[str, Any], method: str, route: APIRoute, schemas: dict[str, Any]
) -> None:
    calls = [dependency.call for dependency in _calls(route.dependant)]
    token = authenticate in calls
    # `require(...)` is the dependency that itself depends on `authenticate`: a scope check.
    scoped = any(
        dependency.call is not authenticate
        and any(sub.call is authenticate for sub in dependency.dependencies)
        for dependency in _calls(route.dependant)
    )
    paged = _PAGE_DEPENDENCY in calls
    responses: dict[str, Any] = operation.setdefault("responses", {})
    # FastAPI's own 422 describes its validation body; Canopy answers those errors with 400.
    fastapi_422 = responses.get("422", {}).get("content", {}).get("application/json", {})
    if fastapi_422.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
        del responses["422"]
    if method == "POST" and token:
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)

    names = _property_names(operation, schemas)
    has_path = any(p["in"] == "path" for p in operation.get("parameters", []))
    statuses = {405, 500}
    if names or "requestBody" in operation:
        statuses.add(400)
    if "requestBody" in operation:
        statuses |= {413, 415}
    if token:
        operation["security"] = [{name: []} for name in SECURITY_SCHEMES]
        statuses |= {401, 429}
    if scoped:
        statuses.add(403)
    if has_path or names & (_LOOKUPS if token else _PUBLIC_LOOKUPS):
        statuses.add(404)
    if method == "POST" and token:
        statuses |= {409, 422}

    for status, response in responses.items():
        code = int(status) if status.isdigit() else 0
        headers = response.setdefault("headers", {})
        headers.setdefault("X-Request-Id", _header("X-Request-Id"))
        if token:
            headers.update({name: _header(name) for name in _RATE_LIMIT})
        if paged and code == 200:
            headers.update({name: _header(name) for name in _PAGING})
        if method == "POST" and token and 200 <= code < 300:
            headers["Idempotent-Replayed"] = _header("Idempotent-Replayed")
        if code >= 400 and "content" not in response:
            # A route's own error (a file link's 403, say): the contract's body all the same.
            response["content"] = {"application/json": {"schema": _ERROR_REF}}
    for error in sorted(statuses):
        responses.setdefault(str(error), {"$ref": f"#/components/responses/{ERRORS[error][0]}"})
    if method == "HEAD":
        _bodiless(responses)


def _bodiless(responses: dict[str, Any]) -> None:
    """A HEAD answer has GET's status and headers, and no body."""
    for status, response in list(responses.items()):
        if "$ref" in response:
            response = responses[status] = _error(int(status))
        response.pop("content", None)


def _drop_unused(schema: dict[str, Any]) -> None:
    """FastAPI's validation-error models, once no operation refers to them."""
    schemas = schema["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        definition = schemas.pop(name, None)
        if (
            definition is not None
            and f'"#/components/schemas/{name}"' in orjson.dumps(schema).decode()
        ):
            schemas[name] = definition
