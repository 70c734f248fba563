"""``page``/``per_page`` and the Kaminari-style headers, plus an RFC 8288 ``Link``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from pydantic import Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from canopy.params import Params, merged, validate

T = TypeVar("T")


class PageParams(Params):
    page: int = Field(default=1, ge=1, description="Page number, from 1")
    per_page: int = Field(default=100, ge=1, description="Items per page (at most 100)")


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


async def _page(request: Request) -> Page:
    params = validate(PageParams, await merged(request))
    cap: int = request.app.state.settings.max_per_page
    return Page(number=params.page, size=min(params.per_page, cap))


PageDep = Annotated[Page, Depends(_page)]


def set_headers(request: Request, response: Response, page: Page, total: int) -> None:
    pages = math.ceil(total / page.size) if total else 0
    next_page = page.number + 1 if page.number < pages else None
    # As Kaminari: past the last page there is neither a next nor a previous page.
    prev_page = page.number - 1 if 1 < page.number <= pages else None
    headers = response.headers
    headers["X-Total"] = str(total)
    headers["X-Total-Pages"] = str(pages)
    headers["X-Per-Page"] = str(page.size)
    headers["X-Page"] = str(page.number)
    headers["X-Offset"] = str(page.offset)
    headers["X-Next-Page"] = str(next_page or "")
    headers["X-Prev-Page"] = str(prev_page or "")
    # The token never travels in a response header, even when the request carried it.
    url = request.url.remove_query_params("access_token")
    links = {"first": 1, "prev": prev_page, "next": next_page, "last": max(pages, 1)}
    headers["Link"] = ", ".join(
        f'<{url.include_query_params(page=number, per_page=page.size)}>; rel="{rel}"'
        for rel, number in links.items()
        if number is not None
    )


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    page: Page,
    request: Request,
    response: Response,
    *,
    total: int | None = None,
) -> Sequence[Any]:
    """Run ``stmt`` for one page (two queries: the count, then the rows) and set the headers.

    ``total``, when the caller knows it without counting, saves the count query."""
    if total is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = (await session.execute(count_stmt)).scalar_one()
    set_headers(request, response, page, total)
    # HEAD runs the same queries as GET, so that its headers (Content-Length included) are
    # exactly those of GET; the middleware drops the body.
    if page.offset >= total:
        return []
    result = await session.scalars(stmt.limit(page.size).offset(page.offset))
    return result.all()
