"""Article collections and their categories (§8.2): the published lists, and their import
(with the articles, by ``canopy articles import``)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import slugs
from canopy.articles.schemas import (
    PUBLISHED,
    CategoryImport,
    CategoryListParams,
    CategoryRead,
    CollectionImport,
    CollectionListParams,
    CollectionRead,
    to_milliseconds,
)
from canopy.errors import describe_validation, validation_failed
from canopy.models import CmsCollection, CmsCollectionCategory
from canopy.models.base import utcnow

ARCHIVED = "archived"


def stamp() -> datetime:
    """Now, to the millisecond the API renders (see :func:`to_milliseconds`)."""
    return to_milliseconds(utcnow())


# -- the lists -------------------------------------------------------------------------------


def collections_query(params: CollectionListParams) -> Select[CmsCollection]:
    stmt = select(CmsCollection).where(CmsCollection.status == PUBLISHED)
    if params.language is not None:
        stmt = stmt.where(CmsCollection.language == params.language)
    if params.cms_collection_category_id is not None:
        stmt = stmt.where(CmsCollection.category_id == params.cms_collection_category_id)
    if params.published_after is not None:
        stmt = stmt.where(CmsCollection.published_at >= params.published_after)
    if params.updated_after is not None:
        stmt = stmt.where(CmsCollection.updated_at >= params.updated_after)
    # As the articles: first published first. The import gives every published collection a
    # published_at, so no NULL meets the order.
    return stmt.order_by(CmsCollection.published_at, CmsCollection.id)


def categories_query(params: CategoryListParams) -> Select[CmsCollectionCategory]:
    stmt = select(CmsCollectionCategory).where(CmsCollectionCategory.status == PUBLISHED)
    if params.language is not None:
        stmt = stmt.where(CmsCollectionCategory.language == params.language)
    if params.published_after is not None:
        stmt = stmt.where(CmsCollectionCategory.published_at >= params.published_after)
    if params.updated_after is not None:
        stmt = stmt.where(CmsCollectionCategory.updated_at >= params.updated_after)
    return stmt.order_by(CmsCollectionCategory.published_at, CmsCollectionCategory.id)


async def collection_titles(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """The titles of the collections that exist among ``ids`` (one query)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(CmsCollection.id, CmsCollection.title).where(CmsCollection.id.in_(ids))
    )
    return {row.id: row.title for row in rows}


async def _category_titles(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(CmsCollectionCategory.id, CmsCollectionCategory.title).where(
            CmsCollectionCategory.id.in_(ids)
        )
    )
    return {row.id: row.title for row in rows}


async def render_collections(
    session: AsyncSession, collections: Sequence[CmsCollection]
) -> list[CollectionRead]:
    """The page's collections; a category that exists lends its current title, one that does
    not (yet) is shown as the import named it."""
    titles = await _category_titles(
        session, {c.category_id for c in collections if c.category_id is not None}
    )
    return [
        CollectionRead.model_validate(
            {
                "id": collection.id,
                "cms_collection_category": (
                    None
                    if collection.category_id is None
                    else {
                        "id": collection.category_id,
                        "title": titles.get(
                            collection.category_id, collection.category_title or ""
                        ),
                    }
                ),
                "title": collection.title,
                "slug": collection.slug,
                "summary": collection.summary,
                "description": collection.description,
                "cover": collection.cover,
                "seo_title": collection.seo_title,
                "seo_description": collection.seo_description,
                "social_title": collection.social_title,
                "social_description": collection.social_description,
                "social_image": collection.social_image,
                "status": collection.status,
                "theme": collection.theme,
                "reference": collection.reference,
                "language": collection.language,
                "internal_name": collection.internal_name,
                "languages": collection.languages,
                "mirrors": collection.mirrors,
                "created_at": collection.created_at,
                "updated_at": collection.updated_at,
                "published_at": collection.published_at,
                "archived_at": collection.archived_at,
            }
        )
        for collection in collections
    ]


async def render_categories(
    session: AsyncSession, categories: Sequence[CmsCollectionCategory]
) -> list[CategoryRead]:
    """The page's categories, each with its published collections (one query for the page),
    first published first, as the collections list orders them."""
    members: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if categories:
        rows = await session.execute(
            select(CmsCollection.id, CmsCollection.title, CmsCollection.category_id)
            .where(
                CmsCollection.category_id.in_({c.id for c in categories}),
                CmsCollection.status == PUBLISHED,
            )
            .order_by(CmsCollection.published_at, CmsCollection.id)
        )
        for row in rows:
            members[row.category_id].append({"id": row.id, "title": row.title})
    return [
        CategoryRead.model_validate(
            {
                "id": category.id,
                "title": category.title,
                "slug": category.slug,
                "menu_title": category.menu_title,
                "description": category.description,
                "seo_title": category.seo_title,
                "seo_description": category.seo_description,
                "social_title": category.social_title,
                "social_description": category.social_description,
                "social_image": category.social_image,
                "status": category.status,
                "cover": category.cover,
                "position": category.position,
                "reference": category.reference,
                "language": category.language,
                "internal_name": category.internal_name,
                "languages": category.languages,
                "mirrors": category.mirrors,
                "cms_collections": members.get(category.id, []),
                "created_at": category.created_at,
                "updated_at": category.updated_at,
                "published_at": category.published_at,
                "archived_at": category.archived_at,
            }
        )
        for category in categories
    ]


# -- validating import items -----------------------------------------------------------------


@dataclass(frozen=True)
class CollectionDraft:
    label: str
    data: CollectionImport


@dataclass(frozen=True)
class CategoryDraft:
    label: str
    data: CategoryImport


def validate_collections(raw: Sequence[tuple[str, Any]]) -> tuple[list[CollectionDraft], list[str]]:
    """The valid collections, and a message per problem (the caller reports them all)."""
    drafts: list[CollectionDraft] = []
    problems: list[str] = []
    for label, item in raw:
        if not isinstance(item, dict):
            problems.append(f"{label}: must be an object")
            continue
        try:
            drafts.append(CollectionDraft(label, CollectionImport.model_validate(item)))
        except ValidationError as exc:
            problems.append(f"{label}: {describe_validation(exc.errors())}")
    problems.extend(_duplicates(drafts))
    return drafts, problems


def validate_categories(raw: Sequence[tuple[str, Any]]) -> tuple[list[CategoryDraft], list[str]]:
    drafts: list[CategoryDraft] = []
    problems: list[str] = []
    for label, item in raw:
        if not isinstance(item, dict):
            problems.append(f"{label}: must be an object")
            continue
        try:
            drafts.append(CategoryDraft(label, CategoryImport.model_validate(item)))
        except ValidationError as exc:
            problems.append(f"{label}: {describe_validation(exc.errors())}")
    problems.extend(_duplicates(drafts))
    return drafts, problems


def _duplicates(drafts: Sequence[CollectionDraft | CategoryDraft]) -> list[str]:
    """Two items of one kind in one import that name the same id, reference or slug."""
    problems = []
    seen: dict[tuple[str, object], str] = {}
    for draft in drafts:
        keys = [
            ("id", draft.data.id),
            ("reference", draft.data.reference),
            ("slug", draft.data.slug),
        ]
        for kind, value in keys:
            if value is None:
                continue
            if (kind, value) in seen:
                shown = value if kind == "id" else repr(value)
                problems.append(
                    f"{draft.label}: {kind} {shown} appears twice (first: {seen[kind, value]})"
                )
            else:
                seen[kind, value] = draft.label
    return problems


# -- importing -------------------------------------------------------------------------------


@dataclass
class EditorialResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def summary(self) -> dict[str, Any]:
        return {**self.counts(), "items": self.items}


M = TypeVar("M", CmsCollection, CmsCollectionCategory)


async def _free_reference(session: AsyncSession, model: type[M]) -> str:
    while True:
        # 24 lowercase hex characters, like WTTJ's CMS references (§10).
        reference = secrets.token_hex(12)
        if await session.scalar(select(model.id).where(model.reference == reference)) is None:
            return reference


async def _check_reference(
    session: AsyncSession, model: type[M], label: str, kind: str, item_id: int, reference: str
) -> None:
    owner = await session.scalar(select(model.id).where(model.reference == reference))
    if owner is not None and owner != item_id:
        raise validation_failed(f"{label}: reference {reference!r} is taken by {kind} {owner}")


async def _claim_slug(
    session: AsyncSession,
    model: type[M],
    label: str,
    kind: str,
    item_id: int,
    slug: str | None,
    title: str,
) -> str:
    async def owner_of(candidate: str) -> int | None:
        found: int | None = await session.scalar(select(model.id).where(model.slug == candidate))
        return found

    if slug is not None:
        owner = await owner_of(slug)
        if owner is not None and owner != item_id:
            raise validation_failed(f"{label}: slug {slug!r} is taken by {kind} {owner}")
        return slug
    for candidate in slugs.candidates(slugs.from_name(title)):
        owner = await owner_of(candidate)
        if owner is None or owner == item_id:
            return candidate
    raise validation_failed(f"{label}: no free slug for this title; give one")


def _shared_fields(data: CollectionImport | CategoryImport) -> dict[str, Any]:
    return {
        "title": data.title,
        "description": data.description,
        "seo_title": data.seo_title,
        "seo_description": data.seo_description,
        "social_title": data.social_title,
        "social_description": data.social_description,
        "social_image": data.social_image.stored() if data.social_image else None,
        "cover": data.cover.stored() if data.cover else None,
        "status": data.status,
        "language": data.language,
        "internal_name": data.internal_name,
        "languages": data.languages,
        "mirrors": data.mirrors,
    }


def _collection_fields(data: CollectionImport) -> dict[str, Any]:
    category = data.cms_collection_category
    return {
        **_shared_fields(data),
        "summary": data.summary,
        "theme": data.theme,
        "category_id": category.id if category else None,
        "category_title": category.title if category else None,
    }


def _category_fields(data: CategoryImport) -> dict[str, Any]:
    return {**_shared_fields(data), "menu_title": data.menu_title, "position": data.position}


async def _upsert(
    session: AsyncSession,
    model: type[M],
    kind: str,
    label: str,
    data: CollectionImport | CategoryImport,
    values: dict[str, Any],
) -> tuple[M, str]:
    """Create the item with the given id, or update it. ``published_at`` and ``archived_at``
    are kept when not given, and set to now on the first publication or archiving (as a
    job's are). An item whose fields all match is left alone, so that its ``updated_at``
    (the ``updated_after`` filter) moves only on a real change."""
    item = await session.get(model, data.id)
    if data.reference is not None:
        await _check_reference(session, model, label, kind, data.id, data.reference)
    now = stamp()
    if item is None:
        values["slug"] = await _claim_slug(
            session, model, label, kind, data.id, data.slug, data.title
        )
        values["published_at"] = data.published_at or (now if data.status == PUBLISHED else None)
        values["archived_at"] = data.archived_at or (now if data.status == ARCHIVED else None)
        created = model(
            id=data.id,
            reference=data.reference or await _free_reference(session, model),
            **values,
        )
        session.add(created)
        return created, "created"
    if data.reference is not None:
        values["reference"] = data.reference
    if data.slug is not None and data.slug != item.slug:
        values["slug"] = await _claim_slug(
            session, model, label, kind, data.id, data.slug, data.title
        )
    if data.published_at is not None:
        values["published_at"] = data.published_at
    elif item.published_at is None and data.status == PUBLISHED:
        values["published_at"] = now
    if data.archived_at is not None:
        values["archived_at"] = data.archived_at
    elif item.archived_at is None and data.status == ARCHIVED:
        values["archived_at"] = now
    changed = {name: value for name, value in values.items() if getattr(item, name) != value}
    for name, value in changed.items():
        setattr(item, name, value)
    return item, "updated" if changed else "unchanged"


async def _flush(session: AsyncSession, label: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        # Only a concurrent import can take an id, slug or reference checked free above.
        raise validation_failed(
            f"{label}: its id, slug or reference was taken meanwhile; import again"
        ) from None


async def import_categories(
    session: AsyncSession, drafts: Sequence[CategoryDraft]
) -> EditorialResult:
    """Create or update each category, found by its ``id``. Flushes only."""
    result = EditorialResult()
    for draft in drafts:
        category, outcome = await _upsert(
            session,
            CmsCollectionCategory,
            "category",
            draft.label,
            draft.data,
            _category_fields(draft.data),
        )
        await _flush(session, draft.label)
        _count(result, outcome, category)
    return result


async def import_collections(
    session: AsyncSession, drafts: Sequence[CollectionDraft]
) -> EditorialResult:
    """Create or update each collection, found by its ``id``. Flushes only."""
    result = EditorialResult()
    for draft in drafts:
        collection, outcome = await _upsert(
            session,
            CmsCollection,
            "collection",
            draft.label,
            draft.data,
            _collection_fields(draft.data),
        )
        await _flush(session, draft.label)
        _count(result, outcome, collection)
    return result


def _count(
    result: EditorialResult, outcome: str, item: CmsCollection | CmsCollectionCategory
) -> None:
    setattr(result, outcome, getattr(result, outcome) + 1)
    result.items.append(
        {"id": item.id, "reference": item.reference, "slug": item.slug, "result": outcome}
    )


async def any_collection(session: AsyncSession) -> bool:
    return await session.scalar(select(CmsCollection.id).limit(1)) is not None


async def any_category(session: AsyncSession) -> bool:
    return await session.scalar(select(CmsCollectionCategory.id).limit(1)) is not None
