from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from canopy.auth import Principal, require
from canopy.candidates import service as candidates_service
from canopy.comments import service
from canopy.comments.schemas import CommentCreate, CommentRead
from canopy.db import SessionDep
from canopy.models import Comment
from canopy.params import openapi_body, parse

router = APIRouter(prefix="/api/v1/external/comments", tags=["Comments"])


@router.post(
    "", status_code=201, response_model=CommentRead, openapi_extra=openapi_body(CommentCreate)
)
async def create_comment(
    principal: Annotated[
        Principal, Depends(require("comments_w", ("candidates_r", "my_candidates_r")))
    ],
    data: Annotated[CommentCreate, Depends(parse(CommentCreate))],
    session: SessionDep,
) -> Comment:
    """Comment on a candidate; markdown or HTML, returned rendered and sanitised."""
    candidate = await candidates_service.get(session, principal, data.candidate_reference)
    return await service.create(session, candidate, data.content, principal.user_id)
