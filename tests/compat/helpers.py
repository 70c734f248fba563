"""What the documented-example tests share: paths, and the rows the docs' examples show,
made through Canopy's own API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.builders import Actor

BASE = "/api/v1/external"
JSON = {"Content-Type": "application/json"}


def bearer(actor: Actor, scheme: str = "Bearer") -> dict[str, str]:
    """``-H "Authorization: Bearer WK_API_KEY"``, as the docs write it."""
    return {"Authorization": f"{scheme} {actor.token}"}


def json_headers(actor: Actor) -> dict[str, str]:
    """The headers of the docs' write examples: ``-H "Content-Type: application/json"`` and
    the Bearer token (the body itself is sent with ``-d @- <<EOF``)."""
    return {**JSON, **bearer(actor)}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return response.json()


async def put_profile(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    """The organisation's profile fields, set through ``PUT /organizations/:reference``."""
    response = await client.put(
        f"{BASE}/organizations/{actor.org}", json=fields, headers=actor.headers
    )
    body: dict[str, Any] = ok(response)
    return body


async def office(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    """§4.2's office (Paris, 11 bis rue Bachaumont), ``fields`` on top."""
    body = {
        "organization_reference": actor.org,
        "name": "Paris",
        "address": "11 bis rue Bachaumont",
        "zip_code": "75002",
        "city": "Paris",
        "country_code": "FR",
        "is_headquarter": True,
        **fields,
    }
    created: dict[str, Any] = ok(
        await client.post(f"{BASE}/offices", json=body, headers=actor.headers), 201
    )
    return created


# §3.1/§3.7: the input that gives the documented "Fake Job 2" (its office is the caller's).
FAKE_JOB_2: dict[str, Any] = {
    "name": "Fake Job 2",
    "external_reference": "PROVIDER_REFERENCE2",
    "status": "draft",
    "profile": "Fake Job Profile",
    "apply_url": "http://company.com/jobs/superjob/apply/",
    "company_description": "Fake Company Description.",
    "experience_level": "1_TO_2_YEARS",
    "profession_reference": "sales",
    "cms_sites_references": "wttj_fr,smgo_fr",
    "start_date": "2016-09-01",
    "description": "Fake Job Description.",
    "contract_type": "FULL_TIME",
    "language": "en",
    "salary_min": 30000,
    "salary_max": 40000,
    "salary_currency": "EUR",
    "salary_period": "yearly",
    "remote": "fulltime",
    "education_level": "BAC_5",
}


async def fake_job_2(
    client: httpx.AsyncClient, actor: Actor, office_id: int, **fields: Any
) -> dict[str, Any]:
    """The documented "Fake Job 2" in ``actor``'s organisation, ``fields`` on top."""
    body = {"organization_reference": actor.org, **FAKE_JOB_2, "office_id": office_id, **fields}
    created: dict[str, Any] = ok(
        await client.post(f"{BASE}/jobs", json=body, headers=actor.headers), 201
    )
    return created


async def stage_ids(client: httpx.AsyncClient, actor: Actor, job_reference: str) -> dict[str, int]:
    """The job's stage ids by stage reference."""
    job = ok(
        await client.get(
            f"{BASE}/jobs/{job_reference}", params={"stages": "true"}, headers=actor.headers
        )
    )
    return {stage["reference"]: stage["id"] for stage in job["stages"]}
