"""Articles (§8.1, §15.10): the published list, and the import that is their only way in
(with the collections and categories of :mod:`canopy.articles.collections`)."""

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
from canopy.articles import collections
from canopy.articles.collections import CategoryDraft, CollectionDraft, EditorialResult
from canopy.articles.schemas import PUBLISHED, ArticleImport, ArticleListParams, ArticleRead
from canopy.errors import describe_validation, validation_failed
from canopy.html import render_markdown
from canopy.models import Article

MARKDOWN_SUFFIXES = (".md", ".markdown")

# -- the list --------------------------------------------------------------------------------


def list_query(params: ArticleListParams) -> Select[Article]:
    stmt = select(Article).where(Article.status == PUBLISHED)
    if params.language is not None:
        stmt = stmt.where(Article.language == params.language)
    if params.cms_collection_id is not None:
        stmt = stmt.where(Article.cms_collection_id == params.cms_collection_id)
    if params.published_after is not None:
        stmt = stmt.where(Article.published_at >= params.published_after)
    if params.updated_after is not None:
        stmt = stmt.where(Article.updated_at >= params.updated_after)
    # The import gives every published article a published_at, so no NULL meets the order
    # (SQLite and PostgreSQL would place it differently).
    return stmt.order_by(Article.published_at, Article.id)


async def render(session: AsyncSession, articles: Sequence[Article]) -> list[ArticleRead]:
    """The page's articles; a collection that exists lends its current title to the articles
    that name it (one query), one that does not is shown as the import named it."""
    titles = await collections.collection_titles(
        session, {a.cms_collection_id for a in articles if a.cms_collection_id is not None}
    )
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
                "cms_collection": _collection(article, titles),
                "image": article.image,
                "created_at": article.created_at,
                "updated_at": article.updated_at,
                "published_at": article.published_at,
            }
        )
        for article in articles
    ]


def _collection(article: Article, titles: dict[int, str]) -> dict[str, Any] | None:
    named = article.cms_collection
    if named is None or article.cms_collection_id not in titles:
        return named
    return {**named, "title": titles[article.cms_collection_id]}


# -- reading import files --------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A validated article and where it came from (for messages)."""

    label: str
    data: ArticleImport


@dataclass(frozen=True)
class Batch:
    """Everything one import file (or folder) brings, validated."""

    articles: list[Draft] = field(default_factory=list)
    categories: list[CategoryDraft] = field(default_factory=list)
    collections: list[CollectionDraft] = field(default_factory=list)
    # Whether the file had a collections or categories array (even an empty one).
    editorial: bool = False


@dataclass(frozen=True)
class RawBatch:
    """The labelled items of an import file, before validation."""

    articles: list[tuple[str, Any]]
    categories: list[tuple[str, Any]] = field(default_factory=list)
    collections: list[tuple[str, Any]] = field(default_factory=list)
    editorial: bool = False


# The arrays of an import file's top-level object, and how an item of each is named.
ARTICLES_KEY = "articles"
CATEGORIES_KEY = "cms_collection_categories"
COLLECTIONS_KEY = "cms_collections"
_KINDS = ((ARTICLES_KEY, "article"), (CATEGORIES_KEY, "category"), (COLLECTIONS_KEY, "collection"))


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


def parse_json(text: str, label: str) -> RawBatch:
    """The items of a JSON document, each with its label: an array of articles, or an object
    with an ``articles``, a ``cms_collection_categories`` and a ``cms_collections`` array
    (any of them)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise validation_failed(f"{label}: invalid JSON: {exc}") from None
    if isinstance(document, list):
        return RawBatch(articles=_labelled(document, label, "article"))
    if not isinstance(document, dict) or not any(key in document for key, _ in _KINDS):
        raise validation_failed(
            f'{label}: expected an array of articles or an object with an "articles", '
            f'a "{CATEGORIES_KEY}" or a "{COLLECTIONS_KEY}" array'
        )
    found: dict[str, list[tuple[str, Any]]] = {}
    for key, noun in _KINDS:
        items = document.get(key, [])
        if not isinstance(items, list):
            raise validation_failed(f'{label}: "{key}" must be an array')
        found[key] = _labelled(items, label, noun)
    return RawBatch(
        articles=found[ARTICLES_KEY],
        categories=found[CATEGORIES_KEY],
        collections=found[COLLECTIONS_KEY],
        editorial=CATEGORIES_KEY in document or COLLECTIONS_KEY in document,
    )


def _labelled(items: list[Any], label: str, noun: str) -> list[tuple[str, Any]]:
    labelled = []
    for number, item in enumerate(items, start=1):
        name = item.get("name") or item.get("title") if isinstance(item, dict) else None
        suffix = f" ({json.dumps(name, ensure_ascii=False)})" if isinstance(name, str) else ""
        labelled.append((f"{label}: {noun} {number}{suffix}", item))
    return labelled


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        raise validation_failed(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise validation_failed(f"{path}: cannot read: {exc.strerror or exc}") from None


def read(path: Path) -> Batch:
    """Everything a JSON file, a markdown file or a folder of markdown files brings,
    validated; the first problem (and how many others there are) as a ``validation_failed``."""
    raw: RawBatch
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES
        )
        if not files:
            raise validation_failed(f"{path}: no .md files here")
        raw = RawBatch([(str(p), parse_markdown(_read_text(p), str(p))) for p in files])
    elif path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".json":
            raw = parse_json(_read_text(path), str(path))
        elif suffix in MARKDOWN_SUFFIXES:
            raw = RawBatch([(str(path), parse_markdown(_read_text(path), str(path)))])
        else:
            raise validation_failed(
                f"{path}: expected a .json file, a .md file or a folder of .md files"
            )
    elif path.exists():
        raise validation_failed(f"{path}: not a file or a folder")
    else:
        raise validation_failed(f"{path}: no such file or folder")
    return validate_batch(raw)


def validate_batch(raw: RawBatch) -> Batch:
    """Every item validated, all problems counted: categories, collections, then articles."""
    categories, problems = collections.validate_categories(raw.categories)
    found, more = collections.validate_collections(raw.collections)
    problems += more
    articles, more = _validate_articles(raw.articles)
    _raise_first(problems + more)
    return Batch(articles, categories, found, raw.editorial)


def validate_all(raw: Sequence[tuple[str, Any]]) -> list[Draft]:
    """Articles alone, validated as :func:`validate_batch` does."""
    drafts, problems = _validate_articles(raw)
    _raise_first(problems)
    return drafts


def _validate_articles(raw: Sequence[tuple[str, Any]]) -> tuple[list[Draft], list[str]]:
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
    return drafts, problems


def _raise_first(problems: Sequence[str]) -> None:
    if problems:
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise validation_failed(problems[0] + more)


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
        "cms_collection_id": data.cms_collection.id if data.cms_collection else None,
        "image": data.image.stored() if data.image else None,
    }


async def _create(session: AsyncSession, draft: Draft) -> Article:
    data = draft.data
    published_at = data.published_at
    if published_at is None and data.status == PUBLISHED:
        published_at = collections.stamp()
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
        values["published_at"] = collections.stamp()
    changed = {name: value for name, value in values.items() if getattr(article, name) != value}
    for name, value in changed.items():
        setattr(article, name, value)
    return bool(changed)


@dataclass
class BatchResult:
    articles: ImportResult
    categories: EditorialResult
    collections: EditorialResult


async def import_batch(session: AsyncSession, batch: Batch) -> BatchResult:
    """Categories, then collections, then articles, in the caller's one transaction."""
    categories = await collections.import_categories(session, batch.categories)
    found = await collections.import_collections(session, batch.collections)
    articles = await import_articles(session, batch.articles)
    return BatchResult(articles, categories, found)


# -- the demo set ----------------------------------------------------------------------------

DEMO_FILE = "demo_articles.json"


def demo_batch() -> Batch:
    text = resources.files("canopy.articles").joinpath("data", DEMO_FILE).read_text("utf-8")
    return validate_batch(parse_json(text, DEMO_FILE))


def demo_drafts() -> list[Draft]:
    return demo_batch().articles


async def ensure_demo(session: AsyncSession) -> BatchResult | None:
    """Import the packaged demo articles, collections and categories, each kind only when
    there is none of it at all (they belong to no organisation: the demo adds them once, and
    never over an operator's own); ``None`` when nothing was imported."""
    demo = demo_batch()
    batch = Batch(
        articles=[]
        if await session.scalar(select(Article.id).limit(1)) is not None
        else demo.articles,
        categories=[] if await collections.any_category(session) else demo.categories,
        collections=[] if await collections.any_collection(session) else demo.collections,
    )
    if not (batch.articles or batch.categories or batch.collections):
        return None
    return await import_batch(session, batch)
