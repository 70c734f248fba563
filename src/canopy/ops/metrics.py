"""Prometheus metrics, kept in the process that serves the requests.

Each process has its own counters: behind several workers (``canopy serve --workers N``) one
scrape of ``/metrics`` sees one worker, unless ``PROMETHEUS_MULTIPROC_DIR`` names an empty,
writable folder set in the environment before the workers start, in which case every worker
writes its samples there and ``/metrics`` aggregates them (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
# Any other method string a client sends is folded into one label value: labels must stay few.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "canopy_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "canopy_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
)
REMOTE_FETCHES = Counter(
    "canopy_remote_fetches_total",
    "Remote file downloads, by outcome (ok, refused, error).",
    ["outcome"],
)
REMOTE_FETCH_BYTES = Counter(
    "canopy_remote_fetch_bytes_total",
    "Bytes of remote files downloaded and accepted.",
)


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "OTHER"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)


def record_fetch(outcome: str, size: int = 0) -> None:
    REMOTE_FETCHES.labels(outcome).inc()
    if size:
        REMOTE_FETCH_BYTES.inc(size)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type: this process's metrics, or every worker's
    in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
