"""``page``/``per_page`` and the Kaminari-style headers, plus an RFC 8288 ``Link``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from pydantic import Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import URL

from canopy.errors import validation_failed
from canopy.params import Params, merged, validate

T = TypeVar("T")


DEFAULT_PER_PAGE = 100


class PageParams(Params):
    page: int = Field(default=1, ge=1, description="Page number, from 1")
    per_page: int = Field(
        default=DEFAULT_PER_PAGE,
        ge=1,
        description="Items per page: 100 unless given, at most the server's maximum "
        "(CANOPY_MAX_PER_PAGE, 1000 unless configured); a larger value is refused",
    )


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


async def _page(request: Request) -> Page:
    """The page asked for. A page larger than the server's maximum is refused rather than
    cut short: a client walking the pages by ``per_page`` would silently skip rows."""
    params = validate(PageParams, await merged(request))
    maximum: int = request.app.state.settings.max_per_page
    if "per_page" not in params.model_fields_set:
        # Only an operator's maximum below the default shrinks the page nobody asked for.
        return Page(number=params.page, size=min(params.per_page, maximum))
    if params.per_page > maximum:
        raise validation_failed(f"per_page is invalid: must be at most {maximum}")
    return Page(number=params.page, size=params.per_page)


PageDep = Annotated[Page, Depends(_page)]


def set_headers(request: Request, response: Response, page: Page, total: int) -> None:
    url = request.url
    # A read whose filters came in its body (curl -d on a GET): the links carry them in the
    # query string, so that a client following them gets the same list.
    body_only: dict[str, str] | None = getattr(request.state, "body_only_params", None)
    if body_only:
        url = url.include_query_params(**body_only)
    response.headers.update(_headers(str(url), page.number, page.size, total))


# A page's headers, by URL: a list answered from the response cache (canopy.cache) makes them
# again for each request, and building the links costs more than the rest of such an answer.
@lru_cache(maxsize=256)
def _headers(request_url: str, number: int, size: int, total: int) -> dict[str, str]:
    pages = math.ceil(total / size) if total else 0
    next_page = number + 1 if number < pages else None
    # As Kaminari: past the last page there is neither a next nor a previous page.
    prev_page = number - 1 if 1 < number <= pages else None
    # The token never travels in a response header, even when the request carried it.
    url = URL(request_url).remove_query_params("access_token")
    links = {"first": 1, "prev": prev_page, "next": next_page, "last": max(pages, 1)}
    return {
        "X-Total": str(total),
        "X-Total-Pages": str(pages),
        "X-Per-Page": str(size),
        "X-Page": str(number),
        "X-Offset": str((number - 1) * size),
        "X-Next-Page": str(next_page or ""),
        "X-Prev-Page": str(prev_page or ""),
        "Link": ", ".join(
            f'<{url.include_query_params(page=n, per_page=size)}>; rel="{rel}"'
            for rel, n in links.items()
            if n is not None
        ),
    }


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
    rows, total = await fetch_page(session, stmt, page, total=total)
    set_headers(request, response, page, total)
    return rows


async def fetch_page(
    session: AsyncSession, stmt: Select[Any], page: Page, *, total: int | None = None
) -> tuple[Sequence[Any], int]:
    """One page of ``stmt`` and the total it is a page of (see :func:`paginate`)."""
    if total is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = (await session.execute(count_stmt)).scalar_one()
    # HEAD runs the same queries as GET, so that its headers (Content-Length included) are
    # exactly those of GET; the middleware drops the body.
    if page.offset >= total:
        return [], total
    result = await session.scalars(stmt.limit(page.size).offset(page.offset))
    return result.all(), total
