"""Filters of ``GET /cms/articles/all``: ``language``, ``published_after``, ``updated_after``.

A date means ``>=`` local midnight in Europe/Paris (§15.1); the articles sit on either side of
Paris midnight but on the same side of UTC midnight, so a UTC reading fails the tests.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.articles.helpers import ARTICLES, add, article, names, set_times, utc
from tests.fixtures.assertions import assert_error, assert_invalid
from tests.fixtures.builders import Actor


@pytest.fixture
async def articles(maker: async_sessionmaker[AsyncSession]) -> None:
    """A (en), B (fr), C (en), published in that order, and a French draft (times in UTC)."""
    a, b, c, _ = await add(
        maker,
        article(name="A", language="en"),
        article(name="B", language="fr"),
        article(name="C", language="en"),
        article(name="Draft", language="fr", status="draft"),
    )
    await set_times(
        maker,
        a,
        published_at=utc("2026-03-09T22:30:00"),  # 23:30 in Paris, 9 March
        updated_at=utc("2026-06-30T21:30:00"),  # 23:30 in Paris, 30 June
    )
    await set_times(
        maker,
        b,
        published_at=utc("2026-03-09T23:30:00"),  # 00:30 in Paris, 10 March
        updated_at=utc("2026-06-30T23:30:00"),  # 01:30 in Paris, 1 July
    )
    await set_times(
        maker,
        c,
        published_at=utc("2026-03-10T12:00:00"),
        updated_at=utc("2026-07-01T00:30:00"),  # 02:30 in Paris, 1 July
    )


CASES: list[tuple[dict[str, str], list[str]]] = [
    ({}, ["A", "B", "C"]),
    ({"language": "en"}, ["A", "C"]),
    ({"language": "fr"}, ["B"]),  # not the French draft
    ({"language": "de"}, []),
    ({"published_after": "2026-03-10"}, ["B", "C"]),
    ({"published_after": "2026-03-09"}, ["A", "B", "C"]),
    ({"published_after": "2026-03-11"}, []),
    ({"published_after": "2026-03-10T00:00:00Z"}, ["C"]),
    ({"published_after": "2026-03-10T00:30:00+01:00"}, ["B", "C"]),
    ({"published_after": "2026-03-10T00:30:00.001+01:00"}, ["C"]),
    ({"updated_after": "2026-07-01"}, ["B", "C"]),
    ({"updated_after": "2026-07-01T01:00:00+01:00"}, ["C"]),
    ({"updated_after": "2026-07-01T00:00:00"}, ["B", "C"]),  # no offset: Paris time
    ({"language": "en", "updated_after": "2026-07-01"}, ["C"]),
    ({"language": "fr", "published_after": "2026-03-11"}, []),
]


@pytest.mark.usefixtures("articles")
async def test_each_filter_selects_the_matching_articles_and_head_counts_them(
    client: httpx.AsyncClient, reader: Actor
) -> None:
    for params, expected in CASES:
        response = await client.get(ARTICLES, params=params, headers=reader.headers)
        head = await client.head(ARTICLES, params=params, headers=reader.headers)

        assert names(response) == expected, params
        assert response.headers["x-total"] == str(len(expected)), params
        assert head.content == b"", params
        assert head.headers["x-total"] == str(len(expected)), params


async def test_unknown_language_is_400(client: httpx.AsyncClient, reader: Actor) -> None:
    response = await client.get(ARTICLES, params={"language": "xx"}, headers=reader.headers)

    assert_error(
        response,
        400,
        "validation_failed",
        "language is invalid: unknown language 'xx' (see /api/v1/external/languages)",
    )


async def test_bad_date_is_400_naming_the_param(client: httpx.AsyncClient, reader: Actor) -> None:
    for param, value in (
        ("published_after", "2026-02-30"),
        ("published_after", "yesterday"),
        ("updated_after", "2026-07-01T25:00:00"),
    ):
        response = await client.get(ARTICLES, params={param: value}, headers=reader.headers)

        assert_invalid(response, param)
