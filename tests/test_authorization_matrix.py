"""The authorisation matrix (§2, §12, §15.2, §15.4): every route of the app, each refusal case.

ROUTES has one row per (method, path template) the app serves behind a token: how to build a
valid request for it against a seeded world (two organisations with a job, a candidate, a
department, an office, an image, a video and a website each), and the scope groups it needs.
Each row's test runs the cases in turn — no token, a malformed token, a revoked token, an
expired token, each scope group missing, each ``_rw`` group held only as ``_r``, the other
organisation's resources, a ``limited`` member not assigned to the job, ``my_candidates_*`` on a
candidate someone else created — and finally the valid request itself (a positive control, so
that a refusal is known to come from the check under test and not from a bad request). A case
that does not apply to a route says why in the row: nothing is skipped silently.

The public routes (embed, signed file links, and the operations probes tagged "Operations") are
listed in PUBLIC and checked to answer without a token. A route the app serves that neither
table lists fails ``test_every_route_has_a_row``.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from PIL import Image as PILImage
from sqlalchemy import update

from canopy.models import ApiToken, Role
from canopy.models.base import utcnow
from canopy.scopes import SCOPES
from canopy.tokens import service as tokens_service
from tests.fixtures.builders import Actor, Builder

API = "/api/v1/external"
ALL_SCOPES = tuple(SCOPES)
# What a member holds in the tenancy cases: no partnership scope (su_* reads across every
# organisation, §15.4), so that the organisation boundary is what is under test.
MEMBER_SCOPES = tuple(s for s in SCOPES if not s.startswith("su_"))
NOT_MEMBER = (401, "unauthorized", "You are not member of this organization")

Group = tuple[str, ...]


@dataclass
class Side:
    """One organisation's seeded resources."""

    actor: Actor
    job: str
    candidate: str
    department: int
    office: int
    image: int
    video: int
    website: str = "careers"

    @property
    def org(self) -> str:
        return self.actor.org


@dataclass
class World:
    a: Side  # the caller's organisation; a.actor is its admin with every scope
    b: Side  # another organisation
    member: str  # a token of a's admin with MEMBER_SCOPES
    limited: Actor  # a limited member of a's organisation, MEMBER_SCOPES, assigned to no job
    mine: Actor  # a standard member of a's organisation with my_candidates_rw, not candidates_*
    revoked: str
    expired: str
    build: Builder


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    params: dict[str, Any] | None = None
    json: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


Expect = tuple[int, str, str | None]  # status, error code, exact description (None: any)


@dataclass(frozen=True)
class Row:
    build: Callable[[Side], Req]
    groups: tuple[Group, ...]  # every group needed; a group is satisfied by any one scope
    ok: int = 200
    write: bool = False
    # The other organisation's resources: the expected refusal, or why the case does not apply.
    foreign: Expect | str = (404, "not_found", None)
    # A limited member on a job it is not assigned to.
    limited: Expect | str = "not addressed by job or candidate"
    # my_candidates_* on a candidate created by another user.
    mine: Expect | str = "not addressed by candidate"
    read_only: str | None = None  # why `_r` instead of `_rw` does not apply to a write route


NOT_FOUND: Expect = (404, "not_found", None)
ANY_TOKEN = "any valid token reaches it: no scope to withhold"
NO_ORG = "addresses no organisation's resource"
LIST_FILTERED = "an organisation-wide list: rows are filtered, the request is not refused"


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (16, 16), (10, 200, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


def _get(path: str, **params: Any) -> Callable[[Side], Req]:
    return lambda s: Req("GET", API + path.format(s=s), params={k: v(s) for k, v in params.items()})


def _org(s: Side) -> str:
    return s.org


def _job(s: Side) -> str:
    return s.job


def _cand(s: Side) -> str:
    return s.candidate


JOB_R: Group = ("jobs_r", "su_jobs_r")
CAND_R: Group = ("candidates_r", "my_candidates_r")
CAND_RW: Group = ("candidates_rw", "my_candidates_rw")

ROUTES: dict[tuple[str, str], Row] = {
    # -- reference data ------------------------------------------------------------------------
    ("GET", f"{API}/jobs/dependencies"): Row(
        _get("/jobs/dependencies"), (("jobs_r",),), foreign=NO_ORG
    ),
    ("GET", f"{API}/languages"): Row(_get("/languages"), (), foreign=NO_ORG),
    ("GET", f"{API}/professions"): Row(_get("/professions"), (), foreign=NO_ORG),
    ("GET", f"{API}/sectors"): Row(_get("/sectors"), (), foreign=NO_ORG),
    # -- jobs ----------------------------------------------------------------------------------
    ("GET", f"{API}/jobs"): Row(
        _get("/jobs", organization_reference=_org),
        (JOB_R,),
        foreign=NOT_MEMBER,
        limited=LIST_FILTERED,
    ),
    ("GET", f"{API}/jobs/all"): Row(
        _get("/jobs/all"), (("su_jobs_r",),), foreign="a partnership scope: every organisation"
    ),
    ("GET", f"{API}/jobs/{{reference}}"): Row(_get("/jobs/{s.job}"), (JOB_R,), limited=NOT_FOUND),
    ("POST", f"{API}/jobs"): Row(
        lambda s: Req(
            "POST",
            f"{API}/jobs",
            json={
                "organization_reference": s.org,
                "name": "Designer",
                "description": "Draw.",
                "profile": "Careful.",
                "contract_type": "FULL_TIME",
                "language": "en",
                "office_id": s.office,
            },
        ),
        (("jobs_rw",),),
        ok=201,
        write=True,
        foreign=NOT_MEMBER,
        limited="creates a job: a limited member is not refused by the job check",
    ),
    ("PUT", f"{API}/jobs/{{reference}}"): Row(
        lambda s: Req("PUT", f"{API}/jobs/{s.job}", json={"name": "Renamed"}),
        (("jobs_rw",),),
        write=True,
        limited=NOT_FOUND,
    ),
    ("PUT", f"{API}/jobs/{{reference}}/update_status"): Row(
        lambda s: Req("PUT", f"{API}/jobs/{s.job}/update_status", json={"status": "published"}),
        (("jobs_rw",),),
        write=True,
        limited=NOT_FOUND,
    ),
    # -- departments and offices -----------------------------------------------------------------
    ("GET", f"{API}/departments"): Row(
        _get("/departments", organization_reference=_org),
        (("departments_r", "su_departments_r"),),
        foreign=NOT_MEMBER,
    ),
    ("GET", f"{API}/departments/{{department_id}}"): Row(
        _get("/departments/{s.department}"), (("departments_r", "su_departments_r"),)
    ),
    ("POST", f"{API}/departments"): Row(
        lambda s: Req(
            "POST", f"{API}/departments", json={"organization_reference": s.org, "name": "Sales"}
        ),
        (("departments_rw",),),
        ok=201,
        write=True,
        foreign=NOT_MEMBER,
    ),
    ("PUT", f"{API}/departments/{{department_id}}"): Row(
        lambda s: Req("PUT", f"{API}/departments/{s.department}", json={"name": "Ops"}),
        (("departments_rw",),),
        write=True,
    ),
    ("GET", f"{API}/offices"): Row(
        _get("/offices", organization_reference=_org),
        (("offices_r", "su_offices_r"),),
        foreign=NOT_MEMBER,
    ),
    ("GET", f"{API}/offices/{{office_id}}"): Row(
        _get("/offices/{s.office}"), (("offices_r", "su_offices_r"),)
    ),
    ("POST", f"{API}/offices"): Row(
        lambda s: Req(
            "POST",
            f"{API}/offices",
            json={
                "organization_reference": s.org,
                "name": "Lyon",
                "city": "Lyon",
                "country_code": "FR",
            },
        ),
        (("offices_rw",),),
        ok=201,
        write=True,
        foreign=NOT_MEMBER,
    ),
    ("PUT", f"{API}/offices/{{office_id}}"): Row(
        lambda s: Req("PUT", f"{API}/offices/{s.office}", json={"name": "HQ"}),
        (("offices_rw",),),
        write=True,
    ),
    # -- candidates ------------------------------------------------------------------------------
    ("GET", f"{API}/candidates"): Row(
        _get("/candidates", job_reference=_job),
        (CAND_R,),
        limited=NOT_FOUND,
        mine="a list: another user's candidates are filtered out, the request is not refused",
    ),
    ("GET", f"{API}/candidates/{{reference}}"): Row(
        _get("/candidates/{s.candidate}"), (CAND_R,), limited=NOT_FOUND, mine=NOT_FOUND
    ),
    ("POST", f"{API}/candidates"): Row(
        lambda s: Req(
            "POST",
            f"{API}/candidates",
            json={
                "organization_reference": s.org,
                "job_reference": s.job,
                "email": "new@example.com",
                "firstname": "New",
                "lastname": "Candidate",
            },
        ),
        (CAND_RW,),
        ok=201,
        write=True,
        foreign=NOT_MEMBER,
        limited=NOT_FOUND,
        mine="creates a candidate: it becomes the token user's own",
    ),
    ("PUT", f"{API}/candidates/{{reference}}"): Row(
        lambda s: Req("PUT", f"{API}/candidates/{s.candidate}", json={"firstname": "Renamed"}),
        (CAND_RW,),
        write=True,
        limited=NOT_FOUND,
        mine=NOT_FOUND,
    ),
    ("POST", f"{API}/comments"): Row(
        lambda s: Req(
            "POST", f"{API}/comments", json={"candidate_reference": s.candidate, "content": "Hi"}
        ),
        (("comments_w",), CAND_R),
        ok=201,
        write=True,
        limited=NOT_FOUND,
        mine=NOT_FOUND,
        read_only="comments_w has no read-only variant; the candidate group is a read group",
    ),
    ("GET", f"{API}/documents"): Row(
        _get("/documents", candidate_reference=_cand),
        (("documents_r",), CAND_R),
        limited=NOT_FOUND,
        mine=NOT_FOUND,
    ),
    ("POST", f"{API}/documents"): Row(
        lambda s: Req(
            "POST",
            f"{API}/documents",
            data={"candidate_reference": s.candidate},
            files={"file": ("notes.txt", b"plain notes\n", "text/plain")},
        ),
        (("documents_rw",), CAND_RW),
        ok=201,
        write=True,
        limited=NOT_FOUND,
        mine=NOT_FOUND,
    ),
    ("GET", f"{API}/emails"): Row(
        _get("/emails", candidate_reference=_cand),
        (("emails_r",), CAND_R),
        limited=NOT_FOUND,
        mine=NOT_FOUND,
    ),
    ("POST", f"{API}/emails"): Row(
        lambda s: Req(
            "POST",
            f"{API}/emails",
            json={
                "candidate_reference": s.candidate,
                "subject": "Hello",
                "body": "Hi there",
                "from_email": "recruiter@example.com",
                "to": "candidate@example.com",
            },
        ),
        (("emails_rw",), CAND_RW),
        ok=201,
        write=True,
        limited=NOT_FOUND,
        mine=NOT_FOUND,
    ),
    ("GET", f"{API}/moves"): Row(
        _get("/moves", organization_reference=_org),
        (("moves_r",),),
        foreign=NOT_MEMBER,
        limited=LIST_FILTERED,
    ),
    # -- users and organisations -----------------------------------------------------------------
    ("GET", f"{API}/users/current"): Row(_get("/users/current"), (("me_r",),), foreign=NO_ORG),
    ("GET", f"{API}/organizations"): Row(
        _get("/organizations", name=lambda s: s.actor.organization.name),
        (("su_organizations_r",),),
        foreign="a partnership scope: every organisation",
    ),
    ("GET", f"{API}/organizations/{{reference}}"): Row(
        _get("/organizations/{s.org}"), (("organizations_r", "su_organizations_r"),)
    ),
    ("PUT", f"{API}/organizations/{{reference}}"): Row(
        lambda s: Req("PUT", f"{API}/organizations/{s.org}", json={"description": "We build."}),
        (("organizations_rw",),),
        write=True,
    ),
    ("POST", f"{API}/organizations/{{reference}}/websites"): Row(
        lambda s: Req(
            "POST",
            f"{API}/organizations/{s.org}/websites",
            json={"reference": "blog", "name": "Blog", "root_url": "https://blog.example"},
        ),
        (("organizations_rw",),),
        ok=201,
        write=True,
    ),
    ("DELETE", f"{API}/organizations/{{reference}}/websites/{{website_reference}}"): Row(
        lambda s: Req("DELETE", f"{API}/organizations/{s.org}/websites/{s.website}"),
        (("organizations_rw",),),
        ok=204,
        write=True,
    ),
    ("PUT", f"{API}/organizations/{{reference}}/tools"): Row(
        lambda s: Req(
            "PUT",
            f"{API}/organizations/{s.org}/tools",
            json={"tools": []},
        ),
        (("organizations_rw",),),
        write=True,
    ),
    # -- media -----------------------------------------------------------------------------------
    ("GET", f"{API}/images"): Row(
        _get("/images", organization_reference=_org),
        (("images_r", "su_images_r"),),
        foreign=NOT_MEMBER,
    ),
    ("POST", f"{API}/images"): Row(
        lambda s: Req(
            "POST",
            f"{API}/images",
            data={"organization_reference": s.org, "name": "Office"},
            files={"file": ("office.png", PNG, "image/png")},
        ),
        (("organizations_rw",),),
        ok=201,
        write=True,
        foreign=NOT_MEMBER,
    ),
    ("DELETE", f"{API}/images/{{image_id}}"): Row(
        lambda s: Req("DELETE", f"{API}/images/{s.image}"),
        (("organizations_rw",),),
        ok=204,
        write=True,
    ),
    ("GET", f"{API}/videos"): Row(
        _get("/videos", organization_reference=_org),
        (("videos_r", "su_videos_r"),),
        foreign=NOT_MEMBER,
    ),
    ("POST", f"{API}/videos"): Row(
        lambda s: Req(
            "POST",
            f"{API}/videos",
            json={
                "organization_reference": s.org,
                "source": "youtube",
                "external_reference": "dQw4w9WgXcQ",
                "name": "Team",
            },
        ),
        (("organizations_rw",),),
        ok=201,
        write=True,
        foreign=NOT_MEMBER,
    ),
    ("DELETE", f"{API}/videos/{{video_id}}"): Row(
        lambda s: Req("DELETE", f"{API}/videos/{s.video}"),
        (("organizations_rw",),),
        ok=204,
        write=True,
    ),
    ("GET", f"{API}/tools"): Row(_get("/tools"), (("tools_r",),), foreign=NO_ORG),
    ("GET", f"{API}/cms/articles/all"): Row(
        _get("/cms/articles/all"), (("cms_articles_r",),), foreign=NO_ORG
    ),
    ("GET", f"{API}/cms/collections"): Row(
        _get("/cms/collections"), (("cms_collections_r",),), foreign=NO_ORG
    ),
    ("GET", f"{API}/cms/collection/categories"): Row(
        _get("/cms/collection/categories"), (("cms_collection_categories_r",),), foreign=NO_ORG
    ),
}

# Routes answered without a token, each with why.
PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/embed"): "a careers-site widget: published jobs, no token (§15.10)",
    ("OPTIONS", "/api/v1/embed"): "CORS preflight of the embed",
    ("GET", "/embed.js"): "the embed's script",
    ("OPTIONS", "/embed.js"): "CORS preflight of the embed's script",
    ("GET", "/files/{token}/{name}"): "a signed, expiring link stands for the token (§15.8)",
    ("GET", "/assets/default-avatar.png"): "the picture of a person without one, in any <img>",
    ("GET", "/healthz"): "liveness probe (Operations)",
    ("GET", "/readyz"): "readiness probe (Operations)",
    ("GET", "/metrics"): "Prometheus metrics (Operations)",
}
# The probes of PUBLIC (and any later route tagged "Operations") answer 200 without a token.
OPERATIONS = [("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")]
DOCS = {"/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"}
OPERATIONS_TAG = "Operations"  # /healthz, /readyz, /metrics: probes, answered without a token


def app_routes(app: FastAPI) -> dict[tuple[str, str], list[str]]:
    """Every (method, path template) the app serves (HEAD twins and the docs left out), with
    the route's tags."""
    found: dict[tuple[str, str], list[str]] = {}
    for route in iter_route_contexts(app.routes):
        path = route.path
        if path is None or path in DOCS:
            continue
        tags = list(getattr(route, "tags", None) or [])
        for method in route.methods or ():
            if method != "HEAD":
                found[(method, path)] = tags
    return found


def test_every_route_has_a_row() -> None:
    from canopy.config import Settings
    from canopy.main import create_app

    app = create_app(Settings(env="test", secret_key="route-listing-" + "x" * 32))
    served = app_routes(app)
    operations = {key for key, tags in served.items() if OPERATIONS_TAG in tags}
    missing = set(served) - set(ROUTES) - set(PUBLIC) - operations
    assert not missing, f"route added without a row in ROUTES or PUBLIC: {sorted(missing)}"
    stale = (set(ROUTES) | set(PUBLIC)) - set(served)
    assert not stale, f"rows for routes the app does not serve: {sorted(stale)}"
    assert not set(ROUTES) & set(PUBLIC)


def _dependency_name(groups: tuple[Group, ...]) -> str:
    """The name ``canopy.auth.require`` gives the dependency checking ``groups``."""
    if not groups:
        return "authenticate"
    return "require_" + "_".join("_or_".join(group) for group in groups)


def test_rows_name_the_scopes_the_routes_check() -> None:
    """Each row's groups are the ones the route's own ``require(...)`` declares."""
    from canopy.config import Settings
    from canopy.main import create_app

    app = create_app(Settings(env="test", secret_key="route-listing-" + "x" * 32))
    declared: dict[tuple[str, str], list[str]] = {}
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if isinstance(original, APIRoute):
            names = [d.call.__name__ for d in original.dependant.dependencies if d.call]
            for method in original.methods:
                declared[(method, original.path)] = names
    for key, row in ROUTES.items():
        assert _dependency_name(row.groups) in declared[key], (key, declared[key])


async def test_operations_routes_need_no_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    """/healthz, /readyz, /metrics (tagged "Operations") answer without a token, when present."""
    tagged = [key for key, tags in app_routes(app).items() if OPERATIONS_TAG in tags]
    for method, path in sorted(set(tagged) | set(OPERATIONS)):
        response = await client.request(method, path)
        assert response.status_code == 200, (method, path, response.text)


# -- the world -------------------------------------------------------------------------------


async def _side(client: httpx.AsyncClient, build: Builder, actor: Actor) -> Side:
    h = actor.headers
    office = await build.office(client, actor)
    job = await build.job(client, actor, office_id=office["id"])
    candidate = await build.candidate(client, actor, job["reference"])
    responses = [
        await client.post(
            f"{API}/departments",
            json={"organization_reference": actor.org, "name": "Tech"},
            headers=h,
        ),
        await client.post(
            f"{API}/images",
            data={"organization_reference": actor.org, "name": "Team"},
            files={"file": ("team.png", PNG, "image/png")},
            headers=h,
        ),
        await client.post(
            f"{API}/videos",
            json={
                "organization_reference": actor.org,
                "source": "youtube",
                "external_reference": "BMi_rlAnwIg",
                "name": "Hello",
            },
            headers=h,
        ),
        await client.post(
            f"{API}/organizations/{actor.org}/websites",
            json={"reference": "careers", "name": "Careers", "root_url": "https://jobs.example"},
            headers=h,
        ),
    ]
    for response in responses:
        assert response.status_code == 201, response.text
    department, image, video, _ = (r.json() for r in responses)
    return Side(
        actor=actor,
        job=job["reference"],
        candidate=candidate["reference"],
        department=department["id"],
        office=office["id"],
        image=image["id"],
        video=video["id"],
    )


async def _expired_token(build: Builder, actor: Actor) -> str:
    secret, token_id = await build.token(actor.user, ALL_SCOPES, expires_in_days=30)
    async with build.maker() as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await session.commit()
    return secret


async def _revoked_token(build: Builder, actor: Actor) -> str:
    secret, token_id = await build.token(actor.user, ALL_SCOPES)
    async with build.maker() as session:
        await tokens_service.revoke(session, token_id)
        await session.commit()
    return secret


@pytest.fixture
async def world(client: httpx.AsyncClient, build: Builder) -> World:
    a = await build.actor(ALL_SCOPES)
    b = await build.actor(ALL_SCOPES)
    side_a = await _side(client, build, a)
    side_b = await _side(client, build, b)
    limited = await build.actor(MEMBER_SCOPES, organization=a.organization, role=Role.limited)
    mine_scopes = [s for s in MEMBER_SCOPES if s not in ("candidates_r", "candidates_rw")]
    mine = await build.actor(mine_scopes, organization=a.organization, role=Role.standard)
    return World(
        a=side_a,
        b=side_b,
        member=(await build.token(a.user, MEMBER_SCOPES))[0],
        limited=limited,
        mine=mine,
        revoked=await _revoked_token(build, a),
        expired=await _expired_token(build, a),
        build=build,
    )


# -- the cases -------------------------------------------------------------------------------


def _withheld(group: Group) -> set[str]:
    """The scopes to leave out so that ``group`` is not held: each one and its ``_rw``."""
    out = set(group)
    out |= {scope + "w" for scope in group if scope.endswith("_r")}
    return out


def _demoted(group: Group) -> tuple[set[str], set[str]]:
    """For a write group: the ``_rw`` scopes to leave out, and their ``_r`` to hold instead."""
    rw = {scope for scope in group if scope.endswith("_rw")}
    return rw, {scope[:-1] for scope in rw}


async def _send(client: httpx.AsyncClient, req: Req, headers: dict[str, str]) -> httpx.Response:
    return await client.request(
        req.method,
        req.path,
        params=req.params,
        json=req.json,
        data=req.data,
        files=req.files,
        headers=headers,
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    def check(self, case: str, response: httpx.Response, expect: Expect) -> None:
        self.ran.append(case)
        status, code, description = expect
        body: Any = None
        with contextlib.suppress(ValueError):
            body = response.json()
        wanted: dict[str, Any] = {"error": code}
        if description is not None:
            wanted["error_description"] = description
        got_ok = (
            response.status_code == status
            and isinstance(body, dict)
            and set(body) == {"error", "error_description"}
            and all(body.get(k) == v for k, v in wanted.items())
        )
        if not got_ok:
            self.failures.append(
                f"{case}: expected {status} {wanted}, "
                f"got {response.status_code} {response.text[:300]}"
            )


ROW_IDS = [f"{method} {path}" for method, path in ROUTES]


@pytest.mark.parametrize("key", list(ROUTES), ids=ROW_IDS)
async def test_authorization(key: tuple[str, str], world: World, client: httpx.AsyncClient) -> None:
    row = ROUTES[key]
    build = world.build
    user = world.a.actor.user
    req = row.build(world.a)
    out = Outcome()
    unauthorized: Expect = (401, "unauthorized", None)

    # Authentication (§15.1): before any parameter validation.
    out.check("no token", await _send(client, req, {}), unauthorized)
    out.check("malformed token", await _send(client, req, _bearer("not a token")), unauthorized)
    out.check(
        "malformed header", await _send(client, req, {"Authorization": "Basic abc"}), unauthorized
    )
    out.check("unknown token", await _send(client, req, _bearer("cnp_" + "0" * 43)), unauthorized)
    out.check("revoked token", await _send(client, req, _bearer(world.revoked)), unauthorized)
    out.check("expired token", await _send(client, req, _bearer(world.expired)), unauthorized)

    # Scopes (§2): each group withheld, then each write group held only as `_r`.
    if not row.groups:
        out.not_applicable["missing scope"] = ANY_TOKEN
    for group in row.groups:
        held = [s for s in ALL_SCOPES if s not in _withheld(group)]
        token, _ = await build.token(user, held)
        out.check(
            f"missing scope {'|'.join(group)}",
            await _send(client, req, _bearer(token)),
            (403, "invalid_scope", f"This endpoint requires the {' or '.join(group)} scope"),
        )
    demotable = [g for g in row.groups if _demoted(g)[0]] if row.write else []
    if not row.write:
        out.not_applicable["read-only scope"] = "a read route"
    elif row.read_only is not None:
        out.not_applicable["read-only scope"] = row.read_only
    assert not (row.write and row.read_only is None and not demotable), key
    if row.read_only is None:
        for group in demotable:
            rw, r = _demoted(group)
            held = [s for s in ALL_SCOPES if s not in rw] + sorted(r)
            token, _ = await build.token(user, held)
            out.check(
                f"read-only {'|'.join(sorted(r))} instead of {'|'.join(sorted(rw))}",
                await _send(client, req, _bearer(token)),
                (403, "invalid_scope", f"This endpoint requires the {' or '.join(group)} scope"),
            )

    # Tenancy (§15.2, §15.4).
    if isinstance(row.foreign, str):
        out.not_applicable["other organisation"] = row.foreign
    else:
        out.check(
            "other organisation's resource",
            await _send(client, row.build(world.b), _bearer(world.member)),
            row.foreign,
        )
    if isinstance(row.limited, str):
        out.not_applicable["limited member"] = row.limited
    else:
        out.check(
            "limited member, job not assigned",
            await _send(client, req, world.limited.headers),
            row.limited,
        )
    if isinstance(row.mine, str):
        out.not_applicable["my_candidates"] = row.mine
    else:
        out.check(
            "my_candidates_* on another user's candidate",
            await _send(client, req, world.mine.headers),
            row.mine,
        )

    # The positive control, last (it may change or delete the seeded resource).
    response = await _send(client, req, world.a.actor.headers)
    out.ran.append("valid request")
    if response.status_code != row.ok:
        out.failures.append(
            f"valid request: expected {row.ok}, got {response.status_code} {response.text[:300]}"
        )

    assert not out.failures, "\n".join([f"{key[0]} {key[1]}:", *out.failures])
    for case, reason in out.not_applicable.items():
        assert reason, f"{case} is skipped without a reason"


# -- the public routes -------------------------------------------------------------------------


async def test_public_embed_needs_no_token(world: World, client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/embed", params={"organization_reference": world.a.org})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = await client.options(
        "/api/v1/embed",
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code in (200, 204), preflight.text
    script = await client.get("/embed.js")
    assert script.status_code == 200, script.text
    preflight = await client.options(
        "/embed.js",
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code in (200, 204), preflight.text


async def test_public_file_link_needs_its_signature(
    world: World, client: httpx.AsyncClient
) -> None:
    created = await client.post(
        f"{API}/documents",
        data={"candidate_reference": world.a.candidate},
        files={"file": ("notes.txt", b"plain notes\n", "text/plain")},
        headers=world.a.actor.headers,
    )
    assert created.status_code == 201, created.text
    url = httpx.URL(created.json()[0]["file_url"])
    served = await client.get(url.raw_path.decode())  # no Bearer token
    assert served.status_code == 200, served.text
    assert served.content == b"plain notes\n"
    token, name = url.path.split("/")[-2:]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = await client.get(f"/files/{forged}/{name}")
    assert refused.status_code in (403, 404), refused.text
    # A Bearer token does not stand for the signature.
    refused = await client.get(f"/files/{forged}/{name}", headers=world.a.actor.headers)
    assert refused.status_code in (403, 404), refused.text
