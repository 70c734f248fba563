from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from canopy.auth import Principal, require
from canopy.candidates import service as candidates_service
from canopy.candidates.schemas import CandidateFlags
from canopy.db import SessionDep
from canopy.emails import service
from canopy.emails.schemas import EmailCreate, EmailListParams, EmailRead
from canopy.files.service import FilesDep
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import openapi_body, openapi_query, parse
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external/emails", tags=["Emails"])


class _ListQuery(EmailListParams, PageParams):
    pass


@list_route(router, "", response_model=list[EmailRead], openapi_extra=openapi_query(_ListQuery))
async def list_emails(
    principal: Annotated[
        Principal, Depends(require("emails_r", ("candidates_r", "my_candidates_r")))
    ],
    params: Annotated[EmailListParams, Depends(parse(EmailListParams))],
    page: PageDep,
    session: SessionDep,
    files: FilesDep,
    request: Request,
    response: Response,
) -> list[EmailRead]:
    """A candidate's emails, oldest first, with their attachments and delivery."""
    candidate = await candidates_service.get(
        session, principal, params.candidate_reference, CandidateFlags()
    )
    emails = await paginate(session, service.list_query(candidate), page, request, response)
    return [service.to_read(email, candidate, files) for email in emails]


@router.post("", status_code=201, response_model=EmailRead, openapi_extra=openapi_body(EmailCreate))
async def create_email(
    principal: Annotated[
        Principal, Depends(require("emails_rw", ("candidates_rw", "my_candidates_rw")))
    ],
    data: Annotated[EmailCreate, Depends(parse(EmailCreate))],
    session: SessionDep,
    files: FilesDep,
    request: Request,
) -> EmailRead:
    """Record an email to a candidate; ``send_email=true`` also delivers it over SMTP."""
    candidate, email = await service.create(
        session, files, request.app.state.write_sessionmaker, principal, data
    )
    return service.to_read(email, candidate, files)
