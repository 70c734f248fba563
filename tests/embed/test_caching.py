"""The embed is cheap to call again: a strong ETag from the body, 304 when it still holds, any
write that changes the payload changes the tag, and a fixed number of queries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.embed.helpers import DEPARTMENTS, EMBED, add_website
from tests.fixtures.builders import JOBS, OFFICES, Actor, Builder
from tests.fixtures.queries import count_queries


async def _get(
    client: httpx.AsyncClient, actor: Actor, if_none_match: str | None = None
) -> httpx.Response:
    headers = {} if if_none_match is None else {"If-None-Match": if_none_match}
    return await client.get(EMBED, params={"organization_reference": actor.org}, headers=headers)


async def _tag(client: httpx.AsyncClient, actor: Actor) -> str:
    response = await _get(client, actor)
    assert response.status_code == 200, response.text
    tag: str = response.headers["etag"]
    return tag


async def _ok(write: Awaitable[Any]) -> None:
    """Run a write: an API call must succeed; a database write just runs."""
    result = await write
    if isinstance(result, httpx.Response):
        assert result.status_code in (200, 201), result.text


async def test_embed_sends_a_strong_etag_and_answers_304_when_it_matches(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    first = await _get(client, admin)
    tag = first.headers["etag"]

    assert first.headers["cache-control"] == "public, max-age=60"
    assert tag.startswith('"')  # strong: no W/ prefix
    assert tag.endswith('"')
    assert (await _get(client, admin)).headers["etag"] == tag  # the same body, the same tag
    for matching in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        response = await _get(client, admin, matching)
        assert response.status_code == 304, matching
        assert response.content == b""
        assert response.headers["etag"] == tag
        assert response.headers["cache-control"] == "public, max-age=60"
        assert response.headers["access-control-allow-origin"] == "*"
    stale = await _get(client, admin, '"stale"')
    assert stale.status_code == 200
    assert stale.content == first.content


async def test_every_write_that_changes_the_embed_changes_its_etag(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    department = (
        await client.post(
            DEPARTMENTS,
            json={"organization_reference": admin.org, "name": "Tech"},
            headers=admin.headers,
        )
    ).json()
    job = await build.job(client, admin, status="published", department_id=department["id"])
    draft = await build.job(client, admin, name="Draft")
    reference, office_id = job["reference"], job["office_id"]
    tags = [await _tag(client, admin)]

    async def changed(write: Awaitable[Any]) -> str:
        await _ok(write)
        tag = await _tag(client, admin)
        assert tag not in tags, "the payload changed, its tag must too"
        assert (await _get(client, admin, tags[-1])).status_code == 200
        tags.append(tag)
        return tag

    h = admin.headers
    await changed(client.put(f"{JOBS}/{reference}", json={"name": "Renamed"}, headers=h))
    await changed(client.put(f"{OFFICES}/{office_id}", json={"name": "HQ"}, headers=h))
    await changed(client.put(f"{DEPARTMENTS}/{department['id']}", json={"name": "Eng"}, headers=h))
    status = f"{JOBS}/{reference}/update_status"
    await changed(client.put(status, json={"status": "draft"}, headers=h))
    await changed(client.put(status, json={"status": "published"}, headers=h))
    await changed(
        add_website(
            maker, admin.organization.id, reference="jungle", name="J", root_url="https://j"
        )
    )

    # A draft is not in the payload: changing it keeps the tag, and clients keep their copy.
    await _ok(client.put(f"{JOBS}/{draft['reference']}", json={"name": "Still draft"}, headers=h))
    assert (await _get(client, admin, tags[-1])).status_code == 304


async def test_embed_costs_the_same_queries_for_1_and_30_jobs(
    app: Any,
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    with count_queries(app) as statements:
        await _tag(client, admin)  # the spontaneous job alone
    one_job = len(statements)

    department = (
        await client.post(
            DEPARTMENTS,
            json={"organization_reference": admin.org, "name": "Tech"},
            headers=admin.headers,
        )
    ).json()
    lyon = await build.office(client, admin, name="Lyon", city="Lyon")
    await add_website(
        maker, admin.organization.id, reference="wttj_careers", name="C", root_url="https://c"
    )
    await asyncio.gather(
        *(
            build.job(
                client,
                admin,
                name=f"Job {n}",
                status="published",
                office_id=lyon["id"],
                department_id=department["id"],
                cms_sites_references="wttj_fr,wttj_careers",
            )
            for n in range(29)
        )
    )
    with count_queries(app) as statements:
        response = await _get(client, admin)
    assert len(response.json()["jobs"]) == 30

    # 4: organisation, jobs (office and department joined), the jobs' sites, websites.
    assert one_job == len(statements) == 4
