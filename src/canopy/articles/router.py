from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from canopy.articles import collections, service
from canopy.articles.schemas import (
    ArticleListParams,
    ArticleRead,
    CategoryListParams,
    CategoryRead,
    CollectionListParams,
    CollectionRead,
)
from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external", tags=["Articles"])

Reader = Annotated[Principal, Depends(require("cms_articles_r"))]
CollectionReader = Annotated[Principal, Depends(require("cms_collections_r"))]
CategoryReader = Annotated[Principal, Depends(require("cms_collection_categories_r"))]


class _ListQuery(ArticleListParams, PageParams):
    pass


class _CollectionsQuery(CollectionListParams, PageParams):
    pass


class _CategoriesQuery(CategoryListParams, PageParams):
    pass


@list_route(
    router,
    "/cms/articles/all",
    response_model=list[ArticleRead],
    openapi_extra=openapi_query(_ListQuery),
)
async def list_articles(
    principal: Reader,
    params: Annotated[ArticleListParams, Depends(parse(ArticleListParams))],
    page: PageDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[ArticleRead]:
    """List published articles, first published first (partnership scope ``cms_articles_r``)."""
    articles = await paginate(session, service.list_query(params), page, request, response)
    return await service.render(session, articles)


@list_route(
    router,
    "/cms/collections",
    response_model=list[CollectionRead],
    openapi_extra=openapi_query(_CollectionsQuery),
)
async def list_collections(
    principal: CollectionReader,
    params: Annotated[CollectionListParams, Depends(parse(CollectionListParams))],
    page: PageDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[CollectionRead]:
    """List published collections, first published first (scope ``cms_collections_r``)."""
    found = await paginate(session, collections.collections_query(params), page, request, response)
    return await collections.render_collections(session, found)


@list_route(
    router,
    "/cms/collection/categories",
    response_model=list[CategoryRead],
    openapi_extra=openapi_query(_CategoriesQuery),
)
async def list_collection_categories(
    principal: CategoryReader,
    params: Annotated[CategoryListParams, Depends(parse(CategoryListParams))],
    page: PageDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> list[CategoryRead]:
    """List published collection categories (scope ``cms_collection_categories_r``)."""
    found = await paginate(session, collections.categories_query(params), page, request, response)
    return await collections.render_categories(session, found)
