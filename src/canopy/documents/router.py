from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import UploadFile

from canopy.auth import Principal, require
from canopy.candidates import service as candidates_service
from canopy.candidates.schemas import CandidateFlags
from canopy.db import SessionDep
from canopy.documents import service
from canopy.documents.schemas import DocumentCreate, DocumentListParams, DocumentRead
from canopy.files.service import FilesDep
from canopy.pagination import PageDep, PageParams, paginate
from canopy.params import merged, openapi_body, openapi_query, parse, validate
from canopy.routing import list_route

router = APIRouter(prefix="/api/v1/external/documents", tags=["Documents"])


class _ListQuery(DocumentListParams, PageParams):
    pass


def _uploads(request: Request) -> list[UploadFile]:
    form = getattr(request.state, "form", None)
    if form is None:
        return []
    return [value for _, value in form.multi_items() if isinstance(value, UploadFile)]


async def _create_params(request: Request) -> DocumentCreate:
    """The parameters, with every plain ``filenames`` field of a multipart body (one per
    uploaded part, as ``curl -F filenames=…`` sends them), not only the last one."""
    data = await merged(request)
    form = getattr(request.state, "form", None)
    if form is not None and "filenames" in form:
        names = [value for value in form.getlist("filenames") if isinstance(value, str)]
        data = {**data, "filenames": names}
    return validate(DocumentCreate, data)


@list_route(router, "", response_model=list[DocumentRead], openapi_extra=openapi_query(_ListQuery))
async def list_documents(
    principal: Annotated[
        Principal, Depends(require("documents_r", ("candidates_r", "my_candidates_r")))
    ],
    params: Annotated[DocumentListParams, Depends(parse(DocumentListParams))],
    page: PageDep,
    session: SessionDep,
    files: FilesDep,
    request: Request,
    response: Response,
) -> list[DocumentRead]:
    """A candidate's documents, oldest first, each with a signed ``file_url``."""
    candidate = await candidates_service.get(
        session, principal, params.candidate_reference, CandidateFlags()
    )
    documents = await paginate(session, service.list_query(candidate), page, request, response)
    return [service.to_read(document, candidate, files) for document in documents]


@router.post(
    "",
    status_code=201,
    response_model=list[DocumentRead],
    openapi_extra={
        **openapi_body(DocumentCreate, upload="file", many=True),
        "description": "Attach documents to a candidate from `remote_file_urls` "
        "(`[{filename, url}]`, JSON, form or query) and/or uploaded `multipart/form-data` "
        "file parts; all files are stored or none.",
    },
)
async def attach_documents(
    principal: Annotated[
        Principal, Depends(require("documents_rw", ("candidates_rw", "my_candidates_rw")))
    ],
    data: Annotated[DocumentCreate, Depends(_create_params)],
    session: SessionDep,
    files: FilesDep,
    request: Request,
) -> list[DocumentRead]:
    """Attach documents to a candidate: fetched from remote URLs or uploaded."""
    candidate, documents = await service.attach(session, files, principal, data, _uploads(request))
    return [service.to_read(document, candidate, files) for document in documents]
