"""The measured routes, their requests drawn from the seeded data, and the same requests sent
to the route's raw floor and to a constant baseline of the same size."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import httpx

from bench.seed import Seeded
from bench.wrk import RequestKind, Target

API = "/api/v1/external"
RAW_TARGET = 1 / 1.5  # a route may cost at most 1.5 times its raw floor
ATTACH_RAW_TARGET = 0.5  # attach: at least half the rate of a raw loopback copy
PUBLIC_CONSTANT_TARGET = 0.5  # read-heavy public routes: half the constant baseline's rate
TARGETS_PER_ROUTE = 100  # distinct jobs, candidates… each route's requests are drawn from


@dataclass(frozen=True)
class Route:
    name: str
    kind: RequestKind  # the real route's requests
    status: int = 200
    raw_target: float = RAW_TARGET
    constant_target: float | None = None
    connections: int | None = None  # the run's default when None

    def raw(self) -> RequestKind:
        """The same requests to the route's raw floor (``/bench/raw/…``)."""
        targets = [replace(t, path=raw_path(t.path)) for t in self.kind.targets]
        return replace(self.kind, name=f"{self.kind.name} raw", targets=targets)

    def constant(self, size: int) -> RequestKind:
        """The same method, headers and body, answered with ``size`` fixed bytes."""
        query = urlencode({"size": size, "status": self.status})
        targets = [Target(f"/bench/constant?{query}", t.body) for t in self.kind.targets[:1]]
        return replace(self.kind, name=f"{self.kind.name} constant", targets=targets)


def raw_path(path: str) -> str:
    for prefix in (API, "/api/v1"):
        if path.startswith(prefix + "/"):
            return "/bench/raw" + path.removeprefix(prefix)
    raise ValueError(f"no raw floor for {path}")


def _query(path: str, **params: object) -> str:
    return f"{path}?{urlencode(params)}"


def routes(seeded: Seeded, document_url: str, *, seed: int = 7) -> list[Route]:
    """The routes of ``make bench``, each over up to :data:`TARGETS_PER_ROUTE` targets."""
    rng = random.Random(seed)
    member = {"Authorization": f"Bearer {seeded.member_token}"}
    partner = {"Authorization": f"Bearer {seeded.partner_token}"}
    json_member = {**member, "Content-Type": "application/json"}
    ordinary = [job for job in seeded.jobs if not job.is_default]
    jobs = rng.sample(ordinary, min(TARGETS_PER_ROUTE, len(ordinary)))
    candidates = rng.sample(seeded.candidates, min(TARGETS_PER_ROUTE, len(seeded.candidates)))
    pages = max(1, min(10, -(-len(seeded.jobs) // 100)))
    organizations = seeded.organizations
    return [
        Route(
            "retrieve job",
            RequestKind("retrieve job", "GET", [Target(f"{API}/jobs/{j.reference}") for j in jobs],
                        member),
            constant_target=PUBLIC_CONSTANT_TARGET,
        ),
        Route(
            "list jobs",
            RequestKind("list jobs", "GET", [
                Target(_query(f"{API}/jobs", organization_reference=o, per_page=100, stages="true"))
                for o in organizations
            ], member),
            constant_target=PUBLIC_CONSTANT_TARGET,
        ),
        Route(
            "jobs/all",
            RequestKind("jobs/all", "GET", [
                Target(_query(f"{API}/jobs/all", per_page=100, page=page))
                for page in range(1, pages + 1)
            ], partner),
            constant_target=PUBLIC_CONSTANT_TARGET,
        ),
        Route(
            "embed",
            RequestKind("embed", "GET", [
                Target(_query("/api/v1/embed", organization_reference=o)) for o in organizations
            ]),
            constant_target=PUBLIC_CONSTANT_TARGET,
        ),
        Route(
            "list candidates",
            RequestKind("list candidates", "GET", [
                Target(_query(f"{API}/candidates", job_reference=j.reference)) for j in jobs
            ], member),
        ),
        Route(
            "create candidate",
            RequestKind("create candidate", "POST", [
                Target(f"{API}/candidates", json.dumps({
                    "organization_reference": j.organization_reference,
                    "job_reference": j.reference, "email": "bench-{n}@example.com",
                    "firstname": "Bench", "lastname": "Mark",
                })) for j in jobs
            ], json_member),
            status=201,
        ),
        Route(
            "attach 10 MB",
            RequestKind("attach 10 MB", "POST", [
                Target(f"{API}/documents", json.dumps({
                    "candidate_reference": c.reference,
                    "remote_file_urls": [{"filename": "resume", "url": document_url}],
                })) for c in candidates
            ], json_member),
            status=201,
            raw_target=ATTACH_RAW_TARGET,
        ),
    ]  # fmt: skip


def probe(client: httpx.Client, base_url: str, kind: RequestKind, status: int) -> int:
    """Send the first few requests of ``kind`` once: each must answer ``status``. The mean
    size of their bodies."""
    sizes = []
    for number, target in enumerate(kind.targets[:3]):
        body = None if target.body is None else target.body.replace("{n}", f"probe-{number}")
        response = client.request(
            kind.method, base_url + target.path, headers=dict(kind.headers), content=body
        )
        if response.status_code != status:
            raise RuntimeError(
                f"{kind.name}: {kind.method} {target.path} answered {response.status_code}, "
                f"not {status}: {response.text[:500]}"
            )
        sizes.append(len(response.content))
    return round(sum(sizes) / len(sizes))
