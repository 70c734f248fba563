"""The Candidates API examples of the docs (§5.1-§5.6), the current user (§5.9) and the moves
(§7), each sent as the docs write it and compared field by field with the documented answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.compat.documented import assert_documented
from tests.compat.helpers import BASE, bearer, json_headers, ok, stage_ids
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, image, pdf

CANDIDATES = f"{BASE}/candidates"

# §5.1: the Candidate object (`stage` with stage=true, `tags` with tags=true).
CANDIDATE: dict[str, Any] = {
    "reference": "wttj-d655345409a6097309156b05",
    "cover_letter": "",
    "created_at": "2016-08-23T12:55:27.206+02:00",
    "job_reference": "WTTJ_KmqkD1Y",
    "modal_path": "/dashboard/o/Pg4eV6k/jobs/WTTJ_KmqkD1Y/card/wttj-d655345409a6097309156b05",
    "portfolio_size": 4242,
    "portfolio_url": "http://cdn.com/porfolio.pdf",
    "resume_content_type": "application/pdf",
    "resume_size": 4242,
    "resume_url": "http://cdn.com/resume.pdf",
    "stage_id": 14600,
    "stage": {"id": 14600, "name": "Refusé", "reference": "refused", "visible": True},
    "updated_at": "2016-08-23T12:55:27.206+02:00",
    "profile": {
        "address": None,
        "avatar_url": "http://wk.dev/assets/default-avatar-7cbb7b9749a7cf8864001cde13e2a9a94e612bf083430d66ede0966f5bafb296.png",
        "city": None, "country_code": None, "country_name": None,
        "email": "test@example.com", "firstname": "Foo", "lastname": "Bar",
        "phone": None, "subtitle": None, "zip_code": None,
    },
    "tags": ["ruby", "react", "go", "elixir", "react native"],
    "origin": "external",
    "archived": False,
}  # fmt: skip

# The Candidate without the inclusions, files absent ("null when absent", §5.1).
PLAIN_CANDIDATE: dict[str, Any] = {
    **{k: v for k, v in CANDIDATE.items() if k not in ("stage", "tags")},
    "portfolio_size": None,
    "portfolio_url": None,
    "resume_content_type": None,
    "resume_size": None,
    "resume_url": None,
}

# What Canopy generates in a Candidate, or names differently by design (§15.6: stage names).
GENERATED = (
    "reference",
    "created_at",
    "updated_at",
    "job_reference",
    "modal_path",
    "stage_id",
    "stage.id",
    "stage.name",
    "profile.avatar_url",
)
FILES = ("portfolio_size", "portfolio_url", "resume_size", "resume_url")

# §5.6: the comment answer.
COMMENT = {"id": 83316, "content": "<p>Foo</p>\n", "raw_content": "Foo"}

# §5.9: the documented current user.
CURRENT_USER = {
    "avatar_url": "https://www.welcomekit.co/uploads/user/image/GXj/J/avatar.jpg",
    "display_name": "Foo Bar",
}

# §7: the moves example.
MOVE: dict[str, Any] = {
    "candidate": {"reference": "dc-41e24bb6e4a27"},
    "from": {"stage": {"id": 547, "name": "To meet", "reference": "to-meet"},
             "organization": {"reference": "wttj"}, "job": {"reference": "V-1841-0"}},
    "to": {"stage": {"id": 295, "name": "Interviewed", "reference": "interviewed"},
           "organization": {"reference": "wttj"}, "job": {"reference": "V-1841-0"}},
    "created_at": "2019-03-27T14:15:38.430+01:00",
    "updated_at": "2019-03-27T14:15:38.430+01:00",
}  # fmt: skip


def _modal_path(admin: Actor, candidate: dict[str, Any]) -> str:
    return (
        f"/dashboard/o/{admin.org}/jobs/{candidate['job_reference']}/card/{candidate['reference']}"
    )


async def _create(
    client: httpx.AsyncClient, admin: Actor, job_reference: str, **fields: Any
) -> dict[str, Any]:
    # §5.4's request: email, firstname, lastname, organization_reference, job_reference.
    body = {
        "email": "test@example.com",
        "firstname": "Foo",
        "lastname": "Bar",
        "organization_reference": admin.org,
        "job_reference": job_reference,
        **fields,
    }
    created: dict[str, Any] = ok(
        await client.post(CANDIDATES, json=body, headers=json_headers(admin)), 201
    )
    return created


async def test_create_candidate_example_answers_the_documented_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    stages = await stage_ids(client, admin, job["reference"])

    created = await _create(client, admin, job["reference"], job_stage_id=stages["initial"])

    assert_documented(PLAIN_CANDIDATE, created, shape_only=GENERATED)
    assert created["job_reference"] == job["reference"]
    assert created["stage_id"] == stages["initial"]
    assert created["modal_path"] == _modal_path(admin, created)


async def test_retrieve_candidate_with_stage_and_tags_answers_the_whole_documented_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder, remote: RemoteServer
) -> None:
    job = await build.job(client, admin)
    stages = await stage_ids(client, admin, job["reference"])
    created = await _create(
        client,
        admin,
        job["reference"],
        job_stage_id=stages["refused"],
        tag_list="ruby,react,go,elixir,react native",
        remote_resume_url=remote.file("/resume.pdf", pdf("resume")),
        remote_portfolio_url=remote.file("/porfolio.pdf", pdf("portfolio")),
        # Given here so that this test checks the rest: without them see the tests above.
        remote_image_url=remote.file("/avatar.png", image("PNG")),
        cover_letter="Hello",
    )

    response = await client.get(
        f"{CANDIDATES}/{created['reference']}",
        params={"stage": "true", "tags": "true"},
        headers=json_headers(admin),
    )

    body = ok(response)
    assert_documented(CANDIDATE, body, shape_only=(*GENERATED, *FILES, "cover_letter"))
    assert body["reference"] == created["reference"]
    assert body["stage_id"] == body["stage"]["id"] == stages["refused"]
    assert body["modal_path"] == _modal_path(admin, body)
    assert body["resume_size"] == len(pdf("resume"))
    assert body["portfolio_size"] == len(pdf("portfolio"))


async def test_list_candidates_example_answers_documented_candidates(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    created = await _create(client, admin, job["reference"])

    # curl -X GET -G ".../candidates" -d "job_reference=WTTJ_KmqkD1Y"
    response = await client.get(
        CANDIDATES, params={"job_reference": job["reference"]}, headers=bearer(admin)
    )

    listed = ok(response)
    assert_documented([PLAIN_CANDIDATE], listed, shape_only=GENERATED)
    assert listed[0]["reference"] == created["reference"]


async def test_list_candidates_example_with_a_form_body_answers_documented_candidates(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    created = await _create(client, admin, job["reference"])

    # An older Slate example has no -G: curl sends the parameter as a form body on GET.
    # curl -X GET ".../candidates" -d "job_reference=WTTJ_KmqkD1Y"
    response = await client.request(
        "GET",
        CANDIDATES,
        content=f"job_reference={job['reference']}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **bearer(admin)},
    )

    listed = ok(response)
    assert_documented([PLAIN_CANDIDATE], listed, shape_only=GENERATED)
    assert listed[0]["reference"] == created["reference"]


async def test_comment_example_answers_the_documented_comment(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    candidate = await _create(client, admin, job["reference"])

    response = await client.post(
        f"{BASE}/comments",
        json={"candidate_reference": candidate["reference"], "content": "Foo"},
        headers=json_headers(admin),
    )

    assert_documented(COMMENT, ok(response, 201), shape_only=("id",))


async def test_current_user_example_with_a_lower_case_bearer_answers_the_documented_user(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["me_r"])

    # -H "Content-Type: application/json" -H "Authorization: bearer WK_API_KEY"
    response = await client.get(
        f"{BASE}/users/current",
        headers={"Content-Type": "application/json", **bearer(actor, "bearer")},
    )

    body = ok(response)
    assert_documented(CURRENT_USER, body, shape_only=("avatar_url", "display_name"))
    assert body["display_name"] == actor.user.display_name


async def test_list_moves_example_answers_the_documented_move(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    stages = await stage_ids(client, admin, job["reference"])
    candidate = await _create(client, admin, job["reference"], job_stage_id=stages["to_meet"])
    moved = await client.put(
        f"{CANDIDATES}/{candidate['reference']}",
        json={"job_stage_id": stages["interviewed"]},
        headers=json_headers(admin),
    )
    ok(moved)

    # curl -X GET -G ".../moves" -d "organization_reference=wttj" -d "job_reference=V-1841-0"
    response = await client.get(
        f"{BASE}/moves",
        params={"organization_reference": admin.org, "job_reference": job["reference"]},
        headers=bearer(admin),
    )

    listed = ok(response)
    expected = {
        **MOVE,
        "candidate": {"reference": candidate["reference"]},
        "from": {
            "stage": {"id": stages["to_meet"], "name": "To meet", "reference": "to_meet"},
            "organization": {"reference": admin.org},
            "job": {"reference": job["reference"]},
        },
        "to": {
            "stage": {"id": stages["interviewed"], "name": "Interview", "reference": "interviewed"},
            "organization": {"reference": admin.org},
            "job": {"reference": job["reference"]},
        },
    }
    # The documented shape, and Canopy's own stage names and references (§15.6).
    assert_documented([MOVE, ...], listed, values=False)
    assert_documented([expected], listed, shape_only=("created_at", "updated_at"))


# §5.4: the create parameters with the Slate table's example values (`tags`, `stage` asked).
CREATE_EXAMPLES: dict[str, Any] = {
    "tag_list": "foo,bar",
    "subtitle": "CTO @ WTTJ",
    "phone": "0606060606",
    "comment": "Lorem ipsum…",
    "cover_letter": "Dear WTTJ,",
    "referrer": "www.linkedin.com",
    "archived": "false",
    "media_website": "https://me.com",
    "media_github": "https://github.com/me",
    "media_stackoverflow": "https://stackoverflow.com/users/me",
    "media_dribbble": "https://dribbble.com/me",
    "media_behance": "https://www.behance.net/me",
    "media_linkedin": "https://fr.linkedin.com/pub/me",
    "media_facebook": "https://facebook.com/me",
    "media_instagram": "https://www.instagram.com/me",
    "media_medium": "https://medium.com/@me",
    "media_tumblr": "https://me.tumblr.com",
    "media_vimeo": "https://vimeo.com/me",
    "media_twitter": "https://twitter.com/me",
}


async def test_create_candidate_with_every_documented_parameter_answers_their_values(
    client: httpx.AsyncClient, admin: Actor, build: Builder, remote: RemoteServer
) -> None:
    job = await build.job(client, admin)

    response = await client.post(
        CANDIDATES,
        params={"stage": "true", "tags": "true"},
        json={
            "organization_reference": admin.org,
            "job_reference": job["reference"],
            "email": "test@example.com",
            "firstname": "Foo",
            "lastname": "Bar",
            **CREATE_EXAMPLES,
            "remote_image_url": remote.file("/avatar.png", image("PNG")),
        },
        headers=json_headers(admin),
    )

    body = ok(response, 201)
    expected = {
        **PLAIN_CANDIDATE,
        "cover_letter": "Dear WTTJ,",
        "profile": {**CANDIDATE["profile"], "subtitle": "CTO @ WTTJ", "phone": "0606060606"},
        "tags": ["foo", "bar"],
        "stage": {**CANDIDATE["stage"], "reference": "initial"},
    }
    assert_documented(expected, body, shape_only=GENERATED)


async def test_update_candidate_documented_parameters_archive_and_move_the_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder, remote: RemoteServer
) -> None:
    job = await build.job(client, admin)
    stages = await stage_ids(client, admin, job["reference"])
    candidate = await _create(
        client,
        admin,
        job["reference"],
        cover_letter="Dear WTTJ,",
        remote_image_url=remote.file("/avatar.png", image("PNG")),
    )

    # §5.5: booleans travel as strings (§1.2).
    response = await client.put(
        f"{CANDIDATES}/{candidate['reference']}",
        json={"job_stage_id": stages["refused"], "archived": "true", "subtitle": "CTO @ WTTJ"},
        headers=json_headers(admin),
    )

    body = ok(response)
    expected = {
        **PLAIN_CANDIDATE,
        "cover_letter": "Dear WTTJ,",
        "archived": True,
        "stage_id": stages["refused"],
        "profile": {**PLAIN_CANDIDATE["profile"], "subtitle": "CTO @ WTTJ"},
    }
    assert_documented(expected, body, shape_only=tuple(p for p in GENERATED if p != "stage_id"))


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("origin", "website:cms:wttj_fr"),
        ("referrer", "www.linkedin.com"),
        ("job_stage_reference", "refused"),
        ("archived", "true"),
    ],
)
async def test_list_candidates_documented_filter_examples_select_the_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder, param: str, value: str
) -> None:
    job = await build.job(client, admin)
    stages = await stage_ids(client, admin, job["reference"])
    await _create(client, admin, job["reference"], email="other@example.com")
    wanted = {
        "origin": {},
        "referrer": {"referrer": "www.linkedin.com"},
        "job_stage_reference": {"job_stage_id": stages["refused"]},
        "archived": {"archived": True},
    }[param]
    if param == "origin":
        # An application through a site: the API itself always records "external" (§5.1).
        reference = await build.candidate_row(job["reference"], origin="website:cms:wttj_fr")
    else:
        reference = (await _create(client, admin, job["reference"], **wanted))["reference"]

    # curl -X GET -G ".../candidates" -d "job_reference=…" -d "<param>=<documented example>"
    response = await client.get(
        CANDIDATES,
        params={"job_reference": job["reference"], param: value},
        headers=bearer(admin),
    )

    assert [candidate["reference"] for candidate in ok(response)] == [reference]


async def test_list_moves_without_job_reference_answers_the_organizations_moves(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    stages = await stage_ids(client, admin, job["reference"])
    candidate = await _create(client, admin, job["reference"])
    ok(
        await client.put(
            f"{CANDIDATES}/{candidate['reference']}",
            json={"job_stage_id": stages["interviewed"]},
            headers=json_headers(admin),
        )
    )

    # GitBook makes job_reference optional (§7, §15.7).
    response = await client.get(
        f"{BASE}/moves", params={"organization_reference": admin.org}, headers=bearer(admin)
    )

    listed = ok(response)
    assert_documented([MOVE], listed, values=False)
    assert listed[0]["candidate"] == {"reference": candidate["reference"]}


# §5.9 with §15.9's inclusions: organizations → jobs → stages (`avatar_url` is checked by the
# test of the plain example).
CURRENT_USER_WITH_INCLUSIONS: dict[str, Any] = {
    "display_name": CURRENT_USER["display_name"],
    "email": "user@example.com",
    "organizations": [
        {
            "reference": "Pg4eV6k",
            "name": "wttj",
            "slug": "wttj",
            "role": "admin",
            "jobs": [
                {
                    "reference": "WTTJ_gld0A7L",
                    "name": "Fake Job 2",
                    "status": "draft",
                    "stages": [
                        {"id": 5395, "name": "Nouveau", "reference": "initial", "visible": True},
                        ...,
                    ],
                },
                ...,
            ],
        }
    ],
}


async def test_current_user_with_its_documented_flags_answers_organizations_jobs_and_stages(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)

    response = await client.get(
        f"{BASE}/users/current",
        params={"organizations": "true", "jobs": "true", "stages": "true"},
        headers=bearer(admin),
    )

    body = ok(response)
    assert_documented(CURRENT_USER_WITH_INCLUSIONS, body, values=False)
    [organization] = body["organizations"]
    assert (organization["reference"], organization["role"]) == (admin.org, "admin")
    assert job["reference"] in [item["reference"] for item in organization["jobs"]]


async def test_current_user_example_of_an_older_page_with_a_body_answers_the_inclusions(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # An older version of the page (no -G: a form body, labelled JSON by the header):
    # curl -X GET ".../users/current" -d "organizations=true&jobs=true"
    #   -H "Content-Type: application/json"
    response = await client.request(
        "GET",
        f"{BASE}/users/current",
        content=b"organizations=true&jobs=true",
        headers={"Content-Type": "application/json", **bearer(admin)},
    )

    body = ok(response)
    # The page asks for organizations and jobs, not stages (§15.9: stages=true adds them).
    [organization] = CURRENT_USER_WITH_INCLUSIONS["organizations"]
    job = {key: value for key, value in organization["jobs"][0].items() if key != "stages"}
    without_stages = {
        **CURRENT_USER_WITH_INCLUSIONS,
        "organizations": [{**organization, "jobs": [job, ...]}],
    }
    assert_documented(without_stages, body, values=False)
    assert all("stages" not in job for job in body["organizations"][0]["jobs"])
    assert [organization["reference"] for organization in body["organizations"]] == [admin.org]
