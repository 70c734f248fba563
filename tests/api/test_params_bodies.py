"""Parameters as the docs send them (§15.1): a form or JSON body on GET and HEAD (the FAQ's
``curl -X HEAD -d organization_reference=… -d status=published``), the query winning there;
a blank value means the parameter is absent; ``archived`` takes true, false or both."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import JOBS, Actor, Builder

CANDIDATES = "/api/v1/external/candidates"
DEPARTMENTS = "/api/v1/external/departments"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def published(client: httpx.AsyncClient, admin: Actor, build: Builder) -> list[str]:
    """Two published jobs and a draft beside the spontaneous-application job."""
    references = []
    for name in ("One", "Two"):
        job = await build.job(client, admin, name=name, status="published")
        references.append(job["reference"])
    await build.job(client, admin, name="Draft", status="draft")
    return references


async def _count(client: httpx.AsyncClient, status: str, actor: Actor) -> int:
    response = await client.get(
        JOBS, params={"organization_reference": actor.org, "status": status}, headers=actor.headers
    )
    assert response.status_code == 200, response.text
    return int(response.headers["x-total"])


async def test_head_with_a_form_body_answers_the_faq_with_the_right_total(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    expected = await _count(client, "published", admin)
    assert expected >= 2

    # curl -X HEAD -i ".../jobs" -H "Authorization: Bearer TOKEN"
    #      -d organization_reference=… -d status=published
    response = await client.request(
        "HEAD",
        JOBS,
        content=f"organization_reference={admin.org}&status=published",
        headers={**admin.headers, **FORM},
    )

    assert response.status_code == 200, response.text
    assert response.content == b""
    assert response.headers["x-total"] == str(expected)


async def test_get_reads_a_form_or_json_body(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    as_form = await client.request(
        "GET",
        JOBS,
        content=f"organization_reference={admin.org}&status=published",
        headers={**admin.headers, **FORM},
    )
    as_json = await client.request(
        "GET",
        JOBS,
        content=orjson.dumps({"organization_reference": admin.org, "status": "published"}),
        headers={**admin.headers, "Content-Type": "application/json"},
    )

    for response in (as_form, as_json):
        assert response.status_code == 200, response.text
        assert {job["status"] for job in response.json()} == {"published"}
        assert set(published) <= {job["reference"] for job in response.json()}


async def test_the_query_wins_over_the_body_on_get_and_head(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    drafts = await _count(client, "draft", admin)
    for method in ("GET", "HEAD"):
        response = await client.request(
            method,
            JOBS,
            params={"organization_reference": admin.org, "status": "draft"},
            content="status=published",
            headers={**admin.headers, **FORM},
        )
        assert response.status_code == 200, response.text
        assert response.headers["x-total"] == str(drafts)


async def test_the_body_still_wins_over_the_query_on_post(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS,
        params={"name": "From the query"},
        json={"organization_reference": admin.org, "name": "From the body"},
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["name"] == "From the body"


async def test_one_url_with_different_bodies_never_shares_a_cached_answer(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    mine = await build.job(client, admin, name="Mine")
    theirs = await build.job(client, outsider, name="Theirs")
    for _ in range(2):  # the second round from the cache
        for actor, job in ((admin, mine), (outsider, theirs)):
            response = await client.request(
                "GET",
                JOBS,
                content=f"organization_reference={actor.org}",
                headers={**actor.headers, **FORM},
            )
            assert response.status_code == 200, response.text
            names = {item["name"] for item in response.json()}
            assert names == {"Spontaneous application", job["name"]}


async def test_blank_query_values_mean_the_parameter_is_absent(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    everything = await client.get(
        JOBS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    blanks = (
        f"{JOBS}?organization_reference={admin.org}&status=&contract_type=&created_after="
        "&updated_after=&published_after=&cms_sites_references=&page=&per_page=&stages="
        "&candidates_count="
    )

    response = await client.get(blanks, headers=admin.headers)

    assert response.status_code == 200, response.text
    assert response.json() == everything.json()
    assert response.headers["x-per-page"] == "100"
    assert response.headers["x-total"] == everything.headers["x-total"] == "4"


async def test_blank_body_values_on_get_mean_the_parameter_is_absent(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    as_form = await client.request(
        "GET",
        JOBS,
        content=f"organization_reference={admin.org}&status=&per_page=",
        headers={**admin.headers, **FORM},
    )
    as_json = await client.request(
        "GET",
        JOBS,
        content=orjson.dumps({"organization_reference": admin.org, "status": "", "page": ""}),
        headers={**admin.headers, "Content-Type": "application/json"},
    )

    for response in (as_form, as_json):
        assert response.status_code == 200, response.text
        assert response.headers["x-total"] == "4"


async def test_a_blank_required_parameter_is_missing(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(f"{JOBS}?organization_reference=", headers=admin.headers)

    assert_error(response, 400, "validation_failed", "organization_reference is missing")


async def test_a_write_body_keeps_its_blank_values(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, company_description="We make things.")

    response = await client.put(
        f"{JOBS}/{job['reference']}",
        json={"company_description": ""},
        headers=admin.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["company_description"] == ""


async def test_a_get_body_of_another_type_carries_no_parameters(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    response = await client.request(
        "GET",
        JOBS,
        params={"organization_reference": admin.org},
        content=b"status=published",
        headers={**admin.headers, "Content-Type": "text/plain"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["x-total"] == "4"


async def test_an_invalid_json_body_on_get_is_a_validation_error(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.request(
        "GET",
        JOBS,
        params={"organization_reference": admin.org},
        content=b"{not json",
        headers={**admin.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "validation_failed"
    assert response.json()["error_description"].startswith("The JSON body is invalid")


async def test_a_form_body_labelled_json_on_get_is_read_as_a_form(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    expected = await _count(client, "published", admin)
    assert expected < 4

    # An older page of the docs: -H "Content-Type: application/json" -d "organizations=true…"
    response = await client.request(
        "GET",
        JOBS,
        params={"organization_reference": admin.org},
        content=b"status=published",
        headers={**admin.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["x-total"] == str(expected)


async def test_the_paging_links_of_a_get_filtered_by_its_body_carry_the_filters(
    client: httpx.AsyncClient, admin: Actor, published: list[str]
) -> None:
    response = await client.request(
        "GET",
        JOBS,
        params={"per_page": "1"},
        content=f"organization_reference={admin.org}&status=published",
        headers={**admin.headers, **FORM},
    )
    assert response.status_code == 200, response.text
    following = await client.get(response.links["next"]["url"], headers=admin.headers)

    assert following.status_code == 200, following.text
    assert following.headers["x-total"] == response.headers["x-total"]
    assert [job["status"] for job in following.json()] == ["published"]


# -- archived on GET /candidates ---------------------------------------------------------


@pytest.fixture
async def candidates(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> tuple[str, dict[str, str]]:
    """A job with one archived candidate and one that is not: the job, name → reference."""
    job = await build.job(client, admin)
    kept = await build.candidate_row(job["reference"])
    archived = await build.candidate_row(job["reference"], archived=True)
    return job["reference"], {"Kept": kept, "Archived": archived}


async def _archived(
    client: httpx.AsyncClient, actor: Actor, job: str, url_tail: str
) -> httpx.Response:
    return await client.get(f"{CANDIDATES}?job_reference={job}{url_tail}", headers=actor.headers)


def _names(response: httpx.Response, references: dict[str, str]) -> set[str]:
    assert response.status_code == 200, response.text
    listed = {item["reference"] for item in response.json()}
    return {name for name, reference in references.items() if reference in listed}


@pytest.mark.parametrize(
    ("url_tail", "expected"),
    [
        ("", {"Kept", "Archived"}),
        ("&archived=both", {"Kept", "Archived"}),
        ("&archived=BOTH", {"Kept", "Archived"}),
        ("&archived=", {"Kept", "Archived"}),
        ("&archived=true", {"Archived"}),
        ("&archived=1", {"Archived"}),
        ("&archived=false", {"Kept"}),
        ("&archived=0", {"Kept"}),
    ],
)
async def test_archived_takes_true_false_or_both(
    client: httpx.AsyncClient,
    admin: Actor,
    candidates: tuple[str, dict[str, str]],
    url_tail: str,
    expected: set[str],
) -> None:
    job, references = candidates

    response = await _archived(client, admin, job, url_tail)

    assert _names(response, references) == expected
    assert response.headers["x-total"] == str(len(expected))


async def test_archived_of_another_value_names_the_three_choices(
    client: httpx.AsyncClient, admin: Actor, candidates: tuple[str, dict[str, str]]
) -> None:
    job, _ = candidates

    response = await _archived(client, admin, job, "&archived=maybe")

    assert_error(
        response, 400, "validation_failed", "archived is invalid: must be true, false or both"
    )


async def test_archived_in_a_json_body_on_get(
    client: httpx.AsyncClient, admin: Actor, candidates: tuple[str, dict[str, str]]
) -> None:
    job, references = candidates
    for value, expected in (("both", {"Kept", "Archived"}), (True, {"Archived"})):
        body: dict[str, Any] = {"job_reference": job, "archived": value}
        response = await client.request(
            "GET",
            CANDIDATES,
            content=orjson.dumps(body),
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        assert _names(response, references) == expected


async def test_the_openapi_document_describes_archived_both(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    [archived] = [
        parameter
        for parameter in document["paths"][CANDIDATES]["get"]["parameters"]
        if parameter["name"] == "archived"
    ]

    assert {"type": "string", "enum": ["both"]} in archived["schema"]["anyOf"]
    assert archived["schema"]["default"] == "both"
    assert "both" in archived["description"]
