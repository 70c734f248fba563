# The documented examples are copied as the contract prints them, long lines included.
# ruff: noqa: E501
"""The Employer branding API examples of the docs (§6): organizations, images, videos, the
embed, tools and sectors, each compared field by field with the documented answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.organizations import service as organizations
from canopy.tools import service as tools_service
from canopy.tools.schemas import Catalogue
from tests.compat.documented import assert_documented
from tests.compat.helpers import BASE, bearer, ok, put_profile
from tests.fixtures.builders import Actor, Builder
from tests.fixtures.remote import RemoteServer, image
from tests.organizations.helpers import load_catalogue

ORGANIZATIONS = f"{BASE}/organizations"

# §6.1: the organization example, with the JSON syntax errors the contract points out fixed.
ORGANIZATION: dict[str, Any] = {
    "reference": "aEioU123",
    "name": "Welcome To The Jungle",
    "media_twitter": "wttj_fr",
    "media_website_url": "https://www.welcometothejungle.com/",
    "description": "Welcome To The Jungle",
    "subsidiaries": [{"name": "Welcome To The Jungle Czech Republic and Slovakia", "slug": "wttj-cz", "reference": "I-3801-A68"}],
    "slug": "welcome-to-the-jungle",
    "logo_url": "https://cdn-images.wttj.test/...",
    "sectors": ["public-key-didactic-pricing-structure", "multi-layered-content-based-website"],
    "default_language": "fr",
    "media_facebook": "wttj.fr", "media_linkedin": "wttj-fr", "media_instagram": "welcometothejungle_fr",
    "media_youtube": "welcomejobs", "media_pinterest": None,
    "nb_employees": 185, "average_age": 31, "turnover": 5, "creation_year": 2015,
    "parity_men": 38, "parity_women": 62, "revenue": "(confidential)",
    "cover_url": "https://wk.test/uploads/website_organization/cover/2182/162186/welcome-to-the-jungle.jpg",
    "i18n_descriptions": {"en": "...", "fr": "..."},
    "i18n_looking_fors": {"en": "...", "fr": "..."},
    "i18n_good_to_knows": {"fr": "..."},
    "websites": [{"reference": "wttj_fr", "name": "Welcome To The Jungle", "root_url": "https://www.welcometothejungle.com/en/companies/wttj"}],
    "offices": [{"id": 4, "name": "WTTJ HQ", "address": "15 rue Commines", "zip_code": "75003", "city": "Paris", "country_code": "FR", "is_headquarter": True}],
    "updated_at": "2021-05-24T15:16:22.219+02:00",
}  # fmt: skip

# §6.2: an element of the list example.
LISTED_ORGANIZATION: dict[str, Any] = {
    "reference": "2Ob7z5j", "name": "WelcomeTrack", "media_twitter": "welcometrack",
    "media_website_url": "https://www.welcometrack.com", "description": "...", "subsidiaries": [],
    "slug": "welcometrack", "logo_url": "https://cdn-images.wttj.tech/...",
    "sectors": ["saas-cloud-services", "e-commerce-1"], "default_language": "fr",
    "media_facebook": "welcometrack.france", "media_linkedin": "welcometrack", "media_instagram": "",
    "media_youtube": "channel/UCYSdCNce6Sd_OKeD8r_xMrQ", "media_pinterest": "",
    "nb_employees": 8, "average_age": 33, "turnover": None, "creation_year": 2012,
    "parity_men": 65, "parity_women": 35, "revenue": "",
    "i18n_covers": {"fr": "https://cdn-images.wttj.tech/..."},
    "i18n_descriptions": {"fr": "Depuis 2012, ..."},
    "i18n_looking_fors": {"fr": "WelcomeTrack recrute ..."},
    "i18n_good_to_knows": {"fr": "En mai 2019, ..."},
    "websites": [
        {"reference": "welcometrack", "name": "WelcomeTrack", "root_url": "https://welcometrack.welcomekit.tech", "cover_url": "https://cdn.welcometothejungle.co/uploads/website/cover/0910/146888/welcometrack.jpg"},
        {"reference": "wttj_fr", "name": "Welcome to the Jungle", "root_url": "https://wttj.co", "cover_url": None},
    ],
    "updated_at": "2020-06-21T07:00:50.332+02:00",
}  # fmt: skip

# §6.3: the images example.
IMAGE: dict[str, Any] = {
    "name": "WTTJ team",
    "description": "Welcome To The Jungle team",
    "file": {
        "url": "https://cdn.welcometothejungle.co/uploads/website_organization/cover_image/wttj_fr/fr-wttj.jpg",
        "large": {"url": ".../large_fr-wttj.jpg"},
        "medium": {"url": ".../medium_fr-wttj.jpg"},
        "small": {"url": ".../small_fr-wttj.jpg"},
        "thumb": {"url": ".../thumb_fr-wttj.jpg"},
    },
    "created_at": "2019-03-28T10:00:01.403+01:00",
    "updated_at": "2019-03-28T10:00:01.403+01:00",
}

# §6.4: a videos example element (`details` abbreviated as in the contract).
VIDEO: dict[str, Any] = {
    "source": "youtube",
    "external_reference": "1gPC5eOJy8I",
    "name": "The one who started Dribbble with 50 T-shirts",
    "description": "Dan Cederholm is the co-founder of Dribbble, ...",
    "subtitle": "",
    "image": {"url": "https://cdn.welcometothejungle.co/uploads/article/image/6860/154883/dan-cederholm-dribbble.jpg",
              "small": {"url": ".../small_dan-cederholm-dribbble.jpg"},
              "thumb": {"url": ".../thumb_dan-cederholm-dribbble.jpg"}},
    "url": "https://www.youtube.com/watch?v=BMi_rlAnwIg",
    "created_at": "2018-01-15T16:51:20.788757+01:00",
    "updated_at": "2018-12-11T08:35:43.456385+01:00",
    "details": {"kind": "youtube#video", "id": "BMi_rlAnwIg", "etag": "...", "snippet": {...}, "contentDetails": {...}},
    "reference": "BMi_rlAnwIg",
}  # fmt: skip

# §6.5: the embed example as documented.
EMBED: dict[str, Any] = {
    "name": "Welcome to the Jungle",
    "jobs": [{
        "id": 42,
        "reference": "WTTJ_NQbwwpV",
        "name": "CDI - Full Stack Developper",
        "slug": "full-stack-developper_paris",
        "description": "<p>Hello World…</p>",
        "profile": "<p>Hello World…</p>",
        "recruitment_process": "<p>Hello World…</p>",
        "salary": {"min": "30000", "max": "40000", "currency": "EUR", "period": "yearly"},
        "created_at": {"fr": "Le 09 Novembre 2015 à 13h26", "en": "09 November 2015 at 13h26"},
        "start_date": {"fr": "01 Décembre 2015", "en": "01 December 2015"},
        "office": {"id": 42, "name": "Paris", "address": "11 bis rue Bachaumont", "zip_code": "75002",
                   "district": "Paris", "city": "Paris", "country": {"fr": "France", "en": "France"}},
        "department": {"id": 42, "name": "Tech"},
        "contract_type": {"fr": "CDI", "en": "Full-Time"},
        "cms_sites_references": ["wttj_fr"],
        "websites_urls": [{"reference": "wttj_fr", "url": "https://www.welcometothejungle.co/companies/wttj/jobs/fake-job-2"}, ...],
    }],
    "websites": [{"reference": "wttj_careers", "kind": "single", "url": "https://wttj.welcomekit.co"}, ...],
}  # fmt: skip

# §6.5: the key names real clients read, which Canopy also carries (§15.10).
EMBED_CLIENT_KEYS: dict[str, Any] = {
    "jobs": [{"published_at": "2017-11-13T17:15:26.146+01:00",
              "websites_urls": [{"website_reference": "wttj_fr", "url": "https://…"}, ...]}],
    "websites": [{"reference": "wk-careers_wttj", "kind": "single", "root_url": "https://…", "organization_url": "https://…"}, ...],
}  # fmt: skip

# §6.6: the tools example.
TOOLS = [
    {"thumb_url": "https://welcomekit.co/img/aws.png",
     "tool_category": {"name": "Product Management", "reference": "pm", "id": 1},
     "alternative_names": "Aws Cloudfront, Cloudfront", "name": "Amazon Cloudfront", "id": 35},
    {"thumb_url": "https://welcomekit.co/img/js.png",
     "tool_category": {"name": "Front", "reference": "frontend", "id": 2},
     "alternative_names": "JS", "name": "Javascript", "id": 351},
]  # fmt: skip

# §6.7: the sectors example.
SECTORS = [
    {"id": "2",
     "fullname": {"es": "Tecnología > Big data", "en": "Tech > Big data", "fr": "Tech > Big data"},
     "parent": {"es": "Tecnología", "en": "Tech", "fr": "Tech", "_id": "1"},
     "names": {"es": "Big data", "en": "Big data", "fr": "Big data"},
     "reference": "big_data"},
    {"id": "3",
     "fullname": {"es": "Tecnología > Software", "en": "Tech > Software", "fr": "Tech > Logiciels"},
     "parent": {"es": "Tecnología", "en": "Tech", "fr": "Tech", "_id": "1"},
     "names": {"es": "Software", "en": "Software", "fr": "Logiciels"},
     "reference": "software"},
]  # fmt: skip

PROFILE_FIELDS = (
    "name", "media_twitter", "media_website_url", "description", "slug", "logo_url", "sectors",
    "default_language", "media_facebook", "media_linkedin", "media_instagram", "media_youtube",
    "media_pinterest", "nb_employees", "average_age", "turnover", "creation_year", "parity_men",
    "parity_women", "revenue", "cover_url", "i18n_descriptions", "i18n_looking_fors",
    "i18n_good_to_knows",
)  # fmt: skip


async def _website(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> None:
    response = await client.post(
        f"{ORGANIZATIONS}/{actor.org}/websites", json=fields, headers=actor.headers
    )
    assert response.status_code in (200, 201), response.text


async def test_retrieve_organization_example_answers_the_documented_organization(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    await put_profile(client, admin, **{key: ORGANIZATION[key] for key in PROFILE_FIELDS})
    await _website(client, admin, **ORGANIZATION["websites"][0])
    hq = {k: v for k, v in ORGANIZATION["offices"][0].items() if k != "id"}
    office = ok(
        await client.post(
            f"{BASE}/offices",
            json={"organization_reference": admin.org, **hq},
            headers=admin.headers,
        ),
        201,
    )
    async with maker() as session:
        parent = await organizations.by_reference(session, admin.org)
        assert parent is not None
        child = await organizations.create(
            session, ORGANIZATION["subsidiaries"][0]["name"], slug="wttj-cz"
        )
        await organizations.set_parent(session, child, parent)
        await session.commit()
        child_reference = child.reference

    # curl -X GET -G ".../organizations/aEioU123" -d "offices=true"
    response = await client.get(
        f"{ORGANIZATIONS}/{admin.org}", params={"offices": "true"}, headers=bearer(admin)
    )

    expected = {
        **ORGANIZATION,
        "reference": admin.org,
        "subsidiaries": [{**ORGANIZATION["subsidiaries"][0], "reference": child_reference}],
        "offices": [{**ORGANIZATION["offices"][0], "id": office["id"]}],
    }
    assert_documented(expected, ok(response), shape_only=("updated_at",))


async def test_list_organizations_example_answers_documented_organizations(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    # Canopy keeps a blank text as null (§15.1: blank means absent); these are given values.
    given = {
        "media_instagram": "welcometrack_ig",
        "media_pinterest": "welcometrack_pin",
        "revenue": "1M",
    }
    fields = {key: LISTED_ORGANIZATION[key] for key in PROFILE_FIELDS if key in LISTED_ORGANIZATION}
    await put_profile(
        client, admin, **{**fields, **given, "i18n_covers": LISTED_ORGANIZATION["i18n_covers"]}
    )
    for website in LISTED_ORGANIZATION["websites"]:
        await _website(client, admin, **website)
    partner = await build.actor(["su_organizations_r"])

    response = await client.get(
        ORGANIZATIONS, params={"name": "WelcomeTrack"}, headers=bearer(partner)
    )

    expected = {**LISTED_ORGANIZATION, **given, "reference": admin.org}
    assert_documented([expected], ok(response), shape_only=("updated_at",))


async def test_offices_flag_without_an_offices_scope_leaves_the_offices_out(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await put_profile(client, admin, **{key: ORGANIZATION[key] for key in PROFILE_FIELDS})
    reader = await build.actor(["organizations_r"], organization=admin.organization)

    # "Availability of offices requires su_offices_r or su_offices_rw scope and setting the
    # query parameter offices to true" (§6.1, §15.2): without the scope, no block, still 200.
    response = await client.get(
        f"{ORGANIZATIONS}/{admin.org}", params={"offices": "true"}, headers=bearer(reader)
    )

    body = ok(response)
    assert "offices" not in body
    documented = {
        k: v for k, v in ORGANIZATION.items() if k not in ("offices", "subsidiaries", "websites")
    }
    assert_documented(documented, body, shape_only=("reference", "updated_at"))


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("name", "welcome"),
        ("media_website_url", "welcometothejungle"),
        ("cms_sites_references", "wttj_fr,jungle"),
    ],
)
async def test_list_organizations_documented_search_examples_find_the_organization(
    client: httpx.AsyncClient, admin: Actor, build: Builder, param: str, value: str
) -> None:
    await put_profile(
        client,
        admin,
        name="Welcome To The Jungle",
        media_website_url="https://www.welcometothejungle.com/",
    )
    await _website(client, admin, **ORGANIZATION["websites"][0])
    await build.organization("Another company")
    partner = await build.actor(["su_organizations_r"])

    # "one and only one of these parameters is required" (§6.2), with the docs' example values.
    response = await client.get(ORGANIZATIONS, params={param: value}, headers=bearer(partner))

    listed = ok(response)
    assert [organization["reference"] for organization in listed] == [admin.org]


async def test_list_images_example_answers_documented_images(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    uploaded = await client.post(
        f"{BASE}/images",
        data={
            "organization_reference": admin.org,
            "name": "WTTJ team",
            "description": "Welcome To The Jungle team",
        },
        files={"file": ("fr-wttj.jpg", image("JPEG", (1300, 700)), "image/jpeg")},
        headers=admin.headers,
    )
    ok(uploaded, 201)

    # curl -X GET -G ".../images" -H "Content-Type: application/json" -d "organization_reference=Pg4eV6k"
    response = await client.get(
        f"{BASE}/images",
        params={"organization_reference": admin.org},
        headers={"Content-Type": "application/json", **bearer(admin)},
    )

    assert_documented([IMAGE], ok(response), shape_only=("*url", "created_at", "updated_at"))


async def test_list_videos_example_with_details_answers_documented_videos(
    client: httpx.AsyncClient, admin: Actor, remote: RemoteServer
) -> None:
    details = {
        "kind": "youtube#video",
        "id": "BMi_rlAnwIg",
        "etag": "...",
        "snippet": {"title": "Dribbble"},
        "contentDetails": {"duration": "PT12M23S"},
    }
    created = await client.post(
        f"{BASE}/videos",
        json={
            "organization_reference": admin.org, "source": "youtube",
            "url": "https://www.youtube.com/watch?v=BMi_rlAnwIg", "external_reference": "BMi_rlAnwIg",
            "name": VIDEO["name"], "description": VIDEO["description"], "subtitle": "",
            "details": details, "remote_image_url": remote.file("/dribbble.jpg", image("JPEG", (800, 450))),
        },
        headers=admin.headers,
    )  # fmt: skip
    ok(created, 201)

    # curl -X GET -G ".../videos" -d "organization_reference=Pg4eV6k" -d "details=true"
    response = await client.get(
        f"{BASE}/videos",
        params={"organization_reference": admin.org, "details": "true"},
        headers=bearer(admin),
    )

    expected = {**VIDEO, "external_reference": "BMi_rlAnwIg", "details": details}
    assert_documented([expected], ok(response), shape_only=("image", "created_at", "updated_at"))


async def _embed_setup(client: httpx.AsyncClient, admin: Actor) -> dict[str, Any]:
    """The embed example's organisation, its website and published job, made through the
    API."""
    await put_profile(client, admin, name="Welcome to the Jungle")
    ok(
        await client.post(
            f"{BASE}/organizations/{admin.org}/websites",
            json={"reference": "wttj_careers", "name": "Careers", "kind": "single",
                  "root_url": "https://wttj.welcomekit.co",
                  "organization_url": "https://www.welcometothejungle.com/companies/wttj"},
            headers=admin.headers,
        ),
        201,
    )  # fmt: skip
    office = ok(
        await client.post(
            f"{BASE}/offices",
            json={"organization_reference": admin.org, "name": "Paris", "address": "11 bis rue Bachaumont",
                  "zip_code": "75002", "city": "Paris", "country_code": "FR"},
            headers=admin.headers,
        ),
        201,
    )  # fmt: skip
    department = ok(
        await client.post(
            f"{BASE}/departments",
            json={"organization_reference": admin.org, "name": "Tech"},
            headers=admin.headers,
        ),
        201,
    )
    job: dict[str, Any] = ok(
        await client.post(
            f"{BASE}/jobs",
            json={
                "organization_reference": admin.org, "status": "published",
                "name": "CDI - Full Stack Developper", "description": "<p>Hello World…</p>",
                "profile": "<p>Hello World…</p>", "recruitment_process": "<p>Hello World…</p>",
                "contract_type": "FULL_TIME", "language": "fr", "salary_min": 30000, "salary_max": 40000,
                "salary_currency": "EUR", "salary_period": "yearly", "start_date": "2015-12-01",
                "office_id": office["id"], "department_id": department["id"], "cms_sites_references": "wttj_fr",
            },
            headers=admin.headers,
        ),
        201,
    )  # fmt: skip
    return {"job": job, "office": office, "department": department}


def _embed_expected(made: dict[str, Any]) -> dict[str, Any]:
    job = {
        **EMBED["jobs"][0],
        "reference": made["job"]["reference"],
        "office": {**EMBED["jobs"][0]["office"], "id": made["office"]["id"]},
        "department": {"id": made["department"]["id"], "name": "Tech"},
    }
    return {**EMBED, "jobs": [job]}


# Generated by Canopy (ids, slugs, the creation time), or compared below.
EMBED_GENERATED = (
    "jobs.*.id", "jobs.*.slug", "jobs.*.created_at", "jobs.*.websites_urls", "websites",
)  # fmt: skip


@pytest.mark.parametrize("encoding", ["query", "form"])
async def test_embed_example_without_a_token_answers_the_documented_embed(
    client: httpx.AsyncClient, admin: Actor, encoding: str
) -> None:
    made = await _embed_setup(client, admin)

    # curl -X GET ".../api/v1/embed" -d "organization_reference=Pg4eV6k": no -G, so curl sends a
    # form body; the public widgets send the query string.
    if encoding == "query":
        response = await client.get("/api/v1/embed", params={"organization_reference": admin.org})
    else:
        response = await client.request(
            "GET",
            "/api/v1/embed",
            content=f"organization_reference={admin.org}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    body = ok(response)
    # The organisation's spontaneous-application job is listed too (§15.6): the example's job
    # is the one made here.
    jobs = [job for job in body["jobs"] if job["reference"] == made["job"]["reference"]]
    mine = {**body, "jobs": jobs}
    assert_documented(_embed_expected(made), mine, shape_only=EMBED_GENERATED)
    assert_documented(EMBED_CLIENT_KEYS, mine, values=False)
    sites = {
        (link.get("reference"), link.get("website_reference")) for link in jobs[0]["websites_urls"]
    }
    assert ("wttj_fr", "wttj_fr") in sites
    # The documented key (url) and the live service's (root_url), on the documented website.
    careers = next(site for site in body["websites"] if site["reference"] == "wttj_careers")
    assert careers["url"] == careers["root_url"] == "https://wttj.welcomekit.co"
    assert careers["kind"] == "single"


async def test_list_tools_examples_answer_the_documented_tools(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    await load_catalogue(maker)
    # The shipped catalogue has no pictures; an operator's catalogue (`canopy tools import`)
    # gives the documented ones.
    catalogue = {
        "categories": [
            {"reference": t["tool_category"]["reference"], "name": t["tool_category"]["name"]}
            for t in TOOLS
        ],
        "tools": [
            {
                "name": t["name"],
                "alternative_names": t["alternative_names"],
                "thumb_url": t["thumb_url"],
                "category": t["tool_category"]["reference"],
            }
            for t in TOOLS
        ]
        + [
            # `-d "name=react"` finds it: a picture of its own too.
            {
                "name": "React",
                "alternative_names": "ReactJS, React.js",
                "thumb_url": "https://welcomekit.co/img/react.png",
                "category": "frontend",
            }
        ],
    }
    async with maker() as session:
        await tools_service.import_catalogue(session, Catalogue.model_validate(catalogue))
        await session.commit()
    actor = await build.actor(["tools_r"])

    # curl -X GET -G ".../tools"
    everything = ok(await client.get(f"{BASE}/tools", headers=bearer(actor)))
    # curl -X GET -G ".../tools" -d "name=react"
    react = ok(await client.get(f"{BASE}/tools", params={"name": "react"}, headers=bearer(actor)))

    by_name = {tool["name"]: tool for tool in everything}
    for tool in TOOLS:
        assert_documented(tool, by_name.get(tool["name"]), shape_only=("id", "*.id"))
    assert react, "the catalogue knows React"
    assert_documented([TOOLS[0], ...], react, values=False)
    assert all("react" in (t["name"] + (t["alternative_names"] or "")).lower() for t in react)


async def test_list_sectors_example_answers_the_documented_sectors(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["me_r"])  # "This endpoint just requires a valid token."

    response = await client.get(
        f"{BASE}/sectors", headers={"Content-Type": "application/json", **bearer(actor)}
    )

    served = {sector["reference"]: sector for sector in ok(response)}
    for sector in SECTORS:
        assert_documented(sector, served.get(sector["reference"]))
