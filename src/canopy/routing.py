"""Route helpers shared by the domain routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

F = TypeVar("F", bound=Callable[..., Any])


def list_route(router: APIRouter, path: str, **kwargs: Any) -> Callable[[F], F]:
    """Register a list endpoint for GET and HEAD (HEAD answers the paging headers only)."""

    def decorator(endpoint: F) -> F:
        router.add_api_route(path, endpoint, methods=["GET"], **kwargs)
        router.add_api_route(
            path,
            endpoint,
            methods=["HEAD"],
            include_in_schema=False,
            **{k: v for k, v in kwargs.items() if k not in ("openapi_extra", "summary")},
        )
        return endpoint

    return decorator
