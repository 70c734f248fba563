"""The WTTJ parameter rules (§1.2, §15.1).

Parameters are the union of the query string, a JSON body and a form body, on every method:
the docs' own FAQ sends ``curl -X HEAD -d organization_reference=…``. On a write the body wins
a conflict; on a read (GET, HEAD, OPTIONS) the query does. A blank value (``status=``) means
the parameter is absent, in the query string of every request and in the body of a read (a
write's body keeps its blanks: ``""`` clears a text field there). Booleans and integers may
arrive as strings; unknown parameters are ignored; a missing one is
``400 "<param> is missing"``. Query and form keys follow the Rack conventions that Rails
clients use for arrays and hashes: ``a[]=1``, ``a[][url]=…``, ``a[b]=…``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from fastapi import Request
from pydantic import BaseModel, ConfigDict, ValidationError

from canopy.errors import ApiError, describe_validation, validation_failed

M = TypeVar("M", bound=BaseModel)

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
MAX_PARAMS = 1000
MAX_DEPTH = 8


class Params(BaseModel):
    """Base of every request model: lax coercion of strings, unknown keys ignored."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rack-style nesting of flat ``key=value`` pairs into dicts and lists."""
    result: dict[str, Any] = {}
    for count, (key, value) in enumerate(pairs):
        if count >= MAX_PARAMS:
            raise validation_failed(f"Too many parameters (at most {MAX_PARAMS})")
        match = _KEY.match(key)
        if match is None:
            result[key] = value
            continue
        name, rest = match.groups()
        parts = _PART.findall(rest)
        if len(parts) > MAX_DEPTH:
            raise validation_failed(f"{name} is nested too deeply")
        _assign(result, name, parts, value)
    return result


def _assign(target: dict[str, Any], name: str, parts: list[str], value: str) -> None:
    if not parts:
        target[name] = value
        return
    head, tail = parts[0], parts[1:]
    if head == "":
        items = target.get(name)
        if not isinstance(items, list):
            items = target[name] = []
        if not tail:
            items.append(value)
            return
        # "a[][k]=v": start a new hash when the last one already has that key path (Rack's rule).
        last = items[-1] if items else None
        if not isinstance(last, dict) or _has_path(last, tail):
            last = {}
            items.append(last)
        _assign(last, tail[0], tail[1:], value)
        return
    child = target.get(name)
    if not isinstance(child, dict):
        child = target[name] = {}
    _assign(child, head, tail, value)


def _has_path(target: dict[str, Any], parts: list[str]) -> bool:
    """Whether ``target[p0][p1]…`` is already set; a path through ``[]`` never is (Rack)."""
    node: Any = target
    for part in parts:
        if part == "" or not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"The request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"The request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _query_string(request: Request) -> str:
    # What ``request.url.query`` gives, without building the whole URL for it.
    query: bytes = request.scope.get("query_string", b"")
    return query.decode("latin-1")


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _query_params(request: Request) -> dict[str, Any]:
    """The query string's parameters, blank ones left out, the token taken out."""
    pairs = parse_qsl(_query_string(request), keep_blank_values=True)
    data = nest((key, value) for key, value in pairs if value != "")
    data.pop("access_token", None)
    return data


def _has_body(request: Request) -> bool:
    # Without either header an HTTP/1.1 request has no body (RFC 9112 §6.3): a body-less
    # read, the common case, never waits on the stream.
    headers = request.headers
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in headers


def _without_blanks(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value != ""}


async def merged(request: Request) -> dict[str, Any]:
    """The query string and the body together (see the module's rules). Computed once per
    request."""
    cached = getattr(request.state, "params", None)
    if isinstance(cached, dict):
        return cached
    data = _query_params(request)
    if request.method not in READ_METHODS:
        data.update(await _body_params(request))
    elif _has_body(request):
        body = _without_blanks(await _body_params(request, reading=True))
        # What only the body says, for the paging links: following them must ask the same.
        request.state.body_only_params = {
            key: "true" if value is True else "false" if value is False else str(value)
            for key, value in body.items()
            if key not in data and isinstance(value, str | int | float | bool)
        }
        data = {**body, **data}
    request.state.params = data
    return data


async def _body_params(request: Request, *, reading: bool = False) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limit: int = request.app.state.settings.max_json_body_bytes
    if content_type == "multipart/form-data":
        form = await request.form()
        request.state.form = form
        return nest((k, v) for k, v in form.multi_items() if isinstance(v, str))
    body = await _read_body(request, limit)
    if not body.strip():
        return {}
    if content_type == "application/x-www-form-urlencoded":
        try:
            text = body.decode()
        except UnicodeDecodeError as exc:
            raise validation_failed("The form body is not valid UTF-8") from exc
        return nest(parse_qsl(text, keep_blank_values=True))
    if content_type in ("application/json", "") or content_type.endswith("+json"):
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            labelled = _form_labelled_json(body) if reading else None
            if labelled is None:
                raise validation_failed(f"The JSON body is invalid: {exc.msg}") from exc
            return labelled
        if not isinstance(parsed, dict):
            raise validation_failed("The JSON body must be an object")
        return parsed
    if reading:
        # A read's body of another type carries no parameters Canopy knows of.
        return {}
    raise ApiError(415, f"Unsupported content type {content_type!r}")


def _form_labelled_json(body: bytes) -> dict[str, Any] | None:
    """A read's body that is a form although labelled JSON, or None. An older page of the
    docs sends ``-H "Content-Type: application/json" -d "organizations=true&jobs=true"`` on
    ``GET /users/current``; the original read it as a form."""
    try:
        text = body.decode()
        pairs = parse_qsl(text.strip(), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return nest(pairs)


def _nul_free(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict):
        return all(_nul_free(k) and _nul_free(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_nul_free(item) for item in value)
    return True


def validate(model: type[M], data: dict[str, Any]) -> M:
    # PostgreSQL text cannot hold NUL (SQLite can): refused here, the same on every backend,
    # instead of failing in the database. Only the model's own parameters: others are ignored.
    for name in model.model_fields:
        if name in data and not _nul_free(data[name]):
            raise validation_failed(f"{name} is invalid: must not contain NUL characters")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(describe_validation(exc.errors())) from exc


def parse(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency returning ``model`` built from the merged parameters."""

    async def dependency(request: Request) -> M:
        return validate(model, await merged(request))

    dependency.__name__ = f"parse_{model.__name__}"
    return dependency


def parse_query(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency returning ``model`` built from the query string alone: the response
    options of a write, whose body is the resource itself (a job's ``offices`` list there is
    not the ``offices=true`` inclusion flag)."""

    async def dependency(request: Request) -> M:
        return validate(model, _query_params(request))

    dependency.__name__ = f"parse_query_{model.__name__}"
    return dependency


# -- OpenAPI: the merged parameters are read by hand, so each route declares them here. --


def choices(values: Iterable[str], *, optional: bool = True) -> dict[str, Any]:
    """``json_schema_extra`` of a string field a validator restricts to ``values``: the
    document lists them (``null`` too, for an optional field)."""
    return {"enum": [*sorted(values), *([None] if optional else [])]}


EMAIL: dict[str, Any] = {"format": "email"}
# A URL Canopy downloads (or checks): only http and https ones are accepted.
URL: dict[str, Any] = {"format": "uri"}

_SCHEMAS: dict[str, Any] = {}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        _SCHEMAS[name] = definition
    return schema


def openapi_query(model: type[BaseModel]) -> dict[str, Any]:
    schema = _schema(model)
    required = set(schema.get("required", []))
    parameters = [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
            **({"description": prop["description"]} if "description" in prop else {}),
            # A blank value means the parameter is absent: an optional one may be sent blank.
            **({} if name in required else {"allowEmptyValue": True}),
        }
        for name, prop in schema.get("properties", {}).items()
    ]
    return {"parameters": parameters}


def openapi_body(
    model: type[BaseModel], *, upload: str | None = None, many: bool = False
) -> dict[str, Any]:
    """The JSON and form bodies ``model`` is read from; with ``upload``, a multipart body too,
    whose file part (parts, with ``many``) has that name."""
    _SCHEMAS[model.__name__] = _schema(model)
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    content: dict[str, Any] = {
        "application/json": {"schema": ref},
        "application/x-www-form-urlencoded": {"schema": ref},
    }
    if upload is not None:
        part: dict[str, Any] = {"type": "string", "format": "binary"}
        if many:
            part = {"type": "array", "items": part}
        content["multipart/form-data"] = {
            "schema": {"allOf": [ref, {"type": "object", "properties": {upload: part}}]}
        }
    return {"requestBody": {"required": True, "content": content}}


def openapi_schemas() -> dict[str, Any]:
    return dict(_SCHEMAS)
