"""The import service: reading JSON and front-matter markdown, validating every article, and
the idempotent upsert (by reference, else by slug) that ``canopy articles import`` runs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy import demo
from canopy.articles import service
from canopy.errors import ApiError
from canopy.models import Article
from canopy.models.base import utcnow
from tests.articles.helpers import add, article, set_times, utc


def _error(work: Any, *args: Any) -> str:
    with pytest.raises(ApiError) as caught:
        work(*args)
    assert caught.value.status == 400
    return caught.value.description


async def _rows(maker: async_sessionmaker[AsyncSession]) -> list[Article]:
    async with maker() as session:
        return list((await session.scalars(select(Article).order_by(Article.id))).all())


# -- reading -----------------------------------------------------------------------------------


def test_front_matter_values_stay_text_and_the_body_is_the_content() -> None:
    text = (
        "\ufeff---\r\n"
        'title: "Hello: world"\r\n'
        "language: no\r\n"  # Norwegian, not false
        "reference: 123456789012345678901234\r\n"
        "published_at: 2026-03-01\r\n"
        "cms_collection_id: 59\r\n"
        "summary:\r\n"
        "---\r\n"
        "\r\n"
        "# Title\r\n\r\n---\r\n\r\nAfter a rule.\r\n\r\n"
    )

    parsed = service.parse_markdown(text, "a.md")
    (draft,) = service.validate_all([("a.md", {**parsed, "cms_collection_title": "Misc"})])

    assert parsed == {
        "title": "Hello: world",
        "language": "no",
        "reference": "123456789012345678901234",
        "published_at": "2026-03-01",
        "cms_collection_id": "59",
        "summary": None,
        "content": "# Title\n\n---\n\nAfter a rule.",
    }
    assert draft.data.name == "Hello: world"
    assert draft.data.published_at == datetime.fromisoformat("2026-03-01T00:00:00+01:00")
    assert draft.data.cms_collection is not None
    assert draft.data.cms_collection.model_dump() == {"id": 59, "title": "Misc"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# No front matter\n", "a.md: no front matter (a block between two --- lines)"),
        ("---\ntitle: x\n", "a.md: no front matter (a block between two --- lines)"),
        (
            "---\ntitle: Hello: world\n---\nbody\n",
            "a.md: the front matter is not valid YAML: mapping values are not allowed here "
            "(line 2, column 13); quote a value that holds ': '",
        ),
        ("---\n- a list\n---\nbody\n", "a.md: the front matter must be key: value lines"),
    ],
)
def test_bad_front_matter_is_refused(text: str, message: str) -> None:
    assert _error(service.parse_markdown, text, "a.md") == message


def test_reads_a_json_array_an_object_and_a_folder(tmp_path: Path) -> None:
    items = [article(name="One"), article(name="Two", language="fr")]
    (tmp_path / "array.json").write_text(json.dumps(items))
    (tmp_path / "object.json").write_text(json.dumps({"articles": items}))
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "b.md").write_text("---\nname: Second\nlanguage: fr\n---\nDeux.\n")
    (folder / "a.markdown").write_text("---\ntitle: First\nlanguage: en\n---\nOne.\n")
    (folder / "notes.txt").write_text("not an article")

    from_array = service.read(tmp_path / "array.json").articles
    from_object = service.read(tmp_path / "object.json").articles
    from_folder = service.read(folder).articles
    (from_file,) = service.read(folder / "b.md").articles

    assert [d.data.name for d in from_array] == ["One", "Two"]
    assert [d.label for d in from_object] == [
        f'{tmp_path}/object.json: article 1 ("One")',
        f'{tmp_path}/object.json: article 2 ("Two")',
    ]
    assert [(d.label, d.data.name, d.data.content) for d in from_folder] == [
        (f"{folder}/a.markdown", "First", "One."),
        (f"{folder}/b.md", "Second", "Deux."),
    ]
    assert from_folder[0].data.status == "draft"
    assert (from_file.label, from_file.data.language) == (f"{folder}/b.md", "fr")


def test_unreadable_sources_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "scalar.json").write_text('"text"')
    (tmp_path / "a.txt").write_text("text")
    (tmp_path / "empty").mkdir()

    assert _error(service.read, tmp_path / "missing.json") == (
        f"{tmp_path}/missing.json: no such file or folder"
    )
    assert _error(service.read, tmp_path / "bad.json").startswith(
        f"{tmp_path}/bad.json: invalid JSON: Expecting property name"
    )
    assert _error(service.read, tmp_path / "scalar.json") == (
        f'{tmp_path}/scalar.json: expected an array of articles or an object with an "articles", '
        'a "cms_collection_categories" or a "cms_collections" array'
    )
    assert _error(service.read, tmp_path / "a.txt") == (
        f"{tmp_path}/a.txt: expected a .json file, a .md file or a folder of .md files"
    )
    assert _error(service.read, tmp_path / "empty") == f"{tmp_path}/empty: no .md files here"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "x" * 501}, "name is invalid: string should have at most 500 characters"),
        ({"name": "  "}, "name is invalid: must not be blank"),
        ({"name": None, "title": None}, "name is missing"),
        ({"content": "\n"}, "content is missing"),
        ({"content": "a\x00b"}, "content must not contain NUL characters"),
        (
            {"language": "xx"},
            "language is invalid: unknown language 'xx' (see /api/v1/external/languages)",
        ),
        (
            {"status": "online"},
            "status is invalid: input should be 'draft', 'published' or 'archived'",
        ),
        (
            {"slug": "Not A Slug"},
            "slug is invalid: may contain only lowercase letters, digits and single dashes",
        ),
        (
            {"reference": "a/b"},
            "reference is invalid: must be 1 to 64 letters, digits, '_' or '-'",
        ),
        (
            {"published_at": "soon"},
            "published_at is invalid: must be a date (YYYY-MM-DD) or an ISO 8601 timestamp",
        ),
        ({"image_url": "ftp://x/a.png"}, "image.url is invalid: must be an http or https URL"),
        (
            {"cms_collection_id": 3},
            "cms_collection_title is missing (cms_collection_id is given)",
        ),
    ],
)
def test_an_invalid_article_is_named_with_the_reason(fields: dict[str, Any], message: str) -> None:
    invalid = {k: v for k, v in article(**fields).items() if v is not None}
    items = [("f.json: article 1", article()), ("f.json: article 2", invalid)]

    assert _error(service.validate_all, items) == f"f.json: article 2: {message}"


def test_every_problem_is_counted_and_duplicates_are_refused() -> None:
    items = [
        ("f: 1", article(reference="r1", slug="same")),
        ("f: 2", article(reference="r1")),
        ("f: 3", article(slug="same")),
        ("f: 4", "not an object"),
    ]

    assert _error(service.validate_all, items) == ("f: 4: must be an object (and 2 more problems)")
    assert _error(service.validate_all, items[:3]) == (
        "f: 2: reference 'r1' appears twice (first: f: 1) (and 1 more problem)"
    )


# -- importing ---------------------------------------------------------------------------------


async def test_slugs_come_from_names_and_stay_unique(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await add(
        maker,
        article(name="Same Name!", reference="a" * 24),
        article(name="Same name", reference="b" * 24),
        article(name="日本語", reference="c" * 24),
    )

    rows = await _rows(maker)

    assert [row.slug for row in rows] == ["same-name", "same-name-2", "ri-ben-yu"]


async def test_reimport_updates_by_reference_or_slug_and_leaves_equal_articles_alone(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    first = [
        article(name="Keyed", reference="k" * 24, content="v1"),
        article(name="By slug", slug="by-slug", content="v1"),
        article(name="By name", content="v1"),
    ]
    await add(maker, *first)
    before = {row.slug: row for row in await _rows(maker)}
    for row in before.values():
        await set_times(maker, row.reference, updated_at=utc("2026-01-01T00:00:00"))

    drafts = service.validate_all(
        [
            ("1", {**first[0], "name": "Keyed, renamed", "content": "v2"}),
            ("2", {**first[1], "name": "By slug, renamed"}),
            ("3", first[2]),
        ]
    )
    async with maker() as session:
        result = await service.import_articles(session, drafts)
        await session.commit()
    after = {row.reference: row for row in await _rows(maker)}

    assert result.counts() == {"created": 0, "updated": 2, "unchanged": 1}
    assert [r["result"] for r in result.articles] == ["updated", "updated", "unchanged"]
    assert len(after) == 3
    keyed = after["k" * 24]
    assert (keyed.name, keyed.slug, keyed.content) == ("Keyed, renamed", "keyed", "v2")
    assert after[before["by-slug"].reference].name == "By slug, renamed"
    assert after[before["by-name"].reference].updated_at == utc("2026-01-01T00:00:00")
    assert keyed.updated_at > utc("2026-01-01T00:00:00")


async def test_published_at_defaults_to_now_once_and_stays(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    started = utcnow()
    draft, published, dated = await add(
        maker,
        article(name="Draft", status="draft"),
        article(name="Published"),
        article(name="Dated", published_at="2026-02-01T10:00:00Z"),
    )
    first = {row.reference: row.published_at for row in await _rows(maker)}
    await add(maker, article(name="Draft", status="published"), article(name="Published"))
    rows = {row.reference: row for row in await _rows(maker)}

    assert first[draft] is None
    assert first[dated] == rows[dated].published_at == utc("2026-02-01T10:00:00")
    stamped = first[published]
    assert stamped is not None
    assert started <= stamped <= started + timedelta(minutes=1)
    # Re-imported without a published_at: the first publication stays; the draft now has one.
    assert rows[published].published_at == stamped
    republished = rows[draft].published_at
    assert republished is not None
    assert republished >= stamped


async def test_conflicts_with_other_articles_import_nothing(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await add(maker, article(name="Existing", slug="taken", reference="e" * 24))

    for items, message in (
        (
            [article(name="New"), article(name="Other", reference="n" * 24, slug="taken")],
            f"article 2: slug 'taken' is taken by article {'e' * 24}",
        ),
        (
            [article(name="Taken"), article(name="Again", slug="taken")],
            "article 2: the same article as article 1",
        ),
    ):
        with pytest.raises(ApiError) as caught:
            await add(maker, *items)
        assert caught.value.description == message

    assert [row.name for row in await _rows(maker)] == ["Existing"]


async def test_demo_articles_are_imported_once_and_never_over_others(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        first = await demo.ensure(session)
        second = await demo.ensure(session)
        await session.commit()
    rows = await _rows(maker)

    assert first["organization_reference"] == second["organization_reference"]
    assert len(rows) == 3
    assert {row.language for row in rows} == {"en", "fr"}
    assert [row.status for row in rows].count("draft") == 1

    async with maker() as session:
        await session.execute(Article.__table__.delete())
        session.add(
            Article(reference="x" * 24, name="Mine", slug="mine", content="c", language="en")
        )
        await session.flush()
        assert await service.ensure_demo(session) is None
        await session.commit()
    assert [row.name for row in await _rows(maker)] == ["Mine"]


async def test_import_stores_the_rendered_and_sanitised_html(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    drafts = service.validate_all(
        [("inline", {"name": "Html", "language": "en", "content": "**Hi** <script>x</script>"})]
    )
    async with maker() as session:
        await service.import_articles(session, drafts)
        await session.commit()

    [row] = await _rows(maker)
    assert row.content == "**Hi** <script>x</script>"
    assert row.content_html == "<p><strong>Hi</strong> </p>\n"
