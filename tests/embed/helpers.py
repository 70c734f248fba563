"""What the embed tests share: paths, the payload's keys, and the rows the API cannot make yet."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import OrganizationWebsite

EMBED = "/api/v1/embed"
WIDGET = "/embed.js"
DEPARTMENTS = "/api/v1/external/departments"

# §6.5, the shape real clients read.
TOP_KEYS = {"name", "slug", "reference", "jobs", "websites"}
JOB_KEYS = {
    "id",
    "reference",
    "name",
    "slug",
    "description",
    "profile",
    "recruitment_process",
    "salary",
    "created_at",
    "published_at",
    "start_date",
    "office",
    "department",
    "contract_type",
    "cms_sites_references",
    "websites_urls",
}
OFFICE_KEYS = {"id", "name", "address", "zip_code", "district", "city", "country"}
# The docs' key names and the real widget's, side by side (§15.10).
WEBSITE_KEYS = {"reference", "kind", "url", "root_url", "organization_url"}
WEBSITE_URL_KEYS = {"reference", "website_reference", "url"}
SPONTANEOUS = "Spontaneous application"


async def embed(client: httpx.AsyncClient, organization_reference: str) -> dict[str, Any]:
    """The embed payload, fetched as a web page would: no token."""
    response = await client.get(EMBED, params={"organization_reference": organization_reference})
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def by_name(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["name"]: job for job in payload["jobs"]}


async def add_website(
    maker: async_sessionmaker[AsyncSession], organization_id: int, **fields: Any
) -> None:
    """An organisation website, written straight to the database (the fixtures of a test
    about the embed, not about the websites endpoints)."""
    async with maker() as session:
        session.add(OrganizationWebsite(organization_id=organization_id, **fields))
        await session.commit()
