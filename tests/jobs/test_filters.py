"""Filters of both list endpoints: status, contract type, sites and the ``*_after`` dates.

A date means ``>=`` local midnight in Europe/Paris (§15.1); the jobs below sit on either side
of Paris midnight but on the same side of UTC midnight, so a UTC reading fails the tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import ALL, JOBS, SPONTANEOUS, assert_invalid, names

ENDPOINTS = ["list", "all"]


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def jobs(client: httpx.AsyncClient, admin: Actor, build: Builder) -> None:
    """Spontaneous (2020), then A, B, C, all in the admin's organisation (times in UTC)."""
    spontaneous = (
        await client.get(JOBS, params={"organization_reference": admin.org}, headers=admin.headers)
    ).json()[0]
    long_ago = _t("2020-01-01T00:00:00")
    await build.job_times(
        spontaneous["reference"], created_at=long_ago, updated_at=long_ago, published_at=long_ago
    )
    a = await build.job(client, admin, name="A", cms_sites_references="wttj_fr")
    b = await build.job(
        client,
        admin,
        name="B",
        status="published",
        contract_type="INTERNSHIP",
        cms_sites_references="smgo_fr",
    )
    c = await build.job(client, admin, name="C", status="archived", cms_sites_references="jungle")
    await build.job_times(
        a["reference"],
        created_at=_t("2026-03-09T22:30:00"),  # 23:30 in Paris, 9 March
        updated_at=_t("2026-06-30T21:30:00"),  # 23:30 in Paris, 30 June
    )
    await build.job_times(
        b["reference"],
        created_at=_t("2026-03-09T23:30:00"),  # 00:30 in Paris, 10 March
        updated_at=_t("2026-06-30T23:30:00"),  # 01:30 in Paris, 1 July
        published_at=_t("2026-06-30T21:30:00"),  # 23:30 in Paris, 30 June
    )
    await build.job_times(
        c["reference"],
        created_at=_t("2026-03-10T12:00:00"),
        updated_at=_t("2026-07-01T00:30:00"),  # 02:30 in Paris, 1 July
        published_at=_t("2026-06-30T22:30:00"),  # 00:30 in Paris, 1 July
    )


async def _list(
    client: httpx.AsyncClient, admin: Actor, endpoint: str, method: str = "GET", **params: str
) -> httpx.Response:
    if endpoint == "list":
        url, params = JOBS, {"organization_reference": admin.org, **params}
    else:
        url = ALL
    return await client.request(method, url, params=params, headers=admin.headers)


# (params, the names expected in order); one data set serves them all, to keep the suite fast.
CASES: list[tuple[dict[str, str], list[str]]] = [
    ({}, [SPONTANEOUS, "A", "B", "C"]),
    ({"status": "published"}, [SPONTANEOUS, "B"]),
    ({"status": "draft"}, ["A"]),
    ({"status": "archived"}, ["C"]),
    ({"contract_type": "INTERNSHIP"}, ["B"]),
    ({"contract_type": "FULL_TIME"}, [SPONTANEOUS, "A", "C"]),
    ({"contract_type": "FREELANCE"}, []),
    ({"cms_sites_references": "wttj_fr"}, ["A"]),
    ({"cms_sites_references": "smgo_fr,jungle"}, ["B", "C"]),
    ({"cms_sites_references": "jungle, wttj_fr"}, ["A", "C"]),
    ({"created_after": "2026-03-10"}, ["B", "C"]),
    ({"created_after": "2026-03-09"}, ["A", "B", "C"]),
    ({"created_after": "2026-03-11"}, []),
    ({"created_after": "2026-03-10T00:00:00Z"}, ["C"]),
    ({"created_after": "2026-03-10T00:30:00+01:00"}, ["B", "C"]),
    ({"created_after": "2026-03-10T00:30:00.001+01:00"}, ["C"]),
    ({"updated_after": "2026-07-01"}, ["B", "C"]),
    ({"updated_after": "2026-07-01T01:00:00+01:00"}, ["C"]),
    ({"updated_after": "2026-07-01T00:00:00"}, ["B", "C"]),  # no offset: Paris time
    ({"published_after": "2026-07-01"}, ["C"]),
    ({"published_after": "2026-06-30"}, ["B", "C"]),
    ({"published_after": "2019-12-31"}, [SPONTANEOUS, "B", "C"]),
    (
        {"status": "published", "contract_type": "INTERNSHIP", "created_after": "2026-03-10"},
        ["B"],
    ),
    ({"status": "draft", "published_after": "2000-01-01"}, []),
]


@pytest.mark.usefixtures("jobs")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_each_filter_selects_the_matching_jobs_and_head_counts_them(
    client: httpx.AsyncClient, admin: Actor, endpoint: str
) -> None:
    for params, expected in CASES:
        response = await _list(client, admin, endpoint, **params)
        head = await _list(client, admin, endpoint, method="HEAD", **params)

        assert names(response) == expected, params
        assert response.headers["x-total"] == str(len(expected)), params
        assert head.status_code == 200, params
        assert head.content == b"", params
        assert head.headers["x-total"] == str(len(expected)), params


@pytest.mark.usefixtures("jobs")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_unencoded_offset_in_a_raw_query_string_is_read_as_plus(
    client: httpx.AsyncClient, admin: Actor, endpoint: str
) -> None:
    # "+01:00" typed into a URL arrives as " 01:00". For updated_after, read as Paris time
    # (+02:00 in July) it would let B in; read as +01:00 it keeps only C.
    prefix = f"{JOBS}?organization_reference={admin.org}&" if endpoint == "list" else f"{ALL}?"
    for query, expected in (
        ("updated_after=2026-07-01T01:00:00+01:00", ["C"]),
        ("created_after=2026-03-10T00:30:00+01:00", ["B", "C"]),
    ):
        response = await client.get(prefix + query, headers=admin.headers)

        assert b"+01:00" in response.request.url.query  # sent as typed, not as %2B
        assert names(response) == expected, query


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_bad_filter_value_is_400_naming_the_param(
    client: httpx.AsyncClient, admin: Actor, endpoint: str
) -> None:
    for param, value in (
        ("status", "open"),
        ("status", "PUBLISHED"),
        ("created_after", "2026-02-30"),
        ("created_after", "yesterday"),
        ("updated_after", "2026-07-01T25:00:00"),
        ("updated_after", "01/07/2026"),
        ("published_after", "2026-13-01"),
    ):
        response = await _list(client, admin, endpoint, **{param: value})

        assert_invalid(response, param)


async def test_filters_on_all_apply_across_organizations(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    await build.job(client, admin, name="Mine", contract_type="INTERNSHIP")
    await build.job(client, outsider, name="Theirs", contract_type="INTERNSHIP")
    await build.job(client, outsider, name="Theirs too")

    interns = await client.get(ALL, params={"contract_type": "INTERNSHIP"}, headers=admin.headers)
    drafts = await client.get(ALL, params={"status": "draft"}, headers=admin.headers)

    assert names(interns) == ["Mine", "Theirs"]
    assert names(drafts) == ["Mine", "Theirs", "Theirs too"]
