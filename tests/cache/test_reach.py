"""A cached answer goes only to callers who reach exactly what it shows: a limited member never
gets what was rendered for an admin (nor the reverse), and two organisations never share an
entry."""

from __future__ import annotations

from typing import Any

import httpx

from canopy.models import Role
from tests.cache.helpers import ALL, EMBED, statements
from tests.fixtures.builders import JOBS, Actor, Builder

# Without the partnership scope su_jobs_r (in "all"), which reaches every job of every
# organisation.
MEMBER_SCOPES = ["jobs_r"]


def _names(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {job["name"] for job in response.json()}


async def test_a_limited_member_never_gets_an_admins_cached_list(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    limited = await build.actor(MEMBER_SCOPES, organization=admin.organization, role=Role.limited)
    assigned = await build.job(client, admin, name="Assigned")
    await build.job(client, admin, name="Hidden")
    await build.assign(assigned["reference"], limited.user)
    params = {"organization_reference": admin.org, "stages": "true"}

    for _ in range(2):  # the second time from the cache, for both
        admin_sees = _names(await client.get(JOBS, params=params, headers=admin.headers))
        limited_sees = _names(await client.get(JOBS, params=params, headers=limited.headers))
        assert {"Assigned", "Hidden", "Spontaneous application"} == admin_sees
        assert limited_sees == {"Assigned"}

    # Another limited member has assignments of its own: an entry of its own too.
    other = await build.actor(MEMBER_SCOPES, organization=admin.organization, role=Role.limited)
    assert _names(await client.get(JOBS, params=params, headers=other.headers)) == set()


async def test_a_limited_member_never_gets_an_admins_cached_job(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    limited = await build.actor(MEMBER_SCOPES, organization=admin.organization, role=Role.limited)
    job = await build.job(client, admin, name="Hidden")
    url = f"{JOBS}/{job['reference']}"

    assert (await client.get(url, headers=admin.headers)).status_code == 200
    assert (await client.get(url, headers=admin.headers)).status_code == 200  # cached
    refused = await client.get(url, headers=limited.headers)
    assert refused.status_code == 404, refused.text

    # Assigning the job is a write the cache sees: the member reaches it at once...
    await build.assign(job["reference"], limited.user)
    reached = await client.get(url, headers=limited.headers)
    assert reached.status_code == 200
    assert reached.json()["name"] == "Hidden"
    # ...and no longer once the assignment is taken back.
    await build.assign(job["reference"], limited.user, assigned=False)
    assert (await client.get(url, headers=limited.headers)).status_code == 404
    assert (
        _names(
            await client.get(
                JOBS, params={"organization_reference": admin.org}, headers=limited.headers
            )
        )
        == set()
    )


async def test_a_non_member_is_refused_even_when_the_page_is_cached(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    outsider = await build.actor(MEMBER_SCOPES)
    job = await build.job(client, admin, name="Ours")
    params = {"organization_reference": admin.org}
    await client.get(JOBS, params=params, headers=admin.headers)
    await client.get(f"{JOBS}/{job['reference']}", headers=admin.headers)

    listed = await client.get(JOBS, params=params, headers=outsider.headers)
    assert listed.status_code == 401, listed.text
    retrieved = await client.get(f"{JOBS}/{job['reference']}", headers=outsider.headers)
    assert retrieved.status_code == 404, retrieved.text


async def test_two_organisations_never_share_an_entry(
    app: Any, client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="Ours", status="published")
    await build.job(client, outsider, name="Theirs", status="published")

    for _ in range(2):
        ours = await client.get(
            JOBS, params={"organization_reference": admin.org}, headers=admin.headers
        )
        theirs = await client.get(
            JOBS, params={"organization_reference": outsider.org}, headers=outsider.headers
        )
        assert "Ours" in _names(ours)
        assert "Theirs" not in _names(ours)
        assert "Theirs" in _names(theirs)
        assert "Ours" not in _names(theirs)
        embed_ours = await client.get(EMBED, params={"organization_reference": admin.org})
        embed_theirs = await client.get(EMBED, params={"organization_reference": outsider.org})
        assert {j["name"] for j in embed_ours.json()["jobs"]} >= {"Ours"}
        assert "Ours" not in {j["name"] for j in embed_theirs.json()["jobs"]}
        assert embed_ours.headers["etag"] != embed_theirs.headers["etag"]


async def test_a_partner_and_a_member_share_the_entry_of_what_both_reach(
    app: Any, client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    """Reaching the same jobs, they get the same bytes: the second is served from the cache,
    and a partner without a membership sees every job of any organisation."""
    partner = await build.actor(["su_jobs_r"])
    await build.job(client, admin, name="Ours")
    # (The token's first use records its last_used_at, a write of its own.)
    assert "Ours" in _names(await client.get(ALL, headers=partner.headers))
    params = {"organization_reference": admin.org}
    member = await client.get(JOBS, params=params, headers=admin.headers)
    other, count = await statements(app, client.get(JOBS, params=params, headers=partner.headers))
    assert other.status_code == 200, other.text
    assert other.content == member.content
    assert count == 0
