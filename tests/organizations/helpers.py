"""What the organisation tests share: paths, the contract's example, profile writes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Organization
from canopy.tools import service as tools_service
from tests.fixtures.builders import Actor

ORGANIZATIONS = "/api/v1/external/organizations"
TOOLS = "/api/v1/external/tools"


def org_url(reference: str, suffix: str = "") -> str:
    return f"{ORGANIZATIONS}/{reference}{suffix}"


# §6.1, with its JSON syntax fixed (as the contract prints it), and the list example's
# i18n_covers and websites[].cover_url (§6.2).
CONTRACT_ORGANIZATION: dict[str, Any] = {
    "reference": "aEioU123",
    "name": "Welcome To The Jungle",
    "media_twitter": "wttj_fr",
    "media_website_url": "https://www.welcometothejungle.com/",
    "description": "Welcome To The Jungle",
    "subsidiaries": [
        {
            "name": "Welcome To The Jungle Czech Republic and Slovakia",
            "slug": "wttj-cz",
            "reference": "I-3801-A68",
        }
    ],
    "slug": "welcome-to-the-jungle",
    "logo_url": "https://cdn-images.wttj.test/...",
    "sectors": ["public-key-didactic-pricing-structure", "multi-layered-content-based-website"],
    "default_language": "fr",
    "media_facebook": "wttj.fr",
    "media_linkedin": "wttj-fr",
    "media_instagram": "welcometothejungle_fr",
    "media_youtube": "welcomejobs",
    "media_pinterest": None,
    "nb_employees": 185,
    "average_age": 31,
    "turnover": 5,
    "creation_year": 2015,
    "parity_men": 38,
    "parity_women": 62,
    "revenue": "(confidential)",
    "cover_url": "https://wk.test/uploads/website_organization/cover/2182/162186/welcome-to-the-jungle.jpg",
    "i18n_descriptions": {"en": "...", "fr": "..."},
    "i18n_looking_fors": {"en": "...", "fr": "..."},
    "i18n_good_to_knows": {"fr": "..."},
    "i18n_covers": {"fr": "https://cdn-images.wttj.tech/cover-fr.jpg"},
    "websites": [
        {
            "reference": "wttj_fr",
            "name": "Welcome To The Jungle",
            "root_url": "https://www.welcometothejungle.com/en/companies/wttj",
            "cover_url": None,
        }
    ],
    "updated_at": "2021-05-24T15:16:22.219+02:00",
}

# Every key of an Organization without inclusions: the example's, and created_at.
ORGANIZATION_KEYS = frozenset(CONTRACT_ORGANIZATION) | {"created_at"}

# The writable profile fields of the example (a PUT body reproducing it).
PROFILE_FIELDS = (
    "name",
    "media_twitter",
    "media_website_url",
    "description",
    "slug",
    "logo_url",
    "sectors",
    "default_language",
    "media_facebook",
    "media_linkedin",
    "media_instagram",
    "media_youtube",
    "media_pinterest",
    "nb_employees",
    "average_age",
    "turnover",
    "creation_year",
    "parity_men",
    "parity_women",
    "revenue",
    "cover_url",
    "i18n_descriptions",
    "i18n_looking_fors",
    "i18n_good_to_knows",
    "i18n_covers",
)


def contract_profile() -> dict[str, Any]:
    return {name: CONTRACT_ORGANIZATION[name] for name in PROFILE_FIELDS}


async def put_profile(
    client: httpx.AsyncClient, actor: Actor, *, org: str | None = None, **fields: Any
) -> dict[str, Any]:
    response = await client.put(org_url(org or actor.org), json=fields, headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def put_website(
    client: httpx.AsyncClient, actor: Actor, *, org: str | None = None, **fields: Any
) -> dict[str, Any]:
    body = {"reference": "wttj_fr", "name": "WTTJ", "root_url": "https://wttj.co", **fields}
    response = await client.post(
        org_url(org or actor.org, "/websites"), json=body, headers=actor.headers
    )
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


async def load_catalogue(maker: async_sessionmaker[AsyncSession]) -> None:
    """The shipped tool catalogue, imported as `canopy demo` does."""
    async with maker() as session:
        await tools_service.import_catalogue(session, tools_service.load_catalogue())
        await session.commit()


async def set_times(maker: async_sessionmaker[AsyncSession], reference: str, **times: Any) -> None:
    """Set ``created_at``/``updated_at`` of an organisation (the API always stamps "now")."""
    values: dict[str, Any] = {"updated_at": Organization.updated_at, **times}
    async with maker() as session:
        await session.execute(
            update(Organization).where(Organization.reference == reference).values(values)
        )
        await session.commit()
