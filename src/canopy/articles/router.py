from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from canopy.articles import service
from canopy.articles.schemas import ArticleListParams, ArticleRead
from canopy.auth import Principal, require
from canopy.db import SessionDep
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external", tags=["Articles"])

Reader = Annotated[Principal, Depends(require("cms_articles_r"))]


class _ListQuery(ArticleListParams, PageParams):
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
    return service.render(articles)
