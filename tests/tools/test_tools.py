"""`GET /tools` (§6.6): the catalogue, its `name` filter, an organisation's tools with
`percent` and `comment`, paging and scopes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import paging
from tests.fixtures.assertions import assert_error, assert_invalid
from tests.fixtures.builders import Actor, Builder
from tests.organizations.helpers import TOOLS, org_url

pytestmark = pytest.mark.usefixtures("catalogue")

TOOL_KEYS = {"thumb_url", "tool_category", "alternative_names", "name", "id"}


async def _list(client: httpx.AsyncClient, actor: Actor, **params: str) -> httpx.Response:
    return await client.get(TOOLS, params=params, headers=actor.headers)


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [tool["name"] for tool in response.json()]


async def _set_tools(
    client: httpx.AsyncClient, actor: Actor, tools: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    response = await client.put(
        org_url(actor.org, "/tools"), json={"tools": tools}, headers=actor.headers
    )
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def test_the_contract_examples_are_in_the_catalogue(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["tools_r"])
    (cloudfront,) = (await _list(client, actor, name="cloudfront")).json()
    (javascript,) = (await _list(client, actor, name="javascript")).json()

    assert set(cloudfront) == set(javascript) == TOOL_KEYS
    assert cloudfront == {
        "thumb_url": None,
        "tool_category": {
            "name": "Product Management",
            "reference": "pm",
            "id": cloudfront["tool_category"]["id"],
        },
        "alternative_names": "Aws Cloudfront, Cloudfront",
        "name": "Amazon Cloudfront",
        "id": cloudfront["id"],
    }
    assert javascript["alternative_names"] == "JS"
    assert javascript["tool_category"]["name"] == "Front"
    assert javascript["tool_category"]["reference"] == "frontend"
    assert all(isinstance(tool["id"], int) for tool in (cloudfront, javascript))


async def test_catalogue_lists_about_sixty_tools_oldest_first_with_paging(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["tools_r"])
    first = await _list(client, actor, per_page="50")
    second = await _list(client, actor, per_page="50", page="2")
    head = await client.head(TOOLS, params={"per_page": "50"}, headers=actor.headers)

    tools = first.json() + second.json()
    assert len(tools) >= 60
    assert int(first.headers["x-total"]) == len(tools)
    assert [t["id"] for t in tools] == sorted(t["id"] for t in tools)
    assert tools[0]["name"] == "Amazon Cloudfront"
    categories = {t["tool_category"]["reference"] for t in tools}
    assert {"monitoring", "data", "ide", "pm", "frontend", "backend", "devops", "design"} <= (
        categories
    )
    assert head.status_code == 200
    assert head.content == b""
    assert paging(head) == paging(first)


async def test_name_filters_names_and_alternative_names_case_insensitively(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["tools_r"])
    assert _names(await _list(client, actor, name="AWS")) == [
        "Amazon Cloudfront",
        "Amazon Web Services",
    ]
    assert _names(await _list(client, actor, name="js")) == [
        "Javascript",
        "React",
        "Vue.js",
        "Angular",
        "Next.js",
        "Node.js",
    ]
    assert _names(await _list(client, actor, name="k8s")) == ["Kubernetes"]
    assert _names(await _list(client, actor, name="%")) == []
    assert _names(await _list(client, actor, name="no such tool")) == []
    assert len(_names(await _list(client, actor, name=""))) >= 60
    assert len(_names(await _list(client, actor, name=" ", organization_reference=""))) >= 60


async def test_tools_needs_tools_r(client: httpx.AsyncClient, build: Builder) -> None:
    actor = await build.actor(["organizations_rw", "su_organizations_r"])
    assert_error(
        await _list(client, actor),
        403,
        "invalid_scope",
        "This endpoint requires the tools_r scope",
    )


async def test_organization_reference_lists_its_tools_with_percent_and_comment(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await _set_tools(
        client,
        admin,
        [
            {"name": "python", "percent": 70, "comment": "The API"},
            {"name": "JS", "percent": "30.5"},
        ],
    )
    reader = await build.actor(["tools_r", "organizations_r"], organization=admin.organization)

    response = await _list(client, reader, organization_reference=admin.org)

    assert response.status_code == 200, response.text
    python, javascript = response.json()
    assert set(python) == TOOL_KEYS | {"percent", "comment"}
    assert (python["name"], python["percent"], python["comment"]) == ("Python", 70.0, "The API")
    assert (javascript["name"], javascript["percent"], javascript["comment"]) == (
        "Javascript",
        30.5,
        None,
    )
    assert _names(await _list(client, reader, organization_reference=admin.org, name="java")) == [
        "Javascript"
    ]
    paged = await _list(client, reader, organization_reference=admin.org, per_page="1")
    assert _names(paged) == ["Python"]
    assert paged.headers["x-total"] == "2"


async def test_organization_reference_needs_membership_or_su_organizations_r(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await _set_tools(client, admin, [{"name": "Go", "percent": 100}])
    stranger = await build.actor(["tools_r", "organizations_r"])
    assert_error(
        await _list(client, stranger, organization_reference=admin.org),
        401,
        "unauthorized",
        "You are not member of this organization",
    )
    assert_error(
        await _list(client, stranger, organization_reference="Nope123"),
        401,
        "unauthorized",
        "You are not member of this organization",
    )
    partner = await build.actor(["tools_r", "su_organizations_r"])
    assert _names(await _list(client, partner, organization_reference=admin.org)) == ["Go"]
    tools_only = await build.actor(["tools_r"], organization=admin.organization)
    assert_error(
        await _list(client, tools_only, organization_reference=admin.org),
        403,
        "invalid_scope",
        "organization_reference requires the organizations_r or su_organizations_r scope",
    )


async def test_an_invalid_page_is_a_validation_error(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["tools_r"])
    assert_invalid(await _list(client, actor, page="0"), "page")
