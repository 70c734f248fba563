"""Documents attached to candidates (§5.8, the seed page)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from canopy.auth import Principal
from canopy.candidates import service as candidates_service
from canopy.candidates.schemas import CandidateFlags
from canopy.db import reads_first
from canopy.documents.schemas import DocumentCreate, DocumentRead
from canopy.errors import validation_failed
from canopy.files import service as files_service
from canopy.files.fetch import Download
from canopy.files.service import Files
from canopy.files.sniff import DOCUMENT_TYPES
from canopy.models import Candidate, Document


def list_query(candidate: Candidate) -> Select[Document]:
    return (
        select(Document)
        .where(Document.candidate_id == candidate.id)
        .order_by(Document.created_at, Document.id)
    )


def to_read(document: Document, candidate: Candidate, files: Files) -> DocumentRead:
    return DocumentRead(
        id=document.id,
        job_reference=candidate.job.reference,
        candidate_reference=candidate.reference,
        filename=document.filename,
        file_url=files.url(
            document.object_key, document.filename, document.content_type, document.size
        ),
        size=document.size,
        content_type=document.content_type,
        created_at=document.created_at,
    )


async def attach(
    session: AsyncSession,
    files: Files,
    principal: Principal,
    data: DocumentCreate,
    uploads: Sequence[UploadFile],
) -> tuple[Candidate, list[Document]]:
    """Fetch the remote files and/or take the uploaded ones; all are stored or none.

    The candidate is looked up in a transaction that only reads and ends before the files are
    downloaded (or spooled) and stored: no connection, SQLite write lock or row lock is held
    while they come. The writing transaction that follows checks the candidate again."""
    async with reads_first(session):
        candidate = await candidates_service.get(
            session, principal, data.candidate_reference, CandidateFlags(), write=True
        )
    settings = files.settings
    remote = data.remote_file_urls or []
    if not remote and not uploads:
        raise validation_failed("remote_file_urls is missing")
    count = len(remote) + len(uploads)
    if count > settings.max_files_per_request:
        raise validation_failed(
            f"remote_file_urls has {count} files; at most {settings.max_files_per_request} "
            "are accepted per request"
        )
    names = list(data.filenames or [])
    if len(names) > len(uploads):
        raise validation_failed("filenames has more names than there are uploaded files")
    upload_names = [
        names[i] if i < len(names) else _upload_name(upload) for i, upload in enumerate(uploads)
    ]
    downloads: list[Download] = []
    try:
        for index, upload in enumerate(uploads):
            downloads.append(
                await files_service.check_upload(
                    files,
                    upload,
                    max_bytes=settings.max_document_bytes,
                    allowed_types=DOCUMENT_TYPES,
                    label=f"files[{index}] ({upload_names[index]})",
                )
            )
        downloads.extend(
            await files_service.fetch_all(
                files,
                [item.url for item in remote],
                max_bytes=settings.max_document_bytes,
                allowed_types=DOCUMENT_TYPES,
                label="remote_file_urls",
            )
        )
    except BaseException:
        for download in downloads:
            download.discard()
        raise
    stored = await files_service.store(
        session,
        files,
        downloads,
        [*upload_names, *(item.filename for item in remote)],
        prefix="documents",
    )
    organization_id = await candidates_service.still_reachable(session, principal, candidate)
    documents = [
        Document(
            organization_id=organization_id,
            candidate_id=candidate.id,
            creator_user_id=principal.user_id,
            filename=item.filename,
            object_key=item.key,
            size=item.size,
            content_type=item.content_type,
            source_url=item.source_url,
        )
        for item in stored
    ]
    session.add_all(documents)
    await session.flush()
    return candidate, documents


def _upload_name(upload: UploadFile) -> str:
    name = (upload.filename or "file").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ord(ch) >= 32 and ch != "\x7f")[:255]
    return name or "file"
