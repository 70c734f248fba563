"""Probes and metrics for the platform running Canopy; no token, outside the WTTJ contract."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from canopy.errors import ApiError
from canopy.ops import metrics
from canopy.ops import service as ops_service

router = APIRouter(tags=["Operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process answers; no dependency is touched."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"description": "Not ready"}})
async def readyz(request: Request) -> Readiness:
    """Readiness: the database and the object store are reachable (503 naming what is not)."""
    checks = await ops_service.check_readiness(request.app.state.engine, request.app.state.storage)
    failed = [name for name, state in checks.items() if state != "ok"]
    if failed:
        raise ApiError(
            503,
            f"Not ready: {' and '.join(failed)} unavailable",
            extra={"checks": checks},
        )
    return Readiness(status="ready", checks=checks)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def prometheus_metrics() -> Response:
    """Prometheus metrics of this process (of every worker in multiprocess mode)."""
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
