"""A job published on the organisation's own careers site (``wk-careers_…``): accepted in
``cms_sites_references`` and linked there by the embed; another organisation's site is not."""

from __future__ import annotations

import httpx

from tests.fixtures.assertions import assert_invalid
from tests.fixtures.builders import Actor, Builder

EMBED = "/api/v1/embed"


async def _website(client: httpx.AsyncClient, actor: Actor, reference: str) -> None:
    response = await client.post(
        f"/api/v1/external/organizations/{actor.org}/websites",
        json={
            "reference": reference,
            "name": "Careers",
            "root_url": f"https://careers.example.com/{reference}",
            "kind": "single",
        },
        headers=actor.headers,
    )
    assert response.status_code in (200, 201), response.text


async def test_a_job_on_the_organisations_own_site_is_linked_there_by_the_embed(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await _website(client, admin, "wk-careers_acme")

    job = await build.job(
        client, admin, status="published", cms_sites_references="wk-careers_acme,wttj_fr"
    )

    assert job["cms_sites_references"] == "wk-careers_acme,wttj_fr"
    embed = await client.get(EMBED, params={"organization_reference": admin.org})
    [listed] = [j for j in embed.json()["jobs"] if j["reference"] == job["reference"]]
    own, shared = listed["websites_urls"]
    assert own["website_reference"] == "wk-careers_acme"
    assert own["url"].startswith("https://careers.example.com/wk-careers_acme/jobs/")
    assert shared["website_reference"] == "wttj_fr"


async def test_another_organisations_site_is_refused_on_create_and_update(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await _website(client, outsider, "wk-careers_other")
    job = await build.job(client, admin)

    created = await client.post(
        "/api/v1/external/jobs",
        json={
            "organization_reference": admin.org,
            "name": "Elsewhere",
            "description": "d",
            "profile": "p",
            "contract_type": "FULL_TIME",
            "language": "en",
            "office_city": "Paris",
            "office_country_code": "FR",
            "cms_sites_references": "wttj_fr,wk-careers_other",
        },
        headers=admin.headers,
    )
    updated = await client.put(
        f"/api/v1/external/jobs/{job['reference']}",
        json={"cms_sites_references": "wk-careers_other"},
        headers=admin.headers,
    )

    for response in (created, updated):
        description = assert_invalid(response, "cms_sites_references")
        assert description.endswith("unknown site(s) wk-careers_other")


async def test_on_a_shared_site_of_the_organisation_the_job_is_under_its_page(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    response = await client.post(
        f"/api/v1/external/organizations/{admin.org}/websites",
        json={
            "reference": "jungle",
            "name": "The Jungle",
            "root_url": "https://jungle.example.com",
            "organization_url": "https://jungle.example.com/companies/acme",
            "kind": "multi",
        },
        headers=admin.headers,
    )
    assert response.status_code in (200, 201), response.text

    job = await build.job(client, admin, status="published", cms_sites_references="jungle")

    embed = await client.get(EMBED, params={"organization_reference": admin.org})
    [listed] = [j for j in embed.json()["jobs"] if j["reference"] == job["reference"]]
    assert listed["websites_urls"] == [
        {
            "reference": "jungle",
            "website_reference": "jungle",
            "url": f"https://jungle.example.com/companies/acme/jobs/{listed['slug']}",
        }
    ]
