"""The docs' global conventions (§1): both ways to send the token, the FAQ's HEAD request and
its paging headers, and the error bodies."""

from __future__ import annotations

import httpx
import pytest

from tests.compat.documented import assert_documented
from tests.compat.helpers import BASE, bearer, ok
from tests.fixtures.builders import Actor, Builder

JOBS = f"{BASE}/jobs"

# §1.4: the headers the FAQ shows for `curl -X HEAD -i …/jobs` (18 jobs there).
FAQ_HEADERS = {
    "X-Total": "18",
    "X-Total-Pages": "1",
    "X-Per-Page": "100",
    "X-Page": "1",
    "X-Offset": "0",
}

# §1.5: the documented error body.
ERROR = {"error": "unauthorized", "error_description": "You are not member of this organization"}


async def _published_jobs(client: httpx.AsyncClient, build: Builder, admin: Actor) -> int:
    """Two published jobs and a draft; how many published jobs the organisation has, its
    spontaneous-application job included ("part of the total count", §1.4)."""
    for status in ("published", "published", "draft"):
        await build.job(client, admin, status=status)
    return 3


async def test_faq_head_request_with_a_form_body_answers_the_documented_headers(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    total = await _published_jobs(client, build, admin)

    # curl -X HEAD -i ".../jobs" -H "Authorization: Bearer WK_API_KEY"
    #   -d "organization_reference=Pg4eV6k" -d "status=published"
    response = await client.request(
        "HEAD",
        JOBS,
        content=f"organization_reference={admin.org}&status=published".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **bearer(admin)},
    )

    assert response.status_code == 200, response.headers
    assert response.content == b""
    got = {name: response.headers.get(name) for name in FAQ_HEADERS}
    assert got == {**FAQ_HEADERS, "X-Total": str(total)}


async def test_faq_count_with_status_in_the_query_string_answers_the_documented_headers(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    total = await _published_jobs(client, build, admin)

    # "Do not forget to filter your jobs by status (see: `?status=published`)"
    response = await client.head(
        JOBS,
        params={"organization_reference": admin.org, "status": "published"},
        headers=bearer(admin),
    )

    assert response.status_code == 200, response.headers
    got = {name: response.headers.get(name) for name in FAQ_HEADERS}
    assert got == {**FAQ_HEADERS, "X-Total": str(total)}


async def test_access_token_in_the_query_string_authenticates(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # §1.2: "Alternative: the query string `?access_token=WK_API_KEY`".
    response = await client.get(
        JOBS, params={"organization_reference": admin.org, "access_token": admin.token}
    )

    listed = ok(response)
    assert [job["organization_reference"] for job in listed] == [admin.org]


async def test_documented_error_body_answers_an_organization_the_user_is_not_member_of(
    client: httpx.AsyncClient, build: Builder, outsider: Actor
) -> None:
    # No partnership scope: those read every organisation (§15.4).
    member = await build.actor(["jobs_r"])

    response = await client.get(
        JOBS, params={"organization_reference": outsider.org}, headers=bearer(member)
    )

    assert response.status_code == 401
    assert response.json() == ERROR


async def test_a_request_without_a_token_is_unauthorized_before_params_are_checked(
    client: httpx.AsyncClient,
) -> None:
    # §1.5 saw 400 "organization_reference is missing" here; §15.1 settles it: 401 first.
    response = await client.get(JOBS)

    assert response.status_code == 401
    assert_documented(ERROR, response.json(), shape_only=("error_description",))
    assert response.json()["error"] == "unauthorized"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "validation_failed"),
        (401, "unauthorized"),
        (403, "invalid_scope"),
        (404, "not_found"),
        (405, "method_not_allowed"),
    ],
)
async def test_each_documented_error_status_answers_the_documented_error_body(
    client: httpx.AsyncClient, build: Builder, status: int, code: str
) -> None:
    actor = await build.actor(["jobs_r"])
    requests = {
        400: ("GET", JOBS, {}, bearer(actor)),
        401: ("GET", JOBS, {"organization_reference": actor.org}, {"Authorization": "Bearer nope"}),
        403: ("GET", f"{BASE}/candidates", {"job_reference": "WTTJ_abcdefg"}, bearer(actor)),
        404: ("GET", f"{JOBS}/WTTJ_abcdefg", {}, bearer(actor)),
        405: ("DELETE", JOBS, {"organization_reference": actor.org}, bearer(actor)),
    }
    method, path, params, headers = requests[status]

    response = await client.request(method, path, params=params, headers=headers)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_documented(ERROR, body, shape_only=("error", "error_description"))
    assert body["error"] == code
    assert set(body) == {"error", "error_description"}
