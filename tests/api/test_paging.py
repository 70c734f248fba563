"""Paging on the list endpoints (§1.4, §15.3): page/per_page, the Kaminari headers, Link, HEAD."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Department, Office
from canopy.models.base import utcnow
from tests.api.helpers import PAGING_HEADERS, assert_error, links, paging
from tests.fixtures.builders import Actor

ENDPOINTS: dict[str, Callable[[int], dict[str, Any]]] = {
    "/api/v1/external/departments": lambda n: {"name": f"Team {n}"},
    "/api/v1/external/offices": lambda n: {
        "name": f"Office {n}",
        "city": "Paris",
        "country_code": "FR",
    },
}

MODELS: dict[str, type[Department] | type[Office]] = {
    "/api/v1/external/departments": Department,
    "/api/v1/external/offices": Office,
}

pytestmark = pytest.mark.parametrize("path", list(ENDPOINTS), ids=["departments", "offices"])


async def _seed(client: httpx.AsyncClient, actor: Actor, path: str, count: int) -> list[int]:
    ids = []
    for n in range(1, count + 1):
        response = await client.post(
            path,
            json={"organization_reference": actor.org, **ENDPOINTS[path](n)},
            headers=actor.headers,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def _page(
    client: httpx.AsyncClient, actor: Actor, path: str, **params: str | int
) -> httpx.Response:
    return await client.get(
        path, params={"organization_reference": actor.org, **params}, headers=actor.headers
    )


def _link_pages(response: httpx.Response, path: str, org: str) -> dict[str, tuple[str, str]]:
    """rel → (page, per_page), checking each link points back at the same list."""
    result = {}
    for rel, (link_path, query) in links(response).items():
        assert link_path == path
        assert query["organization_reference"] == org
        result[rel] = (query["page"], query["per_page"])
    return result


async def test_pages_walk_every_row_oldest_first(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    ids = await _seed(client, admin, path, 5)
    walked = []
    for number in (1, 2, 3):
        response = await _page(client, admin, path, page=number, per_page=2)
        assert response.status_code == 200
        walked.extend(item["id"] for item in response.json())
    assert walked == ids


async def test_order_is_by_creation_time_then_id(
    client: httpx.AsyncClient,
    admin: Actor,
    maker: async_sessionmaker[AsyncSession],
    path: str,
) -> None:
    first, second, third = await _seed(client, admin, path, 3)
    model = MODELS[path]
    moment = utcnow() - timedelta(days=1)
    async with maker() as session:
        # The newest row becomes the oldest; the other two share one instant (ties go by id).
        await session.execute(
            update(model).where(model.id == third).values(created_at=moment - timedelta(hours=1))
        )
        await session.execute(
            update(model).where(model.id.in_([first, second])).values(created_at=moment)
        )
        await session.commit()
    response = await _page(client, admin, path)
    assert [item["id"] for item in response.json()] == [third, first, second]


async def test_first_page_links_next_and_last_but_no_prev(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    ids = await _seed(client, admin, path, 5)
    response = await _page(client, admin, path, per_page=2)
    assert [item["id"] for item in response.json()] == ids[:2]
    assert paging(response) == {
        "x-total": "5",
        "x-total-pages": "3",
        "x-per-page": "2",
        "x-page": "1",
        "x-offset": "0",
        "x-next-page": "2",
        "x-prev-page": "",
    }
    assert _link_pages(response, path, admin.org) == {
        "first": ("1", "2"),
        "next": ("2", "2"),
        "last": ("3", "2"),
    }


async def test_middle_page_links_both_ways(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    ids = await _seed(client, admin, path, 5)
    response = await _page(client, admin, path, page=2, per_page=2)
    assert [item["id"] for item in response.json()] == ids[2:4]
    assert paging(response) == {
        "x-total": "5",
        "x-total-pages": "3",
        "x-per-page": "2",
        "x-page": "2",
        "x-offset": "2",
        "x-next-page": "3",
        "x-prev-page": "1",
    }
    assert _link_pages(response, path, admin.org) == {
        "first": ("1", "2"),
        "prev": ("1", "2"),
        "next": ("3", "2"),
        "last": ("3", "2"),
    }


async def test_last_page_is_short_and_has_no_next(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    ids = await _seed(client, admin, path, 5)
    response = await _page(client, admin, path, page=3, per_page=2)
    assert [item["id"] for item in response.json()] == ids[4:]
    assert paging(response) == {
        "x-total": "5",
        "x-total-pages": "3",
        "x-per-page": "2",
        "x-page": "3",
        "x-offset": "4",
        "x-next-page": "",
        "x-prev-page": "2",
    }
    assert _link_pages(response, path, admin.org) == {
        "first": ("1", "2"),
        "prev": ("2", "2"),
        "last": ("3", "2"),
    }


async def test_page_past_the_end_is_empty_with_headers(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    await _seed(client, admin, path, 5)
    response = await _page(client, admin, path, page=7, per_page=2)
    assert response.status_code == 200
    assert response.json() == []
    assert paging(response) == {
        "x-total": "5",
        "x-total-pages": "3",
        "x-per-page": "2",
        "x-page": "7",
        "x-offset": "12",
        "x-next-page": "",
        "x-prev-page": "",
    }
    assert _link_pages(response, path, admin.org) == {"first": ("1", "2"), "last": ("3", "2")}


async def test_defaults_are_page_1_and_100_per_page(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    ids = await _seed(client, admin, path, 3)
    response = await _page(client, admin, path)
    assert [item["id"] for item in response.json()] == ids
    assert paging(response) == {
        "x-total": "3",
        "x-total-pages": "1",
        "x-per-page": "100",
        "x-page": "1",
        "x-offset": "0",
        "x-next-page": "",
        "x-prev-page": "",
    }
    assert _link_pages(response, path, admin.org) == {
        "first": ("1", "100"),
        "last": ("1", "100"),
    }


async def test_empty_list_has_zero_pages(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    response = await _page(client, admin, path)
    assert response.json() == []
    assert response.headers["x-total"] == "0"
    assert response.headers["x-total-pages"] == "0"
    assert response.headers["x-next-page"] == ""
    assert response.headers["x-prev-page"] == ""


async def test_per_page_above_100_is_honoured_up_to_the_maximum(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    await _seed(client, admin, path, 1)
    response = await _page(client, admin, path, per_page=500)
    assert response.status_code == 200
    assert response.headers["x-per-page"] == "500"
    assert _link_pages(response, path, admin.org)["first"] == ("1", "500")


async def test_per_page_above_the_maximum_is_refused(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    response = await _page(client, admin, path, per_page=1001)
    assert_error(response, 400, "validation_failed", "per_page is invalid: must be at most 1000")


NOT_AN_INTEGER = "input should be a valid integer, unable to parse string as an integer"
BAD_PAGING: list[tuple[dict[str, str], str]] = [
    ({"page": "0"}, "page is invalid: input should be greater than or equal to 1"),
    ({"page": "-1"}, "page is invalid: input should be greater than or equal to 1"),
    ({"per_page": "0"}, "per_page is invalid: input should be greater than or equal to 1"),
    ({"per_page": "abc"}, f"per_page is invalid: {NOT_AN_INTEGER}"),
    ({"page": "1.5"}, f"page is invalid: {NOT_AN_INTEGER}"),
]


async def test_bad_paging_params_are_rejected(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    for params, description in BAD_PAGING:
        response = await _page(client, admin, path, **params)
        assert_error(response, 400, "validation_failed", description)


async def test_link_keeps_the_other_query_params(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    await _seed(client, admin, path, 3)
    response = await _page(client, admin, path, per_page=1, page=2, unknown="kept")
    for _, query in links(response).values():
        assert query["unknown"] == "kept"
        assert query["organization_reference"] == admin.org


async def test_list_shows_only_the_organisation_rows(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, path: str
) -> None:
    await _seed(client, outsider, path, 3)
    own = await _seed(client, admin, path, 2)
    response = await _page(client, admin, path)
    assert [item["id"] for item in response.json()] == own
    assert response.headers["x-total"] == "2"


async def test_head_answers_the_get_headers_without_a_body(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    await _seed(client, admin, path, 5)
    params = {"organization_reference": admin.org, "page": "2", "per_page": "2"}
    got = await client.get(path, params=params, headers=admin.headers)
    head = await client.head(path, params=params, headers=admin.headers)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "application/json"
    for name in PAGING_HEADERS:
        assert head.headers[name] == got.headers[name], name
    assert head.headers["x-total"] == "5"


async def test_head_refuses_a_request_without_a_token(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    response = await client.head(path, params={"organization_reference": admin.org})
    assert response.status_code == 401
    assert response.content == b""
    assert "x-request-id" in response.headers


async def test_head_requires_organization_reference(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    response = await client.head(path, headers=admin.headers)
    assert response.status_code == 400
    assert response.content == b""
