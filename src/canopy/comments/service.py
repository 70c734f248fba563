from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from canopy.html import render_markdown
from canopy.models import Candidate, Comment


async def create(
    session: AsyncSession, candidate: Candidate, raw_content: str, author_user_id: int | None
) -> Comment:
    """A comment: markdown (HTML allowed) stored as written and as sanitised HTML."""
    return await add(session, candidate.id, raw_content, author_user_id)


async def add(
    session: AsyncSession, candidate_id: int, raw_content: str, author_user_id: int | None
) -> Comment:
    """:func:`create` for the candidate of that id."""
    comment = Comment(
        candidate_id=candidate_id,
        author_user_id=author_user_id,
        raw_content=raw_content,
        content=render_markdown(raw_content),
    )
    session.add(comment)
    await session.flush()
    return comment
