"""GET /users/current with its inclusion flags (§5.9, §15.9): organisations, jobs, stages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from canopy.models import Role
from tests.candidates.helpers import CURRENT_USER, JobInfo, assert_error, new_job
from tests.fixtures.builders import Actor, Builder

SPONTANEOUS = "Spontaneous application"
PIPELINE = [
    ("initial", "New", True),
    ("to_meet", "To meet", True),
    ("interviewed", "Interview", True),
    ("made_offer", "Offer", True),
    ("hired", "Hired", True),
    ("refused", "Refused", True),
    ("archived", "Archived", False),
]


async def _current(client: httpx.AsyncClient, actor: Actor, **flags: str) -> httpx.Response:
    return await client.get(CURRENT_USER, params=flags, headers=actor.headers)


async def _spontaneous(client: httpx.AsyncClient, actor: Actor) -> str:
    response = await client.get(
        "/api/v1/external/jobs",
        params={"organization_reference": actor.org},
        headers=actor.headers,
    )
    reference: str = response.json()[0]["reference"]
    return reference


def _job(reference: str, name: str, status: str, org: str) -> dict[str, Any]:
    return {"reference": reference, "name": name, "status": status, "organization_reference": org}


def _stages(job: JobInfo) -> list[dict[str, Any]]:
    return [
        {"id": job.stages[ref], "name": name, "reference": ref, "visible": visible}
        for ref, name, visible in PIPELINE
    ]


async def test_organizations_and_jobs_nest_each_organizations_jobs_oldest_first(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    spontaneous = await _spontaneous(client, admin)
    draft = await new_job(client, build, admin, name="Backend")
    published = await new_job(client, build, admin, name="Frontend", status="published")
    second = await build.organization("Beta Corp")
    await build.member(second, admin.user, Role.standard)
    colleague = await build.actor(organization=second)
    theirs = await _spontaneous(client, colleague)
    await new_job(client, build, outsider)  # not a member: never listed

    response = await _current(client, admin, organizations="true", jobs="true")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "display_name": admin.user.display_name,
        "avatar_url": "http://testserver/assets/default-avatar.png",
        "email": admin.user.email,
        "organizations": [
            {
                "reference": admin.org,
                "name": admin.organization.name,
                "slug": admin.organization.slug,
                "role": "admin",
                "jobs": [
                    _job(spontaneous, SPONTANEOUS, "published", admin.org),
                    _job(draft.reference, "Backend", "draft", admin.org),
                    _job(published.reference, "Frontend", "published", admin.org),
                ],
            },
            {
                "reference": second.reference,
                "name": "Beta Corp",
                "slug": second.slug,
                "role": "standard",
                "jobs": [_job(theirs, SPONTANEOUS, "published", second.reference)],
            },
        ],
    }


async def test_organizations_alone_lists_memberships_without_jobs(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["me_r", "organizations_r"], role=Role.limited)

    response = await _current(client, actor, organizations="true")

    assert response.json()["organizations"] == [
        {
            "reference": actor.org,
            "name": actor.organization.name,
            "slug": actor.organization.slug,
            "role": "limited",
        }
    ]
    assert "jobs" not in response.json()


async def test_stages_adds_each_jobs_pipeline(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    spontaneous = await _spontaneous(client, admin)
    job = await new_job(client, build, admin)
    pipeline = await client.get(
        f"/api/v1/external/jobs/{spontaneous}", params={"stages": "true"}, headers=admin.headers
    )
    spontaneous_job = JobInfo(
        spontaneous, {s["reference"]: s["id"] for s in pipeline.json()["stages"]}
    )

    response = await _current(client, admin, organizations="true", jobs="true", stages="true")

    jobs = response.json()["organizations"][0]["jobs"]
    assert [job_["stages"] for job_ in jobs] == [_stages(spontaneous_job), _stages(job)]
    assert [job_["reference"] for job_ in jobs] == [spontaneous, job.reference]


async def test_jobs_without_organizations_lists_the_jobs_at_the_top_level(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    spontaneous = await _spontaneous(client, admin)
    job = await new_job(client, build, admin, name="Backend")
    second = await build.organization("Beta Corp")
    await build.member(second, admin.user, Role.admin)
    colleague = await build.actor(organization=second)
    theirs = await _spontaneous(client, colleague)

    response = await _current(client, admin, jobs="true")

    body = response.json()
    assert "organizations" not in body
    assert body["jobs"] == [
        _job(spontaneous, SPONTANEOUS, "published", admin.org),
        _job(job.reference, "Backend", "draft", admin.org),
        _job(theirs, SPONTANEOUS, "published", second.reference),
    ]


async def test_jobs_and_stages_without_organizations_put_the_stages_on_top_level_jobs(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)

    response = await _current(client, admin, jobs="true", stages="true")

    jobs = response.json()["jobs"]
    assert [j["reference"] for j in jobs][1:] == [job.reference]
    assert jobs[1]["stages"] == _stages(job)


async def test_a_limited_member_sees_only_its_assigned_jobs(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await new_job(client, build, admin, name="Hidden")
    assigned = await new_job(client, build, admin, name="Assigned")
    limited = await build.actor(
        ["me_r", "organizations_r", "jobs_r"], organization=admin.organization, role=Role.limited
    )
    before = await _current(client, limited, organizations="true", jobs="true")
    await build.assign(assigned.reference, limited.user)

    after = await _current(client, limited, organizations="true", jobs="true")
    top_level = await _current(client, limited, jobs="true")

    assert before.json()["organizations"][0]["jobs"] == []
    assert after.json()["organizations"][0]["role"] == "limited"
    assert after.json()["organizations"][0]["jobs"] == [
        _job(assigned.reference, "Assigned", "draft", admin.org)
    ]
    assert top_level.json()["jobs"] == after.json()["organizations"][0]["jobs"]


@pytest.mark.parametrize(
    ("scopes", "flags", "expected"),
    [
        # jobs=true alone without jobs_r: no jobs block.
        (["me_r", "organizations_r"], {"jobs": "true"}, {}),
        # The organisations are shown, without their jobs.
        (
            ["me_r", "organizations_r"],
            {"organizations": "true", "jobs": "true"},
            {"organizations": "no jobs"},
        ),
        (["me_r", "organizations_r"], {"stages": "true"}, {}),
        # Without organizations_r, jobs=true lists the jobs at the top level.
        (["me_r", "jobs_r"], {"organizations": "true", "jobs": "true"}, {"jobs": "listed"}),
    ],
    ids=["jobs", "organizations-and-jobs", "stages", "organizations"],
)
async def test_a_flag_without_its_scope_leaves_its_block_out(
    client: httpx.AsyncClient,
    build: Builder,
    scopes: list[str],
    flags: dict[str, str],
    expected: dict[str, str],
) -> None:
    actor = await build.actor(scopes)

    response = await _current(client, actor, **flags)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"display_name", "avatar_url", "email", *expected}
    if "organizations" in expected:
        assert [org["reference"] for org in body["organizations"]] == [actor.org]
        assert all("jobs" not in org for org in body["organizations"])
    if "jobs" in expected:
        assert [job["name"] for job in body["jobs"]] == ["Spontaneous application"]


async def test_rw_scopes_satisfy_the_flags(client: httpx.AsyncClient, build: Builder) -> None:
    actor = await build.actor(["me_r", "organizations_rw", "jobs_rw"])

    response = await _current(client, actor, organizations="true", jobs="true", stages="true")

    assert response.status_code == 200, response.text
    assert len(response.json()["organizations"][0]["jobs"]) == 1


async def test_current_user_needs_me_r(client: httpx.AsyncClient, build: Builder) -> None:
    actor = await build.actor(["organizations_r", "jobs_r"])

    response = await _current(client, actor, organizations="true", jobs="true")

    assert_error(response, 403, "invalid_scope", "This endpoint requires the me_r scope")
