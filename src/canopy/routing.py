"""Route helpers shared by the domain routers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

F = TypeVar("F", bound=Callable[..., Any])


def list_route(router: APIRouter, path: str, **kwargs: Any) -> Callable[[F], F]:
    """Register a list endpoint for GET and HEAD (HEAD answers the paging headers only). Both
    are documented, with the same parameters; the OpenAPI document leaves HEAD's bodies out."""

    def decorator(endpoint: F) -> F:
        router.add_api_route(path, endpoint, methods=["GET"], **kwargs)
        router.add_api_route(path, endpoint, methods=["HEAD"], **kwargs)
        return endpoint

    return decorator


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the app answers at ``path``: a 405's ``Allow`` (RFC 9110 §15.5.6). The
    router only knows the first route whose path matched, while a path's methods are spread
    over several routes (GET and POST of a list, HEAD of its own)."""
    table: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(
        app.state, "method_table", None
    )
    if table is None:
        table = []
        for context in iter_route_contexts(app.routes):
            methods = getattr(context.original_route, "methods", None)
            if methods and context.path:
                table.append((compile_path(context.path)[0], frozenset(methods)))
        app.state.method_table = table
    return sorted({method for regex, methods in table if regex.match(path) for method in methods})
