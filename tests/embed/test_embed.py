"""`GET /api/v1/embed` (§6.5, §15.10): no token, any origin, published jobs only, in the shape
real clients read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.embed.helpers import (
    DEPARTMENTS,
    EMBED,
    JOB_KEYS,
    OFFICE_KEYS,
    SPONTANEOUS,
    TOP_KEYS,
    WEBSITE_KEYS,
    add_website,
    by_name,
    embed,
)
from tests.fixtures.assertions import TIMESTAMP, assert_error
from tests.fixtures.builders import JOBS, Actor, Builder

NULL_SALARY = {"min": None, "max": None, "currency": None, "period": None}


async def _department(client: httpx.AsyncClient, actor: Actor, name: str) -> dict[str, Any]:
    response = await client.post(
        DEPARTMENTS,
        json={"organization_reference": actor.org, "name": name},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _set_status(client: httpx.AsyncClient, actor: Actor, reference: str, status: str) -> None:
    response = await client.put(
        f"{JOBS}/{reference}/update_status", json={"status": status}, headers=actor.headers
    )
    assert response.status_code == 200, response.text


async def test_embed_renders_a_published_job_key_by_key_in_the_real_client_shape(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    tech = await _department(client, admin, "Tech")
    office = await build.office(
        client,
        admin,
        name="HQ",
        address="11 bis rue Bachaumont",
        zip_code="75002",
        city="Paris",
        country_code="FR",
    )
    job = await build.job(
        client,
        admin,
        name="Full Stack Developer",
        status="published",
        description="Hello **World**",
        profile="<p>Curious</p>",
        recruitment_process="1. Call\n2. Meet",
        salary_min=30000,
        salary_max=40000,
        salary_currency="EUR",
        salary_period="yearly",
        start_date="2015-12-01",
        office_id=office["id"],
        department_id=tech["id"],
        cms_sites_references="wttj_fr,wttj_careers",
    )
    # 13h26 in Paris (winter time): the contract's own example.
    await build.job_times(job["reference"], created_at=datetime(2015, 11, 9, 12, 26, tzinfo=UTC))
    await add_website(
        maker,
        admin.organization.id,
        reference="wttj_careers",
        name="Acme careers",
        kind="single",
        root_url="https://careers.acme.test/",
        organization_url="https://careers.acme.test/acme",
    )

    payload = await embed(client, admin.org)

    assert set(payload) == TOP_KEYS
    assert payload["name"] == admin.organization.name
    assert payload["slug"] == admin.organization.slug
    assert payload["reference"] == admin.org
    assert payload["websites"] == [
        {
            "reference": "wttj_careers",
            "kind": "single",
            "url": "https://careers.acme.test/",
            "root_url": "https://careers.acme.test/",
            "organization_url": "https://careers.acme.test/acme",
        }
    ]
    # Oldest first: this job was placed in 2015, before the spontaneous one.
    assert [j["name"] for j in payload["jobs"]] == ["Full Stack Developer", SPONTANEOUS]
    listed = payload["jobs"][0]
    assert set(listed) == JOB_KEYS
    assert isinstance(listed["id"], int)
    assert listed == {
        "id": listed["id"],
        "reference": job["reference"],
        "name": "Full Stack Developer",
        "slug": "full-stack-developer_paris",
        "description": "<p>Hello <strong>World</strong></p>\n",
        "profile": "<p>Curious</p>",
        "recruitment_process": "<ol>\n<li>Call</li>\n<li>Meet</li>\n</ol>\n",
        "salary": {"min": "30000", "max": "40000", "currency": "EUR", "period": "yearly"},
        "created_at": {"fr": "Le 09 Novembre 2015 à 13h26", "en": "09 November 2015 at 13h26"},
        "published_at": job["published_at"],
        "start_date": {"fr": "01 Décembre 2015", "en": "01 December 2015"},
        "office": {
            "id": office["id"],
            "name": "HQ",
            "address": "11 bis rue Bachaumont",
            "zip_code": "75002",
            "district": "Paris",  # no district of its own: its city
            "city": "Paris",
            "country": {"fr": "France", "en": "France"},
        },
        "department": {"id": tech["id"], "name": "Tech"},
        "contract_type": {
            "fr": "CDI",
            "en": "Full-Time",
            "es": "Contrato indefinido",
            "cs": "Plný úvazek",
            "sk": "Zmluva na dobu neurčitú",
        },
        "cms_sites_references": ["wttj_fr", "wttj_careers"],
        "websites_urls": [
            # A shared site: the organisation's page on it.
            {
                "reference": "wttj_fr",
                "website_reference": "wttj_fr",
                "url": "https://www.welcometothejungle.com/companies/"
                f"{admin.organization.slug}/jobs/full-stack-developer_paris",
            },
            # The organisation's own website with that reference wins over the shared one.
            {
                "reference": "wttj_careers",
                "website_reference": "wttj_careers",
                "url": "https://careers.acme.test/jobs/full-stack-developer_paris",
            },
        ],
    }
    assert TIMESTAMP.match(listed["published_at"])


async def test_embed_lists_only_published_jobs_of_that_organisation_spontaneous_included(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="Draft")
    await build.job(client, admin, name="Published", status="published")
    archived = await build.job(client, admin, name="Archived", status="published")
    await _set_status(client, admin, archived["reference"], "archived")
    unpublished = await build.job(client, admin, name="Back to draft", status="published")
    await _set_status(client, admin, unpublished["reference"], "draft")
    await build.job(client, outsider, name="Theirs", status="published")

    payload = await embed(client, admin.org)

    assert [job["name"] for job in payload["jobs"]] == [SPONTANEOUS, "Published"]
    spontaneous = payload["jobs"][0]
    assert spontaneous["office"] is None
    assert spontaneous["department"] is None
    assert spontaneous["start_date"] is None
    assert spontaneous["salary"] == NULL_SALARY
    assert spontaneous["websites_urls"] == spontaneous["cms_sites_references"] == []
    assert payload["websites"] == []


async def test_embed_lists_jobs_oldest_first(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    for name, day in (("Third", 3), ("First", 1), ("Second", 2)):
        job = await build.job(client, admin, name=name, status="published")
        await build.job_times(job["reference"], created_at=datetime(2020, 1, day, tzinfo=UTC))

    payload = await embed(client, admin.org)

    assert [job["name"] for job in payload["jobs"]] == ["First", "Second", "Third", SPONTANEOUS]


async def test_embed_dates_are_localised_in_paris_time_with_capitalised_french_months(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    cases = {
        # Summer time: UTC+2.
        "Summer": (datetime(2016, 8, 15, 10, 5, tzinfo=UTC), "2016-02-29"),
        # 23h30 UTC on New Year's Eve is already the next year in Paris.
        "New Year": (datetime(2015, 12, 31, 23, 30, tzinfo=UTC), "2017-06-01"),
    }
    for name, (created, start) in cases.items():
        job = await build.job(client, admin, name=name, status="published", start_date=start)
        await build.job_times(job["reference"], created_at=created)

    jobs = by_name(await embed(client, admin.org))

    assert jobs["Summer"]["created_at"] == {
        "fr": "Le 15 Août 2016 à 12h05",
        "en": "15 August 2016 at 12h05",
    }
    assert jobs["Summer"]["start_date"] == {"fr": "29 Février 2016", "en": "29 February 2016"}
    assert jobs["New Year"]["created_at"] == {
        "fr": "Le 01 Janvier 2016 à 00h30",
        "en": "01 January 2016 at 00h30",
    }
    assert jobs["New Year"]["start_date"] == {"fr": "01 Juin 2017", "en": "01 June 2017"}


async def test_embed_salary_bounds_are_strings_or_null(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="None", status="published")
    await build.job(
        client,
        admin,
        name="From",
        status="published",
        salary_min=45000,
        salary_currency="EUR",
        salary_period="yearly",
    )

    jobs = by_name(await embed(client, admin.org))

    assert jobs["None"]["salary"] == NULL_SALARY
    assert jobs["From"]["salary"] == {
        "min": "45000",
        "max": None,
        "currency": "EUR",
        "period": "yearly",
    }


async def test_embed_office_country_and_contract_type_are_localised(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    berlin = await build.office(client, admin, name="Berlin", city="Berlin", country_code="DE")
    await build.job(
        client,
        admin,
        name="Intern",
        status="published",
        contract_type="INTERNSHIP",
        office_id=berlin["id"],
    )

    job = by_name(await embed(client, admin.org))["Intern"]

    assert set(job["office"]) == OFFICE_KEYS
    assert job["office"]["country"] == {"fr": "Allemagne", "en": "Germany"}
    assert job["contract_type"] == {
        "fr": "Stage",
        "en": "Internship",
        "es": "Prácticas",
        "cs": "Stáž",
        "sk": "Stáž",
    }


async def test_embed_html_fields_are_sanitised(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    hostile = (
        '<script>alert(1)</script><img src=x onerror="alert(1)">'
        '<a href="javascript:alert(1)">x</a> [y](javascript:alert(2))'
    )
    await build.job(
        client,
        admin,
        name="Hostile",
        status="published",
        description=hostile,
        profile=hostile,
        recruitment_process=hostile,
    )

    job = by_name(await embed(client, admin.org))["Hostile"]

    for field in ("description", "profile", "recruitment_process"):
        rendered = job[field].lower()
        assert "<script" not in rendered, rendered
        assert "onerror" not in rendered, rendered
        assert 'href="javascript:' not in rendered, rendered
        assert '<img src="x">' in rendered  # the harmless part survives


async def test_embed_lists_the_organisation_websites_in_position_order(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    org = admin.organization.id
    await add_website(
        maker, org, reference="jungle", name="B", kind="multi", root_url="https://b", position=1
    )
    await add_website(
        maker, org, reference="wttj_careers", name="A", root_url="https://a", position=0
    )

    websites = (await embed(client, admin.org))["websites"]

    assert all(set(website) == WEBSITE_KEYS for website in websites)
    assert websites == [
        {"reference": "wttj_careers", "kind": "single", "url": "https://a",
         "root_url": "https://a", "organization_url": None},
        {"reference": "jungle", "kind": "multi", "url": "https://b", "root_url": "https://b",
         "organization_url": None},
    ]  # fmt: skip


async def test_embed_needs_no_token_and_ignores_a_bad_one(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    params = {"organization_reference": admin.org}

    anonymous = await client.get(EMBED, params=params)
    bad_header = await client.get(EMBED, params=params, headers={"Authorization": "Bearer junk"})
    bad_query = await client.get(EMBED, params={**params, "access_token": "junk"})

    assert anonymous.status_code == bad_header.status_code == bad_query.status_code == 200
    assert anonymous.content == bad_header.content == bad_query.content


async def test_embed_without_organization_reference_is_400_with_cors(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(EMBED)

    assert_error(response, 400, "validation_failed", "organization_reference is missing")
    assert response.headers["access-control-allow-origin"] == "*"


async def test_embed_of_an_unknown_organisation_is_404_with_cors(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(EMBED, params={"organization_reference": "nothere"})

    assert_error(response, 404, "not_found", "Organization not found")
    assert response.headers["access-control-allow-origin"] == "*"


async def test_embed_allows_any_origin_and_answers_preflight(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    origin = {"Origin": "https://careers.example.org"}

    response = await client.get(EMBED, params={"organization_reference": admin.org}, headers=origin)
    preflight = await client.options(
        EMBED,
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "if-none-match"
    assert preflight.content == b""


async def test_embed_answers_head_with_the_headers_only(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    params = {"organization_reference": admin.org}

    get = await client.get(EMBED, params=params)
    head = await client.head(EMBED, params=params)

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["access-control-allow-origin"] == "*"


async def test_embed_is_documented_in_openapi(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    operation = schema["paths"][EMBED]["get"]
    query = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
    assert query == ["organization_reference"]
    assert "security" not in operation
