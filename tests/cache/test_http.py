"""What clients see of the cache: strong ETags that change with the content and only with it,
304 without a body (and without rendering), HEAD, Cache-Control, and keys that do not depend
on how the query string is written."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from canopy import render
from canopy.config import Settings
from tests.cache.helpers import ALL, EMBED, ok, statements
from tests.fixtures.builders import JOBS, Actor, Builder
from tests.fixtures.queries import count_queries

PAGING = ("x-total", "x-total-pages", "x-per-page", "x-page", "x-offset", "link")


async def test_token_routes_send_a_strong_etag_and_answer_304_without_rendering(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin)
    for url, params in (
        (JOBS, {"organization_reference": admin.org, "stages": "true"}),
        (f"{JOBS}/{job['reference']}", {"stages": "true"}),
        (ALL, {"stages": "true"}),
    ):
        first = await ok(client.get(url, params=params, headers=admin.headers))
        tag = first.headers["etag"]
        assert tag.startswith('"')  # strong: no W/
        assert first.headers["cache-control"] == "private, no-cache"
        assert first.headers["vary"] == "Authorization"
        for matching in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            headers = {**admin.headers, "If-None-Match": matching}
            response, count = await statements(app, client.get(url, params=params, headers=headers))
            assert response.status_code == 304, (url, matching)
            assert response.content == b""
            assert response.headers["etag"] == tag
            assert count == 0, "a 304 from the cache renders nothing"
            if url != f"{JOBS}/{job['reference']}":
                assert response.headers["x-total"] == first.headers["x-total"]
        stale = await client.get(
            url, params=params, headers={**admin.headers, "If-None-Match": '"stale"'}
        )
        assert stale.status_code == 200
        assert stale.content == first.content


async def test_the_etag_changes_with_the_content_and_only_with_it(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, name="One", status="published")
    draft = await build.job(client, admin, name="Draft")
    url = f"{JOBS}/{job['reference']}"
    tag = (await ok(client.get(url, headers=admin.headers))).headers["etag"]
    embed_params = {"organization_reference": admin.org}
    embed_tag = (await ok(client.get(EMBED, params=embed_params))).headers["etag"]

    await ok(client.put(url, json={"name": "Two"}, headers=admin.headers))
    renamed = await ok(client.get(url, headers={**admin.headers, "If-None-Match": tag}))
    assert renamed.json()["name"] == "Two"
    assert renamed.headers["etag"] != tag
    embed = await ok(client.get(EMBED, params=embed_params, headers={"If-None-Match": embed_tag}))
    assert embed.headers["etag"] != embed_tag

    # A write the job's rendering does not show (another job): a new version, the same bytes,
    # the same tag: the client's copy holds.
    await ok(
        client.put(f"{JOBS}/{draft['reference']}", json={"name": "Else"}, headers=admin.headers)
    )
    held = await client.get(
        url, headers={**admin.headers, "If-None-Match": renamed.headers["etag"]}
    )
    assert held.status_code == 304
    same = await client.get(
        EMBED, params=embed_params, headers={"If-None-Match": embed.headers["etag"]}
    )
    assert same.status_code == 304


async def test_head_answers_the_headers_of_get_from_the_same_entry(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.job(client, admin)
    params = {"organization_reference": admin.org, "per_page": "1"}
    head_first = await client.head(JOBS, params=params, headers=admin.headers)  # renders
    got, count = await statements(app, client.get(JOBS, params=params, headers=admin.headers))
    assert count == 0  # HEAD's rendering is GET's entry
    head, count = await statements(app, client.head(JOBS, params=params, headers=admin.headers))
    assert count == 0
    for response in (head_first, head):
        assert response.status_code == 200
        assert response.content == b""
        for name in ("etag", "content-length", "cache-control", *PAGING):
            assert response.headers[name] == got.headers[name], name
    tagged = {**admin.headers, "If-None-Match": got.headers["etag"]}
    assert (await client.head(JOBS, params=params, headers=tagged)).status_code == 304

    embed_get = await ok(client.get(EMBED, params={"organization_reference": admin.org}))
    embed_head = await client.head(EMBED, params={"organization_reference": admin.org})
    assert embed_head.content == b""
    assert embed_head.headers["etag"] == embed_get.headers["etag"]
    assert embed_head.headers["content-length"] == embed_get.headers["content-length"]
    assert embed_head.headers["access-control-allow-origin"] == "*"


async def test_the_key_is_the_parsed_parameters_not_how_they_are_written(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.job(client, admin)
    first = await ok(
        client.get(
            f"{JOBS}?organization_reference={admin.org}&stages=true&per_page=50",
            headers=admin.headers,
        )
    )
    for query in (
        f"per_page=50&stages=1&organization_reference={admin.org}",
        f"stages=false&stages=true&organization_reference={admin.org}&per_page=50&unknown=1",
        f"organization_reference={admin.org}&stages=true&per_page=50&access_token={admin.token}",
    ):
        headers = {} if "access_token" in query else admin.headers
        response, count = await statements(app, client.get(f"{JOBS}?{query}", headers=headers))
        assert response.status_code == 200, response.text
        assert count == 0, query
        assert response.content == first.content
        # The paging links are this request's own URL (never its token).
        assert "access_token" not in response.headers["link"]
        assert "stages=" in response.headers["link"]
    other, count = await statements(
        app,
        client.get(
            JOBS,
            params={"organization_reference": admin.org, "per_page": "50"},
            headers=admin.headers,
        ),
    )
    assert count > 0  # no stages: another rendering
    assert other.content != first.content


async def test_a_burst_of_misses_renders_once(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await build.job(client, admin)
    params = {"organization_reference": admin.org, "stages": "true"}
    with count_queries(app) as one:
        single = await ok(
            client.get(JOBS, params={**params, "per_page": "7"}, headers=admin.headers)
        )
    with count_queries(app) as burst:
        responses = await asyncio.gather(
            *(client.get(JOBS, params=params, headers=admin.headers) for _ in range(8))
        )
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert len(burst) == len(one)  # one rendering for the eight
    assert single.json() == responses[0].json()


async def test_the_time_zone_is_part_of_the_key(
    client: httpx.AsyncClient, admin: Actor, build: Builder, settings: Settings
) -> None:
    job = await build.job(client, admin)
    url = f"{JOBS}/{job['reference']}"
    paris = (await ok(client.get(url, headers=admin.headers))).json()["created_at"]
    render.set_timezone(Settings(timezone="America/New_York").tz)
    try:
        new_york = (await ok(client.get(url, headers=admin.headers))).json()["created_at"]
    finally:
        render.set_timezone(settings.tz)
    assert paris != new_york
    assert (await ok(client.get(url, headers=admin.headers))).json()["created_at"] == paris


class _CountingReader:
    """The app's bare-driver reader, recording each statement it runs."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.statements: list[str] = []

    async def fetch(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return await self.reader.fetch(sql, *args)

    async def lookup(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return await self.reader.lookup(sql, *args)

    async def aclose(self) -> None:
        await self.reader.aclose()


async def test_a_cached_token_read_finds_its_caller_and_versions_in_one_statement(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await build.job(client, admin, status="published")
    reads = (
        (JOBS, {"organization_reference": admin.org}),
        (f"{JOBS}/{job['reference']}", {}),
        (ALL, {}),
    )
    first = {url: (await ok(client.get(url, params=q, headers=admin.headers))).content
             for url, q in reads}  # fmt: skip
    counting = _CountingReader(app.state.raw_reader)
    app.state.raw_reader = counting
    try:
        for url, params in reads:
            counting.statements.clear()
            response, count = await statements(app, client.get(url, params=params,
                                                                headers=admin.headers))  # fmt: skip
            assert response.content == first[url]
            assert count == 0, "answered from the cache"
            assert len(counting.statements) == 1, (url, counting.statements)
            assert "api_token" in counting.statements[0]
            assert "cache_version" in counting.statements[0]
        # A write in between: the versions the token's statement brings change with it.
        await ok(client.put(f"{JOBS}/{job['reference']}", json={"name": "Renamed"},
                            headers=admin.headers))  # fmt: skip
        for url, params in reads:
            counting.statements.clear()
            response = await ok(client.get(url, params=params, headers=admin.headers))
            assert response.content != first[url]
            assert b"Renamed" in response.content
        # An unknown organisation in the query: looked up with the token all the same (no
        # row), and refused as one the user is not a member of.
        counting.statements.clear()
        refused = await client.get(
            JOBS, params={"organization_reference": "nope"}, headers=admin.headers
        )
        assert refused.status_code == 401
        assert refused.json()["error_description"] == "You are not member of this organization"
        assert "cache_version" in counting.statements[0]
        # A reference no text column can hold is not sent with the token: the route answers.
        for bad in ("\x00", "a\x00b"):
            counting.statements.clear()
            response = await client.get(
                JOBS, params={"organization_reference": bad}, headers=admin.headers
            )
            assert response.status_code in (400, 401), response.text
            assert "cache_version" not in counting.statements[0]
    finally:
        app.state.raw_reader = counting.reader
