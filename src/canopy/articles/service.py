"""Articles (§8.1, §15.10): the published list, and the import that is their only way in."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import slugs
from canopy.articles.schemas import PUBLISHED, ArticleImport, ArticleListParams, ArticleRead
from canopy.errors import describe_validation, validation_failed
from canopy.html import render_markdown
from canopy.models import Article
from canopy.models.base import utcnow

MARKDOWN_SUFFIXES = (".md", ".markdown")

# -- the list --------------------------------------------------------------------------------


def list_query(params: ArticleListParams) -> Select[Article]:
    stmt = select(Article).where(Article.status == PUBLISHED)
    if params.language is not None:
        stmt = stmt.where(Article.language == params.language)
    if params.published_after is not None:
        stmt = stmt.where(Article.published_at >= params.published_after)
    if params.updated_after is not None:
        stmt = stmt.where(Article.updated_at >= params.updated_after)
    # The import gives every published article a published_at, so no NULL meets the order
    # (SQLite and PostgreSQL would place it differently).
    return stmt.order_by(Article.published_at, Article.id)


def render(articles: Sequence[Article]) -> list[ArticleRead]:
    return [
        ArticleRead.model_validate(
            {
                "id": article.id,
                "reference": article.reference,
                "name": article.name,
                "slug": article.slug,
                "summary": article.summary,
                "content": article.content,
                "content_html": article.content_html,
                "language": article.language,
                "status": article.status,
                "cms_collection": article.cms_collection,
                "image": article.image,
                "created_at": article.created_at,
                "updated_at": article.updated_at,
                "published_at": article.published_at,
            }
        )
        for article in articles
    ]


# -- reading import files --------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A validated article and where it came from (for messages)."""

    label: str
    data: ArticleImport


class _FrontMatterLoader(yaml.SafeLoader):
    """Plain scalars stay text, except an empty value or ``null``/``~``: YAML 1.1 would read
    the language ``no`` (Norwegian) as false, a date as a date and a reference of digits as a
    number."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\n(?P<meta>.*?)^---[ \t]*(?:\n(?P<body>.*))?\Z", re.DOTALL | re.MULTILINE
)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        # Lines as the file numbers them: the opening --- is line 1.
        where = f" (line {mark.line + 2}, column {mark.column + 1})"
        hint = "; quote a value that holds ': '" if "mapping values" in str(exc.problem) else ""
        return f"{exc.problem}{where}{hint}"
    return str(exc).splitlines()[0]


def parse_markdown(text: str, label: str) -> dict[str, Any]:
    """A markdown file's front matter (``---`` block) with its body as ``content``."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if match is None:
        raise validation_failed(f"{label}: no front matter (a block between two --- lines)")
    try:
        meta = yaml.load(match["meta"], Loader=_FrontMatterLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise validation_failed(
            f"{label}: the front matter is not valid YAML: {_yaml_problem(exc)}"
        ) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise validation_failed(f"{label}: the front matter must be key: value lines")
    body = (match["body"] or "").lstrip("\n").rstrip()
    return {**meta, "content": body}


def parse_json(text: str, label: str) -> list[tuple[str, Any]]:
    """The articles of a JSON document (an array, or an object with an ``articles`` array),
    each with its label."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise validation_failed(f"{label}: invalid JSON: {exc}") from None
    items = document.get("articles") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise validation_failed(
            f'{label}: expected an array of articles or an object with an "articles" array'
        )
    labelled = []
    for number, item in enumerate(items, start=1):
        name = item.get("name") or item.get("title") if isinstance(item, dict) else None
        suffix = f" ({json.dumps(name, ensure_ascii=False)})" if isinstance(name, str) else ""
        labelled.append((f"{label}: article {number}{suffix}", item))
    return labelled


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        raise validation_failed(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise validation_failed(f"{path}: cannot read: {exc.strerror or exc}") from None


def read(path: Path) -> list[Draft]:
    """Every article of a JSON file, a markdown file or a folder of markdown files, validated;
    the first problem (and how many others there are) as a ``validation_failed``."""
    raw: list[tuple[str, Any]]
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES
        )
        if not files:
            raise validation_failed(f"{path}: no .md files here")
        raw = [(str(p), parse_markdown(_read_text(p), str(p))) for p in files]
    elif path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".json":
            raw = parse_json(_read_text(path), str(path))
        elif suffix in MARKDOWN_SUFFIXES:
            raw = [(str(path), parse_markdown(_read_text(path), str(path)))]
        else:
            raise validation_failed(
                f"{path}: expected a .json file, a .md file or a folder of .md files"
            )
    elif path.exists():
        raise validation_failed(f"{path}: not a file or a folder")
    else:
        raise validation_failed(f"{path}: no such file or folder")
    return validate_all(raw)


def validate_all(raw: Sequence[tuple[str, Any]]) -> list[Draft]:
    drafts: list[Draft] = []
    problems: list[str] = []
    for label, item in raw:
        if not isinstance(item, dict):
            problems.append(f"{label}: must be an object")
            continue
        try:
            drafts.append(Draft(label, ArticleImport.model_validate(item)))
        except ValidationError as exc:
            problems.append(f"{label}: {describe_validation(exc.errors())}")
    problems.extend(_duplicates(drafts))
    if problems:
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise validation_failed(problems[0] + more)
    return drafts


def _duplicates(drafts: Sequence[Draft]) -> list[str]:
    """Two articles of one import that name the same reference or slug."""
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for draft in drafts:
        keys = [("reference", draft.data.reference), ("slug", draft.data.slug)]
        for kind, value in keys:
            if value is None:
                continue
            if (kind, value) in seen:
                problems.append(
                    f"{draft.label}: {kind} {value!r} appears twice (first: {seen[kind, value]})"
                )
            else:
                seen[kind, value] = draft.label
    return problems


# -- importing -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    articles: list[dict[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def new_reference() -> str:
    return secrets.token_hex(12)


async def _by_reference(session: AsyncSession, reference: str) -> Article | None:
    found: Article | None = await session.scalar(
        select(Article).where(Article.reference == reference)
    )
    return found


async def _by_slug(session: AsyncSession, slug: str) -> Article | None:
    found: Article | None = await session.scalar(select(Article).where(Article.slug == slug))
    return found


async def _free_reference(session: AsyncSession) -> str:
    while True:
        reference = new_reference()
        if await _by_reference(session, reference) is None:
            return reference


async def _claim_slug(session: AsyncSession, draft: Draft) -> str:
    if draft.data.slug is not None:
        owner = await _by_slug(session, draft.data.slug)
        if owner is not None:
            raise validation_failed(
                f"{draft.label}: slug {draft.data.slug!r} is taken by article {owner.reference}"
            )
        return draft.data.slug
    for slug in slugs.candidates(slugs.from_name(draft.data.name)):
        if await _by_slug(session, slug) is None:
            return slug
    raise validation_failed(f"{draft.label}: no free slug for this name; give one")


async def import_articles(session: AsyncSession, drafts: Sequence[Draft]) -> ImportResult:
    """Create or update each article: found by ``reference``, or by slug (given, or made from
    the name) when it has none. An article whose fields all match is left alone, so its
    ``updated_at`` (the ``updated_after`` filter) only moves when it really changes. Flushes
    only: the caller's transaction makes the whole import one change."""
    result = ImportResult()
    touched: dict[int, str] = {}
    for draft in drafts:
        data = draft.data
        if data.reference is not None:
            article = await _by_reference(session, data.reference)
        else:
            article = await _by_slug(session, data.slug or slugs.from_name(data.name))
        if article is not None and article.id in touched:
            raise validation_failed(f"{draft.label}: the same article as {touched[article.id]}")
        if article is None:
            article = await _create(session, draft)
            outcome = "created"
        else:
            outcome = "updated" if await _update(session, draft, article) else "unchanged"
        try:
            await session.flush()
        except IntegrityError:
            # Only a concurrent import can take a slug or reference checked free above.
            raise validation_failed(
                f"{draft.label}: its slug or reference was taken meanwhile; import again"
            ) from None
        touched[article.id] = draft.label
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.articles.append(
            {"reference": article.reference, "slug": article.slug, "result": outcome}
        )
    return result


def _fields(data: ArticleImport) -> dict[str, Any]:
    return {
        "name": data.name,
        "summary": data.summary,
        "content": data.content,
        # Rendered once here: markdown-it-py renders about 300 kB/s, too slow for every read.
        "content_html": render_markdown(data.content),
        "language": data.language,
        "status": data.status,
        "cms_collection": data.cms_collection.model_dump() if data.cms_collection else None,
        "image": data.image.stored() if data.image else None,
    }


async def _create(session: AsyncSession, draft: Draft) -> Article:
    data = draft.data
    published_at = data.published_at
    if published_at is None and data.status == PUBLISHED:
        published_at = utcnow()
    article = Article(
        reference=data.reference or await _free_reference(session),
        slug=await _claim_slug(session, draft),
        published_at=published_at,
        **_fields(data),
    )
    session.add(article)
    return article


async def _update(session: AsyncSession, draft: Draft, article: Article) -> bool:
    """Apply the draft; whether anything changed. A renamed article keeps its slug unless one
    is given; ``published_at`` stays when not given (set once, on the first publication)."""
    data = draft.data
    values = _fields(data)
    if data.slug is not None and data.slug != article.slug:
        values["slug"] = await _claim_slug(session, draft)
    if data.published_at is not None:
        values["published_at"] = data.published_at
    elif article.published_at is None and data.status == PUBLISHED:
        values["published_at"] = utcnow()
    changed = {name: value for name, value in values.items() if getattr(article, name) != value}
    for name, value in changed.items():
        setattr(article, name, value)
    return bool(changed)


# -- the demo set ----------------------------------------------------------------------------

DEMO_FILE = "demo_articles.json"


def demo_drafts() -> list[Draft]:
    text = resources.files("canopy.articles").joinpath("data", DEMO_FILE).read_text("utf-8")
    return validate_all(parse_json(text, DEMO_FILE))


async def ensure_demo(session: AsyncSession) -> ImportResult | None:
    """Import the packaged demo articles when there is no article at all (articles belong to
    no organisation: the demo adds them once, and never over an operator's own)."""
    if await session.scalar(select(Article.id).limit(1)) is not None:
        return None
    return await import_articles(session, demo_drafts())
