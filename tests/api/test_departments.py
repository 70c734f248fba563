from __future__ import annotations

import httpx

from tests.fixtures.builders import Actor

BASE = "/api/v1/external/departments"


async def test_create_department_generates_slug(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        BASE,
        json={"organization_reference": admin.org, "name": "Tech & Data"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Tech & Data",
        "is_active": True,
        "slug": "tech-data",
        "description": None,
    }
