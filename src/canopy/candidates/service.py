"""Candidates in a job's pipeline: who reaches them, moves between stages and jobs."""

from __future__ import annotations

from functools import partial

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.base import ExecutableOption

from canopy import countries, tenancy
from canopy.auth import Principal
from canopy.candidates.schemas import (
    MEDIA_FIELDS,
    CandidateFields,
    CandidateFlags,
    CandidateRead,
    CandidateUpdate,
    ProfileRead,
    StageRead,
)
from canopy.db import after_commit, reads_first
from canopy.errors import not_found, validation_failed
from canopy.files import service as files_service
from canopy.files.service import Files
from canopy.files.sniff import IMAGE_TYPES, PORTFOLIO_TYPES, RESUME_TYPES
from canopy.models import Candidate, Job, Move, Organization, Stage
from canopy.models.base import utcnow

API_ORIGIN = "external"
PROFILE_FIELDS = ("email", "firstname", "lastname", "phone", "subtitle", "address", "city",
                  "zip_code", "country_code", "cover_letter", "archived")  # fmt: skip


def _options(flags: CandidateFlags) -> list[ExecutableOption]:
    options: list[ExecutableOption] = [joinedload(Candidate.job).joinedload(Job.organization)]
    if flags.stage:
        options.append(joinedload(Candidate.stage))
    return options


async def reachable_job(session: AsyncSession, principal: Principal, reference: str) -> Job:
    job = await session.scalar(
        tenancy.jobs(principal)
        .where(Job.reference == reference)
        .options(joinedload(Job.organization))
    )
    if job is None:
        raise not_found("Job")
    return job


async def get(
    session: AsyncSession,
    principal: Principal,
    reference: str,
    flags: CandidateFlags | None = None,
    *,
    write: bool = False,
    lock: bool = False,
) -> Candidate:
    """The candidate, if within reach (``write``: for changing it); else 404. ``lock`` loads
    it afresh and locks its row (PostgreSQL) until the transaction ends."""
    query = (
        tenancy.candidates(principal, write=write)
        .where(Candidate.reference == reference)
        .options(*_options(flags or CandidateFlags()))
    )
    if lock:
        query = query.with_for_update(of=Candidate).execution_options(populate_existing=True)
    candidate = await session.scalar(query)
    if candidate is None:
        raise not_found("Candidate")
    return candidate


async def still_reachable(session: AsyncSession, principal: Principal, candidate: Candidate) -> int:
    """Check again, in a later transaction, that the candidate :func:`get` gave (for writing)
    is still there and within reach; else 404, as :func:`get` would answer now. Returns its
    organisation's id as it is now: the candidate may have moved to another organisation's
    job in between."""
    found = await session.scalar(
        tenancy.candidates(principal, write=True)
        .where(Candidate.id == candidate.id)
        .with_only_columns(Candidate.organization_id)
    )
    if found is None:
        raise not_found("Candidate")
    return int(found)


def modal_path(organization: Organization, job: Job, candidate: Candidate) -> str:
    return f"/dashboard/o/{organization.reference}/jobs/{job.reference}/card/{candidate.reference}"


def file_url(
    files: Files | None, key: str | None, name: str, type_: str | None, size: int | None
) -> str | None:
    if files is None or key is None or type_ is None:
        return None
    return files.url(key, name, type_, size or 0)


def to_read(candidate: Candidate, flags: CandidateFlags, files: Files) -> CandidateRead:
    job = candidate.job
    media = candidate.media or {}
    code = candidate.country_code
    read = CandidateRead(
        reference=candidate.reference,
        cover_letter=candidate.cover_letter or "",
        created_at=candidate.created_at,
        job_reference=job.reference,
        modal_path=modal_path(job.organization, job, candidate),
        portfolio_size=candidate.portfolio_size,
        portfolio_url=file_url(
            files,
            candidate.portfolio_key,
            "portfolio",
            candidate.portfolio_content_type,
            candidate.portfolio_size,
        ),
        resume_content_type=candidate.resume_content_type,
        resume_size=candidate.resume_size,
        resume_url=file_url(
            files,
            candidate.resume_key,
            "resume",
            candidate.resume_content_type,
            candidate.resume_size,
        ),
        stage_id=candidate.stage_id,
        updated_at=candidate.updated_at,
        profile=ProfileRead(
            address=candidate.address,
            avatar_url=file_url(
                files,
                candidate.avatar_key,
                "avatar",
                candidate.avatar_content_type,
                candidate.avatar_size,
            )
            or files.default_avatar_url,
            city=candidate.city,
            country_code=code,
            country_name=countries.names(code)["en"] if code else None,
            email=candidate.email,
            firstname=candidate.firstname,
            lastname=candidate.lastname,
            phone=candidate.phone,
            subtitle=candidate.subtitle,
            zip_code=candidate.zip_code,
            **{name: media.get(name) for name in MEDIA_FIELDS},
        ),
        origin=candidate.origin,
        archived=candidate.archived,
    )
    if flags.stage:
        stage = candidate.stage
        read.stage = (
            StageRead(
                id=stage.id, name=stage.name, reference=stage.reference, visible=stage.visible
            )
            if stage is not None
            else None
        )
    if flags.tags:
        read.tags = list(candidate.tags or [])
    return read


# field → (size setting, allowed types) for the §5.4 remote files
REMOTE_FILES = {
    "remote_resume_url": ("max_resume_bytes", RESUME_TYPES),
    "remote_portfolio_url": ("max_portfolio_bytes", PORTFOLIO_TYPES),
    "remote_image_url": ("max_avatar_bytes", IMAGE_TYPES),
}


def wanted_files(data: CandidateFields) -> list[tuple[str, str]]:
    return [(name, getattr(data, name)) for name in REMOTE_FILES if getattr(data, name)]


async def store_files(
    session: AsyncSession, files: Files | None, wanted: list[tuple[str, str]]
) -> list[files_service.Stored]:
    """Download the remote resume, portfolio and avatar and store them, all or nothing (each
    stored object goes again if the request's transaction rolls back)."""
    if files is None:
        raise validation_failed(f"{wanted[0][0]} cannot be downloaded here")
    downloads = []
    try:
        for name, url in wanted:
            limit, types = REMOTE_FILES[name]
            downloads.extend(
                await files_service.fetch_all(
                    files,
                    [url],
                    max_bytes=getattr(files.settings, limit),
                    allowed_types=types,
                    label=name,
                    indexed=False,
                )
            )
    except BaseException:
        for download in downloads:
            download.discard()
        raise
    return await files_service.store(
        session,
        files,
        downloads,
        [name for name, _ in wanted],
        prefix="candidates",
    )


def _point_at(
    session: AsyncSession,
    files: Files,
    candidate: Candidate,
    wanted: list[tuple[str, str]],
    stored: list[files_service.Stored],
) -> None:
    """Point the candidate at the stored copies (the previous copies go once the change
    commits)."""
    replaced: list[str] = []
    for (name, _), item in zip(wanted, stored, strict=True):
        kind = name.removeprefix("remote_").removesuffix("_url")
        kind = "avatar" if kind == "image" else kind
        old = getattr(candidate, f"{kind}_key")
        if old:
            replaced.append(old)
        setattr(candidate, f"{kind}_key", item.key)
        setattr(candidate, f"{kind}_size", item.size)
        setattr(candidate, f"{kind}_content_type", item.content_type)
    for key in replaced:
        after_commit(session, partial(files.storage.delete, key))


async def _stage_of(session: AsyncSession, job: Job, stage_id: int | None) -> Stage:
    """The given stage, which must belong to ``job``, or the job's initial stage."""
    if stage_id is not None:
        stage = await session.scalar(
            select(Stage).where(Stage.id == stage_id, Stage.job_id == job.id)
        )
        if stage is None:
            raise validation_failed(
                f"job_stage_id is invalid: {stage_id} is not a stage of this job"
            )
        return stage
    stage = await session.scalar(
        select(Stage)
        .where(Stage.job_id == job.id)
        .order_by(case((Stage.reference == "initial", 0), else_=1), Stage.position, Stage.id)
        .limit(1)
    )
    if stage is None:
        raise validation_failed("the job has no pipeline stage")
    return stage


def _assign(candidate: Candidate, data: CandidateFields) -> None:
    given = data.model_fields_set
    for name in PROFILE_FIELDS:
        if name in given:
            setattr(candidate, name, getattr(data, name))
    if "tag_list" in given:
        candidate.tags = list(data.tag_list or [])
    media_given = [name for name in MEDIA_FIELDS if name in given]
    if media_given:
        media = dict(candidate.media or {})
        for name in media_given:
            value = getattr(data, name)
            if value:
                media[name] = value
            else:
                media.pop(name, None)
        candidate.media = media


def _move(
    candidate: Candidate, from_job: Job, from_stage_id: int | None, to: Job, stage: Stage
) -> Move:
    return Move(
        candidate_id=candidate.id,
        from_organization_id=from_job.organization_id,
        from_job_id=from_job.id,
        from_stage_id=from_stage_id,
        to_organization_id=to.organization_id,
        to_job_id=to.id,
        to_stage_id=stage.id,
    )


async def update(
    session: AsyncSession,
    principal: Principal,
    reference: str,
    data: CandidateUpdate,
    flags: CandidateFlags,
    files: Files | None = None,
) -> Candidate:
    """Change the candidate (a new stage or job records a move): the candidate as it is then.

    With remote files, the candidate and where it goes are checked in a transaction that only
    reads; the files are downloaded and stored outside any transaction; the writing one then
    loads and locks the candidate again, checks again, and changes it. Stored files go again
    if it does not commit."""
    given = data.model_fields_set
    for name in ("email", "firstname", "lastname", "archived"):
        if name in given and getattr(data, name) is None:
            raise validation_failed(f"{name} cannot be null")
    wanted = wanted_files(data)
    stored: list[files_service.Stored] = []
    if wanted:
        async with reads_first(session):
            candidate = await get(session, principal, reference, write=True)
            await _destination(session, principal, candidate, data)
        stored = await store_files(session, files, wanted)
    candidate = await get(session, principal, reference, write=True, lock=bool(wanted))
    target, stage = await _destination(session, principal, candidate, data)
    if stage is not None and (target.id != candidate.job_id or stage.id != candidate.stage_id):
        session.add(_move(candidate, candidate.job, candidate.stage_id, target, stage))
        candidate.job_id = target.id
        candidate.organization_id = target.organization_id
        candidate.stage_id = stage.id
    _assign(candidate, data)
    if wanted:
        assert files is not None  # store_files refuses without
        _point_at(session, files, candidate, wanted, stored)
    candidate.updated_at = utcnow()
    await session.flush()
    return await reload(session, candidate, flags)


async def _destination(
    session: AsyncSession, principal: Principal, candidate: Candidate, data: CandidateUpdate
) -> tuple[Job, Stage | None]:
    """The job the candidate goes to and, when its stage may change, the stage (404 for a job
    out of reach, 400 for a stage of another job). It changes nothing."""
    current_job = candidate.job
    target = current_job
    if data.job_reference and data.job_reference != current_job.reference:
        # §15.7: to another job's initial stage (or the given stage of that job), across
        # organisations when the user reaches both.
        target = await reachable_job(session, principal, data.job_reference)
    if target.id != current_job.id or (
        data.job_stage_id is not None and data.job_stage_id != candidate.stage_id
    ):
        return target, await _stage_of(session, target, data.job_stage_id)
    return target, None


async def reload(session: AsyncSession, candidate: Candidate, flags: CandidateFlags) -> Candidate:
    await session.flush()
    refreshed = await session.scalar(
        select(Candidate)
        .where(Candidate.id == candidate.id)
        .options(*_options(flags))
        .execution_options(populate_existing=True)
    )
    assert refreshed is not None
    return refreshed
