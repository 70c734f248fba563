"""GET/HEAD /jobs and /jobs/all: access, paging, order and the spontaneous-application job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import (
    ALL,
    JOB_KEYS,
    JOBS,
    SPONTANEOUS,
    assert_error,
    assert_invalid,
    names,
    parse_time,
)


async def test_list_without_organization_reference_is_400(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(JOBS, headers=admin.headers)

    assert_error(response, 400, "validation_failed", "organization_reference is missing")


async def test_list_of_an_organization_of_which_the_user_is_not_member_is_401(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    member = await build.actor(["jobs_rw", "offices_rw"])

    response = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=member.headers
    )

    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_list_of_an_unknown_organization_is_401_like_a_foreign_one(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(
        JOBS, params={"organization_reference": "nope123"}, headers=admin.headers
    )

    assert_error(response, 401, "unauthorized", "You are not member of this organization")


async def test_list_without_a_token_is_401(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(JOBS, params={"organization_reference": admin.org})

    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_list_needs_a_jobs_scope(client: httpx.AsyncClient, build: Builder) -> None:
    actor = await build.actor(["offices_rw"])

    response = await client.get(
        JOBS, params={"organization_reference": actor.org}, headers=actor.headers
    )

    assert_error(
        response, 403, "invalid_scope", "This endpoint requires the jobs_r or su_jobs_r scope"
    )


async def test_list_shows_only_the_organizations_jobs(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="Mine")
    await build.job(client, outsider, name="Theirs")

    response = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )

    assert names(response) == [SPONTANEOUS, "Mine"]
    assert {job["organization_reference"] for job in response.json()} == {admin.org}


async def test_su_jobs_r_lists_another_organizations_jobs(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="Mine")
    partner = await build.actor(["su_jobs_r"])

    response = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=partner.headers
    )

    assert names(response) == [SPONTANEOUS, "Mine"]


async def test_spontaneous_job_exists_from_the_organizations_creation_published(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(
        JOBS, params={"organization_reference": admin.org, "stages": "true"}, headers=admin.headers
    )

    assert response.status_code == 200
    assert response.headers["x-total"] == "1"
    [job] = response.json()
    assert job["name"] == SPONTANEOUS
    assert job["status"] == "published"
    assert job["organization_reference"] == admin.org
    assert parse_time(job["published_at"]) == parse_time(job["created_at"])
    assert datetime.now(UTC) - parse_time(job["created_at"]) < timedelta(minutes=1)
    assert len(job["stages"]) == 7


async def test_list_is_ordered_oldest_first(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    jobs = [await build.job(client, admin, name=name) for name in ("C", "A", "B")]
    # Put "B" first in time, whatever the order of creation.
    await build.job_times(jobs[2]["reference"], created_at=datetime(2020, 1, 1, tzinfo=UTC))

    response = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )

    assert names(response) == ["B", SPONTANEOUS, "C", "A"]
    created = [parse_time(job["created_at"]) for job in response.json()]
    assert created == sorted(created)


async def test_paging_headers_walk_five_jobs_two_by_two(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    for n in range(1, 5):
        await build.job(client, admin, name=f"Job {n}")
    pages = []
    for page in (1, 2, 3, 4):
        response = await client.get(
            JOBS,
            params={"organization_reference": admin.org, "per_page": 2, "page": page},
            headers=admin.headers,
        )
        assert response.status_code == 200
        pages.append(response)

    assert [names(r) for r in pages] == [
        [SPONTANEOUS, "Job 1"],
        ["Job 2", "Job 3"],
        ["Job 4"],
        [],
    ]
    headers = [
        {
            name: r.headers[name]
            for name in ("x-total", "x-total-pages", "x-per-page", "x-page", "x-offset")
        }
        for r in pages
    ]
    assert headers == [
        {"x-total": "5", "x-total-pages": "3", "x-per-page": "2", "x-page": str(n), "x-offset": o}
        for n, o in ((1, "0"), (2, "2"), (3, "4"), (4, "6"))
    ]
    assert [(r.headers["x-prev-page"], r.headers["x-next-page"]) for r in pages] == [
        ("", "2"),
        ("1", "3"),
        ("2", ""),
        ("", ""),
    ]


async def test_paging_defaults_to_100_per_page_and_honours_a_larger_page(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    default = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    larger = await client.get(
        JOBS, params={"organization_reference": admin.org, "per_page": 500}, headers=admin.headers
    )

    assert default.headers["x-per-page"] == "100"
    assert default.headers["x-page"] == "1"
    assert larger.status_code == 200, larger.text
    assert larger.headers["x-per-page"] == "500"


async def test_bad_paging_param_is_400(client: httpx.AsyncClient, admin: Actor) -> None:
    for param, value in (("page", "0"), ("per_page", "none"), ("per_page", "0")):
        response = await client.get(
            JOBS, params={"organization_reference": admin.org, param: value}, headers=admin.headers
        )

        assert_invalid(response, param)


async def test_head_on_the_list_answers_the_headers_without_a_body(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.job(client, admin)
    params = {"organization_reference": admin.org, "stages": "true"}

    head = await client.head(JOBS, params=params, headers=admin.headers)
    get = await client.get(JOBS, params=params, headers=admin.headers)

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["x-total"] == "2"
    for name in ("x-total", "x-total-pages", "x-per-page", "x-page", "x-offset", "link"):
        assert head.headers[name] == get.headers[name], name


async def test_head_on_the_list_checks_access_like_get(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    stranger = await build.actor(["jobs_r"])

    missing = await client.head(JOBS, headers=admin.headers)
    foreign = await client.head(
        JOBS, params={"organization_reference": admin.org}, headers=stranger.headers
    )

    assert missing.status_code == 400
    assert foreign.status_code == 401
    assert missing.content == foreign.content == b""


async def test_all_lists_the_jobs_of_every_organization(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="Mine")
    await build.job(client, outsider, name="Theirs")
    partner = await build.actor(["su_jobs_r"])

    response = await client.get(ALL, headers=partner.headers)

    assert response.status_code == 200
    assert response.headers["x-total"] == "5"
    jobs = response.json()
    assert [(job["organization_reference"], job["name"]) for job in jobs] == [
        (admin.org, SPONTANEOUS),
        (outsider.org, SPONTANEOUS),
        (admin.org, "Mine"),
        (outsider.org, "Theirs"),
        (partner.org, SPONTANEOUS),  # the partner's own organisation, made last
    ]
    assert all(set(job) == JOB_KEYS for job in jobs)


async def test_all_needs_su_jobs_r(client: httpx.AsyncClient, build: Builder) -> None:
    actor = await build.actor(["jobs_rw", "offices_rw", "su_offices_r"])

    response = await client.get(ALL, headers=actor.headers)
    head = await client.head(ALL, headers=actor.headers)

    assert_error(response, 403, "invalid_scope", "This endpoint requires the su_jobs_r scope")
    assert head.status_code == 403


async def test_all_pages_and_answers_head(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="Mine")
    await build.job(client, outsider, name="Theirs")

    second = await client.get(ALL, params={"per_page": 3, "page": 2}, headers=admin.headers)
    head = await client.head(ALL, params={"per_page": 3}, headers=admin.headers)

    assert names(second) == ["Theirs"]
    assert second.headers["x-total"] == "4"
    assert second.headers["x-total-pages"] == "2"
    assert head.status_code == 200
    assert head.content == b""
    assert (head.headers["x-total"], head.headers["x-next-page"]) == ("4", "2")
