"""GET/HEAD /candidates (§5.2, §15.3): a job's candidates, filtered, paged, oldest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Candidate
from tests.candidates.helpers import (
    CANDIDATES,
    JobInfo,
    assert_error,
    assert_invalid,
    list_candidates,
    new_job,
    references,
)
from tests.fixtures.builders import Actor, Builder

PARIS = ZoneInfo("Europe/Paris")


async def _three(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> tuple[JobInfo, list[str]]:
    job = await new_job(client, build, admin)
    made = [await build.candidate(client, admin, job.reference) for _ in range(3)]
    return job, [c["reference"] for c in made]


async def test_list_without_job_reference_is_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(CANDIDATES, headers=admin.headers)

    assert_error(response, 400, "validation_failed", "job_reference is missing")


async def test_list_without_a_token_is_unauthorized_before_parameters_are_checked(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(CANDIDATES)

    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_list_of_an_unknown_job_is_not_found(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await list_candidates(client, admin, "WTTJ_nothere")

    assert_error(response, 404, "not_found", "Job not found")


async def test_list_of_another_organizations_job_is_not_found(
    client: httpx.AsyncClient, admin: Actor, outsider: Actor, build: Builder
) -> None:
    foreign = await new_job(client, build, outsider)
    await build.candidate(client, outsider, foreign.reference)

    response = await list_candidates(client, admin, foreign.reference)

    assert_error(response, 404, "not_found", "Job not found")


async def test_list_returns_the_jobs_candidates_oldest_first(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job, made = await _three(client, admin, build)
    other = await new_job(client, build, admin, name="Designer")
    await build.candidate(client, admin, other.reference)
    # Creation order, not reference or update order.
    now = datetime.now(PARIS)
    await build.candidate_times(made[0], created_at=now - timedelta(days=1))
    await build.candidate_times(made[2], created_at=now - timedelta(days=2))
    await client.put(f"{CANDIDATES}/{made[2]}", json={"firstname": "X"}, headers=admin.headers)

    response = await list_candidates(client, admin, job.reference)

    assert references(response) == [made[2], made[0], made[1]]
    assert response.headers["x-total"] == "3"


async def test_list_items_are_the_candidate_object_without_inclusions_by_default(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    created = await build.candidate(client, admin, job.reference, tag_list="go")

    plain = await list_candidates(client, admin, job.reference)
    full = await list_candidates(client, admin, job.reference, stage="true", tags="true")

    without = {k: v for k, v in created.items() if k not in ("stage", "tags")}
    assert plain.json() == [without]
    assert full.json() == [created]
    assert full.json()[0]["stage"]["reference"] == "initial"
    assert full.json()[0]["tags"] == ["go"]


async def test_list_pages_by_two_with_the_paging_headers(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job, made = await _three(client, admin, build)

    first = await list_candidates(client, admin, job.reference, per_page=2)
    second = await list_candidates(client, admin, job.reference, per_page=2, page=2)
    beyond = await list_candidates(client, admin, job.reference, per_page=2, page=3)

    assert references(first) == made[:2]
    assert references(second) == made[2:]
    assert references(beyond) == []
    for response, page, offset in ((first, 1, 0), (second, 2, 2), (beyond, 3, 4)):
        assert response.headers["x-total"] == "3"
        assert response.headers["x-total-pages"] == "2"
        assert response.headers["x-per-page"] == "2"
        assert response.headers["x-page"] == str(page)
        assert response.headers["x-offset"] == str(offset)
    assert (first.headers["x-next-page"], first.headers["x-prev-page"]) == ("2", "")
    assert (second.headers["x-next-page"], second.headers["x-prev-page"]) == ("", "1")


async def test_list_total_counts_the_filtered_candidates_not_the_page(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    for n in range(5):
        await build.candidate(client, admin, job.reference, archived=n % 2 == 0)

    archived = await list_candidates(client, admin, job.reference, archived="true", per_page=2)
    everyone = await list_candidates(client, admin, job.reference, per_page=2)

    assert len(archived.json()) == 2
    assert (archived.headers["x-total"], archived.headers["x-total-pages"]) == ("3", "2")
    assert (everyone.headers["x-total"], everyone.headers["x-total-pages"]) == ("5", "3")


async def test_head_on_the_list_answers_the_paging_headers_without_a_body(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job, _ = await _three(client, admin, build)

    response = await client.head(
        CANDIDATES, params={"job_reference": job.reference, "per_page": 2}, headers=admin.headers
    )
    filtered = await client.head(
        CANDIDATES,
        params={"job_reference": job.reference, "archived": "true"},
        headers=admin.headers,
    )

    assert response.status_code == 200
    assert response.content == b""
    assert (response.headers["x-total"], response.headers["x-total-pages"]) == ("3", "2")
    assert filtered.headers["x-total"] == "0"


async def test_head_on_the_list_without_job_reference_is_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.head(CANDIDATES, headers=admin.headers)

    assert response.status_code == 400
    assert response.content == b""


async def test_list_filters_by_email_case_insensitively(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    ada = await build.candidate(client, admin, job.reference, email="Ada.Lovelace@Example.com")
    await build.candidate(client, admin, job.reference, email="ada@example.com")

    response = await list_candidates(client, admin, job.reference, email="ada.lovelace@EXAMPLE.COM")

    assert references(response) == [ada["reference"]]
    assert response.headers["x-total"] == "1"


async def test_list_filters_by_origin(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    api = await build.candidate(client, admin, job.reference)
    site = await build.candidate_row(job.reference, origin="website:cms:wttj_fr")

    from_site = await list_candidates(client, admin, job.reference, origin="website:cms:wttj_fr")
    external = await list_candidates(client, admin, job.reference, origin="external")
    nothing = await list_candidates(client, admin, job.reference, origin="website")

    assert references(from_site) == [site]
    assert from_site.json()[0]["origin"] == "website:cms:wttj_fr"
    assert references(external) == [api["reference"]]
    assert references(nothing) == []


async def test_list_filters_by_referrer(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    linkedin = await build.candidate(client, admin, job.reference, referrer="www.linkedin.com")
    await build.candidate(client, admin, job.reference, referrer="www.indeed.com")
    await build.candidate(client, admin, job.reference)

    response = await list_candidates(client, admin, job.reference, referrer="www.linkedin.com")

    assert references(response) == [linkedin["reference"]]
    assert response.headers["x-total"] == "1"


async def test_list_filters_by_job_stage_id_and_by_job_stage_reference(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    refused = [
        await build.candidate(client, admin, job.reference, job_stage_id=job.stages["refused"])
        for _ in range(2)
    ]
    hired = await build.candidate(client, admin, job.reference, job_stage_id=job.stages["hired"])
    await build.candidate(client, admin, job.reference)

    by_reference = await list_candidates(
        client, admin, job.reference, job_stage_reference="refused"
    )
    by_id = await list_candidates(client, admin, job.reference, job_stage_id=job.stages["hired"])
    empty = await list_candidates(client, admin, job.reference, job_stage_reference="to_meet")

    assert references(by_reference) == [c["reference"] for c in refused]
    assert by_reference.headers["x-total"] == "2"
    assert references(by_id) == [hired["reference"]]
    assert references(empty) == []


async def test_list_by_a_stage_of_another_job_is_empty(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job, _ = await _three(client, admin, build)
    other = await new_job(client, build, admin, name="Designer")

    response = await list_candidates(
        client, admin, job.reference, job_stage_id=other.stages["initial"]
    )

    assert references(response) == []
    assert response.headers["x-total"] == "0"


@pytest.mark.parametrize(("value", "expected"), [("true", [1]), ("false", [0, 2]), ("1", [1])])
async def test_list_filters_by_archived(
    client: httpx.AsyncClient, admin: Actor, build: Builder, value: str, expected: list[int]
) -> None:
    job = await new_job(client, build, admin)
    made = [
        await build.candidate(client, admin, job.reference, archived=archived)
        for archived in (False, True, False)
    ]

    response = await list_candidates(client, admin, job.reference, archived=value)

    assert references(response) == [made[i]["reference"] for i in expected]
    assert response.headers["x-total"] == str(len(expected))


async def test_list_without_archived_returns_archived_and_active_candidates(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    made = [
        await build.candidate(client, admin, job.reference, archived=archived)
        for archived in (True, False)
    ]

    response = await list_candidates(client, admin, job.reference)

    assert references(response) == [c["reference"] for c in made]


async def _dated(
    client: httpx.AsyncClient, admin: Actor, build: Builder, column: str
) -> tuple[JobInfo, list[str]]:
    """Three candidates whose ``column`` is 10 days ago, 3 days ago at 09:00 and now."""
    job, made = await _three(client, admin, build)
    today = datetime.now(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    times = [today - timedelta(days=10), today - timedelta(days=3) + timedelta(hours=9)]
    for reference, moment in zip(made[:2], times, strict=True):
        await build.candidate_times(reference, **{column: moment})
    return job, made


@pytest.mark.parametrize("column", ["created_at", "updated_at"])
async def test_list_filters_by_date_from_local_midnight(
    client: httpx.AsyncClient, admin: Actor, build: Builder, column: str
) -> None:
    job, made = await _dated(client, admin, build, column)
    three_days_ago = (datetime.now(PARIS) - timedelta(days=3)).date()
    param = column.replace("_at", "_after")

    same_day = await list_candidates(client, admin, job.reference, **{param: str(three_days_ago)})
    day_after = await list_candidates(
        client, admin, job.reference, **{param: str(three_days_ago + timedelta(days=1))}
    )

    assert references(same_day) == made[1:]
    assert same_day.headers["x-total"] == "2"
    assert references(day_after) == made[2:]


@pytest.mark.parametrize("column", ["created_at", "updated_at"])
async def test_list_filters_by_a_full_timestamp(
    client: httpx.AsyncClient, admin: Actor, build: Builder, column: str
) -> None:
    job, made = await _dated(client, admin, build, column)
    nine = datetime.now(PARIS).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(
        days=3
    )
    param = column.replace("_at", "_after")

    at_nine = await list_candidates(
        client, admin, job.reference, **{param: nine.isoformat(timespec="milliseconds")}
    )
    just_after = await list_candidates(
        client, admin, job.reference, **{param: (nine + timedelta(seconds=1)).isoformat()}
    )
    in_utc = await list_candidates(
        client,
        admin,
        job.reference,
        **{param: nine.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")},
    )

    assert references(at_nine) == made[1:]
    assert references(just_after) == made[2:]
    assert references(in_utc) == made[1:]


async def test_list_updated_after_sees_an_update(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job, made = await _three(client, admin, build)
    for reference in made:
        await build.candidate_times(reference, updated_at=datetime.now(PARIS) - timedelta(days=5))
    await client.put(f"{CANDIDATES}/{made[1]}", json={"phone": "01"}, headers=admin.headers)
    yesterday = (datetime.now(PARIS) - timedelta(days=1)).date()

    response = await list_candidates(client, admin, job.reference, updated_after=str(yesterday))

    assert references(response) == [made[1]]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("created_after", "yesterday"),
        ("updated_after", "2024-13-01"),
        ("archived", "maybe"),
        ("job_stage_id", "abc"),
        ("per_page", "0"),
        ("page", "x"),
    ],
)
async def test_list_with_a_malformed_filter_is_refused_naming_it(
    client: httpx.AsyncClient, admin: Actor, build: Builder, param: str, value: str
) -> None:
    job = await new_job(client, build, admin)

    response = await list_candidates(client, admin, job.reference, **{param: value})

    assert_invalid(response, param)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31T23:59:59-05:00"])
@pytest.mark.parametrize("param", ["created_after", "updated_after"])
async def test_list_with_a_date_beyond_the_calendar_once_in_utc_is_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, param: str, value: str
) -> None:
    job, _ = await _three(client, admin, build)

    response = await list_candidates(client, admin, job.reference, **{param: value})

    assert_error(response, 400, "validation_failed", f"{param} is invalid: is out of range")


async def test_list_with_the_last_day_of_the_calendar_is_empty(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job, _ = await _three(client, admin, build)

    response = await list_candidates(client, admin, job.reference, created_after="9999-12-31")

    assert references(response) == []


@pytest.mark.parametrize("param", ["email", "origin", "referrer", "job_stage_reference"])
async def test_list_with_a_nul_character_in_a_filter_is_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, param: str
) -> None:
    job, _ = await _three(client, admin, build)

    response = await list_candidates(client, admin, job.reference, **{param: "a\x00b"})

    assert_error(
        response, 400, "validation_failed", f"{param} is invalid: must not contain NUL characters"
    )


async def test_list_combines_filters(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    refused = job.stages["refused"]
    target = await build.candidate(
        client, admin, job.reference, job_stage_id=refused, archived=True, email="x@example.com"
    )
    await build.candidate(client, admin, job.reference, job_stage_id=refused, archived=False)
    await build.candidate(client, admin, job.reference, archived=True)

    response = await list_candidates(
        client, admin, job.reference, job_stage_reference="refused", archived="true"
    )

    assert references(response) == [target["reference"]]
    assert response.headers["x-total"] == "1"


async def test_list_filters_by_a_date_of_the_first_millennium(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    # Compared with the stored text on SQLite: the year must keep its four digits there.
    job, made = await _three(client, admin, build)

    response = await list_candidates(client, admin, job.reference, created_after="0100-01-01")

    assert references(response) == made


async def test_list_leaves_out_a_candidate_recorded_in_another_organization(
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    job, made = await _three(client, admin, build)
    async with maker() as session:
        await session.execute(
            update(Candidate)
            .where(Candidate.reference == made[1])
            .values(organization_id=outsider.organization.id)
        )
        await session.commit()

    response = await list_candidates(client, admin, job.reference, stage="true", tags="true")

    assert references(response) == [made[0], made[2]]
