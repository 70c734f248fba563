"""The embed carries the key names of both the docs and the real widget (§6.5, §15.10):
``websites_urls[]`` has ``reference`` and ``website_reference``; ``websites[]`` has ``url``
and ``root_url`` (plus ``kind`` and ``organization_url``); from a fresh rendering and from the
response cache alike."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.embed.helpers import EMBED, WEBSITE_KEYS, WEBSITE_URL_KEYS, add_website
from tests.fixtures.builders import Actor, Builder


async def _embed_twice(client: httpx.AsyncClient, reference: str) -> list[dict[str, Any]]:
    """The payload rendered, then answered again (from the response cache)."""
    payloads = []
    for _ in range(2):
        response = await client.get(EMBED, params={"organization_reference": reference})
        assert response.status_code == 200, response.text
        payloads.append(response.json())
    return payloads


async def test_websites_urls_carry_both_reference_and_website_reference(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, status="published", cms_sites_references="wttj_fr,smgo_fr")

    for payload in await _embed_twice(client, admin.org):
        [listed] = [j for j in payload["jobs"] if j["reference"] == job["reference"]]
        urls = listed["websites_urls"]
        assert [item["reference"] for item in urls] == ["wttj_fr", "smgo_fr"]
        for item in urls:
            assert set(item) >= WEBSITE_URL_KEYS
            assert item["website_reference"] == item["reference"]
            assert item["url"].startswith("https://")


async def test_websites_carry_both_url_and_root_url_with_kind_and_organization_url(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    await add_website(
        maker,
        admin.organization.id,
        reference="jungle",
        name="The Jungle",
        kind="multi",
        root_url="https://jungle.example.com",
        organization_url="https://jungle.example.com/companies/acme",
    )

    for payload in await _embed_twice(client, admin.org):
        [jungle] = [site for site in payload["websites"] if site["reference"] == "jungle"]
        assert set(jungle) >= WEBSITE_KEYS
        assert jungle["url"] == jungle["root_url"] == "https://jungle.example.com"
        assert jungle["kind"] == "multi"
        assert jungle["organization_url"] == "https://jungle.example.com/companies/acme"
        for site in payload["websites"]:
            assert site["url"] == site["root_url"]


async def test_the_openapi_document_declares_both_key_names(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]

    assert {"reference", "website_reference", "url"} <= set(schemas["EmbedWebsiteUrl"]["required"])
    assert {"reference", "kind", "url", "root_url", "organization_url"} <= set(
        schemas["EmbedWebsite"]["required"]
    )
