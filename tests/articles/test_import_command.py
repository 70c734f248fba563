"""``canopy articles import`` as an administrator runs it: a subprocess on a migrated SQLite
var folder (each start costs about a second, so each test runs few)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from canopy import migrate
from tests.fixtures.processes import Canopy, assert_error, describe


@pytest.fixture
def installation(tmp_path: Path) -> Canopy:
    canopy = Canopy(tmp_path / "var")
    migrate.upgrade(canopy.settings())
    return canopy


def _articles(canopy: Canopy) -> dict[str, dict[str, Any]]:
    """The rows by slug, JSON columns decoded (they are read as stored: text)."""
    rows = {}
    for row in canopy.rows("article"):
        for column in ("cms_collection", "image"):
            if isinstance(row[column], str):
                row[column] = json.loads(row[column])
        rows[row["slug"]] = row
    return rows


def test_json_import_then_reimport_updates(installation: Canopy, tmp_path: Path) -> None:
    source = tmp_path / "articles.json"
    articles = [
        {"reference": "a" * 24, "name": "Keyed", "content": "v1", "language": "en"},
        {"name": "Unkeyed", "content": "v1", "language": "fr", "status": "published"},
    ]
    source.write_text(json.dumps({"articles": articles}))

    created = installation.json("articles", "import", str(source))
    articles[0].update(content="v2", status="published")
    source.write_text(json.dumps(articles))  # a bare array this time
    again = installation.ok("articles", "import", str(source))

    assert created["created"] == 2
    assert {k: created[k] for k in ("updated", "unchanged")} == {"updated": 0, "unchanged": 0}
    assert [(a["slug"], a["result"]) for a in created["articles"]] == [
        ("keyed", "created"),
        ("unkeyed", "created"),
    ]
    assert again.stdout == "articles: 0 created, 1 updated, 1 unchanged\n", describe(again)
    rows = _articles(installation)
    assert set(rows) == {"keyed", "unkeyed"}
    assert rows["keyed"]["reference"] == "a" * 24
    assert (rows["keyed"]["content"], rows["keyed"]["status"]) == ("v2", "published")
    assert rows["keyed"]["published_at"] is not None
    assert rows["unkeyed"]["reference"] == created["articles"][1]["reference"]


def test_markdown_folder(installation: Canopy, tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "hello.md").write_text(
        "---\n"
        "title: Hello\n"
        "summary: A first post.\n"
        "language: en\n"
        "status: published\n"
        "published_at: 2026-03-01T10:00:00+01:00\n"
        "cms_collection_id: 7\n"
        "cms_collection_title: News\n"
        "image_url: https://img.example.com/hello.jpg\n"
        "---\n\n# Hello\n\nWorld.\n"
    )
    (folder / "bonjour.md").write_text("---\nname: Bonjour\nlanguage: fr\n---\nLe monde.\n")

    created = installation.json("articles", "import", str(folder))

    assert (created["created"], created["updated"]) == (2, 0)
    rows = _articles(installation)
    hello = rows["hello"]
    assert hello["content"] == "# Hello\n\nWorld."
    assert (hello["summary"], hello["language"], hello["status"]) == (
        "A first post.",
        "en",
        "published",
    )
    assert hello["cms_collection"] == {"id": 7, "title": "News"}
    assert hello["image"] == {
        "url": "https://img.example.com/hello.jpg",
        "large": {"url": "https://img.example.com/hello.jpg"},
        "thumb": {"url": "https://img.example.com/hello.jpg"},
    }
    assert (rows["bonjour"]["status"], rows["bonjour"]["published_at"]) == ("draft", None)


def test_one_invalid_article_imports_nothing(installation: Canopy, tmp_path: Path) -> None:
    source = tmp_path / "articles.json"
    source.write_text(
        json.dumps(
            [
                {"name": "Good", "content": "Fine.", "language": "en"},
                {"name": "Bad", "content": "Klingon.", "language": "tlh"},
            ]
        )
    )

    result = installation.run("articles", "import", str(source), "--json")

    assert_error(
        result,
        f"{source}: article 2 (\"Bad\"): language is invalid: unknown language 'tlh' "
        "(see /api/v1/external/languages)",
    )
    assert installation.rows("article") == []


def test_one_file_brings_categories_collections_and_articles(
    installation: Canopy, tmp_path: Path
) -> None:
    source = tmp_path / "cms.json"
    source.write_text(
        json.dumps(
            {
                "cms_collection_categories": [
                    {"id": 1, "title": "Events", "language": "en", "status": "published"}
                ],
                "cms_collections": [
                    {
                        "id": 59,
                        "title": "dotGo 2019",
                        "language": "en",
                        "status": "published",
                        "cms_collection_category_id": 1,
                        "cms_collection_category_title": "Events",
                        "cover_url": "https://img.example.com/dotgo.jpg",
                    }
                ],
                "articles": [
                    {
                        "name": "The talks",
                        "content": "Go.",
                        "language": "en",
                        "cms_collection": {"id": 59, "title": "dotGo 2019"},
                    }
                ],
            }
        )
    )

    first = installation.ok("articles", "import", str(source))
    again = installation.json("articles", "import", str(source))

    assert first.stdout == (
        "articles: 1 created, 0 updated, 0 unchanged\n"
        "collection categories: 1 created, 0 updated, 0 unchanged\n"
        "collections: 1 created, 0 updated, 0 unchanged\n"
    ), describe(first)
    assert (again["created"], again["unchanged"]) == (0, 1)
    assert again["cms_collections"]["items"] == [
        {
            "id": 59,
            "reference": again["cms_collections"]["items"][0]["reference"],
            "slug": "dotgo-2019",
            "result": "unchanged",
        }
    ]
    assert again["cms_collection_categories"]["unchanged"] == 1
    [collection] = installation.rows("cms_collection")
    assert (collection["id"], collection["category_id"], collection["status"]) == (
        59,
        1,
        "published",
    )
    assert collection["published_at"] is not None
    [row] = installation.rows("article")
    assert row["cms_collection_id"] == 59
