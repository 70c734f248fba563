"""`PUT /organizations/:reference/tools`: an admin replaces the organisation's tools, each by
`tool_id` or `name`, with a percent (0–100) and a comment."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from canopy.models import Role
from tests.fixtures.assertions import assert_error, assert_invalid
from tests.fixtures.builders import Actor, Builder
from tests.organizations.helpers import TOOLS, org_url

pytestmark = pytest.mark.usefixtures("catalogue")


async def _put(
    client: httpx.AsyncClient, actor: Actor, body: Any, org: str | None = None
) -> httpx.Response:
    return await client.put(org_url(org or actor.org, "/tools"), json=body, headers=actor.headers)


async def _tool_id(client: httpx.AsyncClient, actor: Actor, name: str) -> int:
    (tool,) = (await client.get(TOOLS, params={"name": name}, headers=actor.headers)).json()
    tool_id: int = tool["id"]
    return tool_id


async def test_put_replaces_the_tools_in_the_order_given(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    docker = await _tool_id(client, admin, "docker")
    first = await _put(
        client,
        admin,
        {"tools": [{"name": "Python", "percent": 50}, {"tool_id": docker, "percent": 50}]},
    )
    assert first.status_code == 200, first.text
    assert [(t["name"], t["percent"]) for t in first.json()] == [
        ("Python", 50.0),
        ("Docker", 50.0),
    ]

    second = await _put(
        client,
        admin,
        {
            "tools": [
                {"tool_id": str(docker), "percent": "0", "comment": "Barely"},
                {"name": "golang"},
            ]
        },
    )

    assert second.status_code == 200, second.text
    assert [(t["name"], t["percent"], t["comment"]) for t in second.json()] == [
        ("Docker", 0.0, "Barely"),
        ("Go", None, None),
    ]
    listed = await client.get(
        TOOLS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert listed.json() == second.json()
    assert (await _put(client, admin, {"tools": []})).json() == []


async def test_a_form_body_sets_tools(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.put(
        org_url(admin.org, "/tools"),
        content="tools[][name]=Figma&tools[][percent]=80&tools[][name]=Sketch&tools[][percent]=20",
        headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert [(t["name"], t["percent"]) for t in response.json()] == [
        ("Figma", 80.0),
        ("Sketch", 20.0),
    ]


async def test_invalid_tool_lists_are_refused_and_change_nothing(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    await _put(client, admin, {"tools": [{"name": "Rust", "percent": 100}]})
    cases: list[tuple[Any, str]] = [
        ({}, "tools is missing"),
        ({"tools": "Rust"}, "tools is invalid: input should be a valid list"),
        ({"tools": [{"percent": 10}]}, "tools.0 is invalid: each tool needs exactly one of"),
        (
            {"tools": [{"name": "Rust", "tool_id": 1}]},
            "tools.0 is invalid: each tool needs exactly one of",
        ),
        ({"tools": [{"name": "Rust", "percent": 101}]}, "tools.0.percent is invalid"),
        ({"tools": [{"name": "Rust", "percent": -1}]}, "tools.0.percent is invalid"),
        ({"tools": [{"name": "Rust", "percent": "nan"}]}, "tools.0.percent is invalid"),
        ({"tools": [{"name": "Rust", "comment": "x" * 2001}]}, "tools.0.comment is invalid"),
        (
            {"tools": [{"name": "Rust"}, {"name": "Nope"}]},
            "tools.1 is invalid: no tool 'Nope' in the catalogue",
        ),
        (
            {"tools": [{"tool_id": 2**40}]},
            f"tools.0 is invalid: no tool_id {2**40} in the catalogue",
        ),
        (
            {"tools": [{"name": "rust"}, {"name": "RUST"}]},
            "tools.1 is invalid: Rust is listed twice",
        ),
        ({"tools": [{"name": "Rust"}] * 201}, "tools is invalid"),
    ]
    for body, message in cases:
        response = await _put(client, admin, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"] == "validation_failed"
        assert response.json()["error_description"].startswith(message), response.text
    listed = await client.get(
        TOOLS, params={"organization_reference": admin.org}, headers=admin.headers
    )
    assert [(t["name"], t["percent"]) for t in listed.json()] == [("Rust", 100.0)]
    assert_invalid(await _put(client, admin, {"tools": [{"name": ""}]}), "tools.0.name")


async def test_only_admins_set_tools(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    body = {"tools": [{"name": "Rust"}]}
    standard = await build.actor(organization=admin.organization, role=Role.standard)
    assert_error(
        await _put(client, standard, body),
        403,
        "forbidden",
        "Only an admin of this organization may change it",
    )
    stranger = await build.actor(["organizations_rw", "tools_r"])
    assert_error(
        await _put(client, stranger, body, org=admin.org),
        404,
        "not_found",
        "Organization not found",
    )
    no_rw = await build.actor(["organizations_r", "tools_r"], organization=admin.organization)
    assert_error(
        await _put(client, no_rw, body),
        403,
        "invalid_scope",
        "This endpoint requires the organizations_rw scope",
    )
