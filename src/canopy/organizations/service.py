"""Organisations: creation, the employer-branding profile (§6.1, §6.2) and its management by
admins (§15.10), shared by the API and the ``canopy org`` commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import slugs, tenancy
from canopy.auth import Principal
from canopy.errors import not_found, validation_failed
from canopy.files.service import Files
from canopy.images import service as images_service
from canopy.images.schemas import ImageRead
from canopy.jobs import service as jobs_service
from canopy.models import Office, Organization, OrganizationTool, OrganizationWebsite
from canopy.models.base import utcnow
from canopy.organizations.schemas import (
    OrganizationFlags,
    OrganizationListParams,
    OrganizationOffice,
    OrganizationRead,
    OrganizationUpdate,
    OrganizationWebsiteSummary,
    SubsidiaryRead,
    ToolInput,
    WebsiteInput,
)
from canopy.tools import service as tools_service
from canopy.videos import service as videos_service
from canopy.videos.schemas import VideoRead

SU_SCOPE = "su_organizations_r"
# A chain of subsidiaries deeper than this is refused (it also bounds the cycle check).
MAX_DEPTH = 20
I18N_FIELDS = ("i18n_descriptions", "i18n_looking_fors", "i18n_good_to_knows", "i18n_covers")
REQUIRED_ON_UPDATE = ("name", "slug", "default_language")


async def by_reference(session: AsyncSession, reference: str) -> Organization | None:
    return await session.scalar(select(Organization).where(Organization.reference == reference))


async def create(session: AsyncSession, name: str, *, slug: str | None = None) -> Organization:
    """A new organisation with a fresh reference, a unique slug and its spontaneous job."""
    name = name.strip()
    if not name or len(name) > 200:
        raise validation_failed("name must have 1 to 200 characters")
    if slug is not None and not slugs.SLUG_PATTERN.match(slug):
        raise validation_failed("slug may contain only lowercase letters, digits and dashes")
    choices = [slug] if slug else slugs.candidates(slugs.from_name(name))
    for candidate in choices:
        taken = await session.scalar(select(Organization.id).where(Organization.slug == candidate))
        if taken is not None:
            continue
        # References are random; a collision only costs another try.
        for _ in range(5):
            organization = Organization(name=name, slug=candidate)
            try:
                async with session.begin_nested():
                    session.add(organization)
            except IntegrityError:
                continue
            await jobs_service.create_default(session, organization)
            return organization
    raise validation_failed("slug has already been taken")


# -- reading -----------------------------------------------------------------------------------


# Each inclusion and its resource's scopes: the member one, the partnership one.
FLAG_SCOPES = (
    ("offices", "offices_r", "su_offices_r"),
    ("images", "images_r", "su_images_r"),
    ("videos", "videos_r", "su_videos_r"),
)


def effective_flags(
    principal: Principal, flags: OrganizationFlags, organization: Organization | None = None
) -> OrganizationFlags:
    """``flags`` with the inclusions the principal may not see on ``organization`` turned
    off (§15.2: the block is left out, the answer is still 200). Each needs its resource's
    scope: the member or the partnership one on an organisation the principal belongs to,
    the partnership one on any other (and on none, ``organization`` None)."""
    member = organization is not None and organization.id in principal.organization_ids
    denied = {
        flag: False
        for flag, own, partner in FLAG_SCOPES
        if getattr(flags, flag)
        and not principal.has_any(*((own, partner) if member else (partner,)))
    }
    return flags.model_copy(update=denied) if denied else flags


async def get(session: AsyncSession, principal: Principal, reference: str) -> Organization:
    """A member organisation, or any with ``su_organizations_r``; 404 otherwise."""
    return await tenancy.visible_organization(session, principal, reference, su_scope=SU_SCOPE)


def list_query(principal: Principal, params: OrganizationListParams) -> Select[Organization]:
    """§6.2: the organisations matching the one search parameter given, oldest first."""
    stmt = tenancy.organizations(principal, su_scope=SU_SCOPE)
    if params.name:
        stmt = stmt.where(
            func.lower(Organization.name).contains(params.name.lower(), autoescape=True)
        )
    if params.media_website_url:
        stmt = stmt.where(
            func.lower(Organization.media_website_url).contains(
                params.media_website_url.lower(), autoescape=True
            )
        )
    if params.cms_sites_references:
        stmt = stmt.where(
            Organization.id.in_(
                select(OrganizationWebsite.organization_id).where(
                    OrganizationWebsite.reference.in_(params.cms_sites_references)
                )
            )
        )
    if params.created_after is not None:
        stmt = stmt.where(Organization.created_at >= params.created_after)
    if params.updated_after is not None:
        stmt = stmt.where(Organization.updated_at >= params.updated_after)
    return stmt.order_by(Organization.created_at, Organization.id)


def _grouped(rows: Sequence[Any], key: str) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


async def render(
    session: AsyncSession,
    organizations: Sequence[Organization],
    flags: OrganizationFlags,
    files: Files | None = None,
    principal: Principal | None = None,
) -> list[OrganizationRead]:
    """The Organization objects of a page, with a fixed number of queries whatever its size:
    one each for websites and subsidiaries, and one per inclusion asked for. The
    organisations were reached through :mod:`canopy.tenancy`; these load their parts. With
    ``principal``, each organisation gets only the inclusions its scopes allow there
    (:func:`effective_flags`)."""
    if not organizations:
        return []
    ids = [organization.id for organization in organizations]
    allowed = {
        organization.id: flags
        if principal is None
        else effective_flags(principal, flags, organization)
        for organization in organizations
    }
    websites = _grouped(
        (
            await session.scalars(
                select(OrganizationWebsite)
                .where(OrganizationWebsite.organization_id.in_(ids))
                .order_by(OrganizationWebsite.position, OrganizationWebsite.id)
            )
        ).all(),
        "organization_id",
    )
    subsidiaries = _grouped(
        (
            await session.execute(
                select(
                    Organization.parent_id,
                    Organization.name,
                    Organization.slug,
                    Organization.reference,
                )
                .where(Organization.parent_id.in_(ids))
                .order_by(Organization.created_at, Organization.id)
            )
        ).all(),
        "parent_id",
    )
    office_ids = [id_ for id_ in ids if allowed[id_].offices]
    image_ids = [id_ for id_ in ids if allowed[id_].images]
    video_ids = [id_ for id_ in ids if allowed[id_].videos]
    offices: dict[int, list[Any]] = {}
    if office_ids:
        offices = _grouped(
            (
                await session.scalars(
                    select(Office)
                    .where(Office.organization_id.in_(office_ids))
                    .order_by(Office.created_at, Office.id)
                )
            ).all(),
            "organization_id",
        )
    images: dict[int, list[ImageRead]] = {}
    videos: dict[int, list[VideoRead]] = {}
    if image_ids or video_ids:
        if files is None:
            raise RuntimeError("images and videos need the file service")
        if image_ids:
            images = await images_service.read_many(session, files, image_ids)
        if video_ids:
            videos = await videos_service.read_many(session, files, video_ids, details=False)
    result = []
    for organization in organizations:
        read = _read(
            organization,
            websites.get(organization.id, []),
            subsidiaries.get(organization.id, []),
        )
        shown = allowed[organization.id]
        if shown.offices:
            read.offices = [_office(o) for o in offices.get(organization.id, [])]
        if shown.images:
            read.images = list(images.get(organization.id, []))
        if shown.videos:
            read.videos = list(videos.get(organization.id, []))
        result.append(read)
    return result


def _office(office: Office) -> OrganizationOffice:
    return OrganizationOffice(
        id=office.id,
        name=office.name,
        address=office.address,
        zip_code=office.zip_code,
        city=office.city,
        country_code=office.country_code,
        is_headquarter=office.is_headquarter,
    )


def _read(
    organization: Organization,
    websites: Sequence[OrganizationWebsite],
    subsidiaries: Sequence[Any],
) -> OrganizationRead:
    o = organization
    return OrganizationRead(
        reference=o.reference,
        name=o.name,
        media_twitter=o.media_twitter,
        media_website_url=o.media_website_url,
        description=o.description,
        subsidiaries=[
            SubsidiaryRead(name=s.name, slug=s.slug, reference=s.reference) for s in subsidiaries
        ],
        slug=o.slug,
        logo_url=o.logo_url,
        sectors=list(o.sectors or []),
        default_language=o.default_language,
        media_facebook=o.media_facebook,
        media_linkedin=o.media_linkedin,
        media_instagram=o.media_instagram,
        media_youtube=o.media_youtube,
        media_pinterest=o.media_pinterest,
        nb_employees=o.nb_employees,
        average_age=o.average_age,
        turnover=o.turnover,
        creation_year=o.creation_year,
        parity_men=o.parity_men,
        parity_women=o.parity_women,
        revenue=o.revenue,
        cover_url=o.cover_url,
        i18n_descriptions=dict(o.i18n_descriptions or {}),
        i18n_looking_fors=dict(o.i18n_looking_fors or {}),
        i18n_good_to_knows=dict(o.i18n_good_to_knows or {}),
        i18n_covers=dict(o.i18n_covers or {}),
        websites=[
            OrganizationWebsiteSummary(
                reference=w.reference, name=w.name, root_url=w.root_url, cover_url=w.cover_url
            )
            for w in websites
        ],
        created_at=o.created_at,
        updated_at=o.updated_at,
    )


async def read_one(
    session: AsyncSession,
    organization: Organization,
    flags: OrganizationFlags | None = None,
    files: Files | None = None,
    principal: Principal | None = None,
) -> OrganizationRead:
    """One organisation (see :func:`render`)."""
    (read,) = await render(session, [organization], flags or OrganizationFlags(), files, principal)
    return read


# -- writing: admins only ----------------------------------------------------------------------


async def get_for_admin(
    session: AsyncSession, principal: Principal, reference: str
) -> Organization:
    """The organisation, if the principal is one of its admins (404 / 403 ``forbidden``)."""
    return await tenancy.admin_organization(session, principal, reference, su_scope=SU_SCOPE)


async def _parent(
    session: AsyncSession, principal: Principal | None, reference: str
) -> Organization:
    if principal is None:  # the admin command line
        parent = await by_reference(session, reference)
        if parent is None:
            raise validation_failed(f"parent_reference is invalid: no organization {reference}")
        return parent
    parent = await session.scalar(
        tenancy.organizations(principal).where(Organization.reference == reference)
    )
    if parent is None or not tenancy.is_admin(principal, parent.id):
        raise validation_failed(
            "parent_reference is invalid: it must be an organization you are an admin of"
        )
    return parent


async def _touch(session: AsyncSession, *ids: int | None) -> None:
    """Websites and subsidiaries are part of an organisation's object: changing them moves its
    ``updated_at``, so that ``updated_after`` syncs see the change."""
    wanted = [i for i in ids if i is not None]
    if wanted:
        await session.execute(
            update(Organization).where(Organization.id.in_(wanted)).values(updated_at=utcnow())
        )


async def set_parent(
    session: AsyncSession,
    organization: Organization,
    parent: Organization | None,
    *,
    param: str = "parent_reference",
) -> None:
    """Make ``organization`` a subsidiary of ``parent`` (or of nobody), refusing cycles;
    errors name ``param`` (none: the command line's plain sentence)."""
    prefix = f"{param} is invalid: " if param else ""
    previous = organization.parent_id
    if parent is None:
        organization.parent_id = None
        await session.flush()
        if previous is not None:
            await _touch(session, previous)
        return
    if parent.id == organization.id:
        raise validation_failed(f"{prefix}an organization cannot be its own parent")
    ancestor_id: int | None = parent.id
    depth = 0
    while ancestor_id is not None:
        if ancestor_id == organization.id:
            raise validation_failed(
                f"{prefix}{parent.reference} is a subsidiary of {organization.reference}"
            )
        depth += 1
        if depth > MAX_DEPTH:
            raise validation_failed(f"{prefix}subsidiaries nest at most {MAX_DEPTH} deep")
        ancestor_id = await session.scalar(
            select(Organization.parent_id).where(Organization.id == ancestor_id)
        )
    organization.parent_id = parent.id
    await session.flush()
    if previous != parent.id:
        await _touch(session, previous, parent.id)


async def update_profile(
    session: AsyncSession,
    organization: Organization,
    data: OrganizationUpdate,
    *,
    principal: Principal | None,
) -> None:
    """Change only the given fields; ``i18n_*`` maps are merged (``null`` drops a language).
    ``principal`` None is the admin command line, which may name any parent."""
    fields = data.model_dump(exclude_unset=True)
    for name in REQUIRED_ON_UPDATE:
        if name in fields and fields[name] is None:
            raise validation_failed(f"{name} cannot be null")
    men = fields.get("parity_men", organization.parity_men)
    women = fields.get("parity_women", organization.parity_women)
    if men is not None and women is not None and men + women > 100:
        raise validation_failed("parity_men and parity_women must not add up to more than 100")
    if "parent_reference" in fields:
        reference = fields.pop("parent_reference")
        parent = None if reference is None else await _parent(session, principal, reference)
        await set_parent(session, organization, parent)
    slug = fields.pop("slug", None)
    if slug is not None and slug != organization.slug:
        taken = await session.scalar(
            select(Organization.id).where(
                Organization.slug == slug, Organization.id != organization.id
            )
        )
        if taken is not None:
            raise validation_failed("slug has already been taken")
        organization.slug = slug
    for name in I18N_FIELDS:
        if name in fields:
            changes = fields.pop(name)
            merged: dict[str, Any] = (
                {} if changes is None else dict(getattr(organization, name) or {})
            )
            for language, value in (changes or {}).items():
                if value is None:
                    merged.pop(language, None)
                else:
                    merged[language] = value
            # A new dict: JSON columns do not track changes made in place.
            setattr(organization, name, merged)
    if "sectors" in fields:
        organization.sectors = list(fields.pop("sectors") or [])
    for name, value in fields.items():
        setattr(organization, name, value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise validation_failed("slug has already been taken") from exc
    if slug is not None or "name" in fields:
        # The parent lists this organisation's name and slug among its subsidiaries.
        await _touch(session, organization.parent_id)


async def put_website(
    session: AsyncSession, organization: Organization, data: WebsiteInput
) -> tuple[OrganizationWebsite, bool]:
    """Create the website, or replace the one with the same reference; ``True`` if created."""
    fields = data.model_dump()
    existing = await _website(session, organization, data.reference)
    if existing is None:
        last = await session.scalar(
            select(func.max(OrganizationWebsite.position)).where(
                OrganizationWebsite.organization_id == organization.id
            )
        )
        website = OrganizationWebsite(
            organization_id=organization.id, position=(last or 0) + 1, **fields
        )
        try:
            async with session.begin_nested():
                session.add(website)
            await _touch(session, organization.id)
            return website, True
        except IntegrityError:
            # Created meanwhile by a concurrent request: replace that one instead.
            existing = await _website(session, organization, data.reference)
            if existing is None:
                raise
    for name, value in fields.items():
        setattr(existing, name, value)
    await session.flush()
    await _touch(session, organization.id)
    return existing, False


async def _website(
    session: AsyncSession, organization: Organization, reference: str
) -> OrganizationWebsite | None:
    return await session.scalar(
        select(OrganizationWebsite).where(
            OrganizationWebsite.organization_id == organization.id,
            OrganizationWebsite.reference == reference,
        )
    )


async def remove_website(session: AsyncSession, organization: Organization, reference: str) -> None:
    website = await _website(session, organization, reference)
    if website is None:
        raise not_found("Website")
    await session.delete(website)
    await session.flush()
    await _touch(session, organization.id)


async def _resolve_tools(
    session: AsyncSession, items: Sequence[ToolInput], *, param: str = "tools"
) -> list[tuple[int, ToolInput]]:
    """Each item's tool id; 400 naming the first unknown or repeated tool (as ``param.N``; no
    ``param``: the command line's plain sentence)."""
    by_id, by_name = await tools_service.find(
        session,
        ids=[item.tool_id for item in items if item.tool_id is not None],
        names=[item.name for item in items if item.name is not None],
    )
    resolved: list[tuple[int, ToolInput]] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.tool_id is not None:
            tool = by_id.get(item.tool_id)
            what = f"tool_id {item.tool_id}"
        else:
            assert item.name is not None
            tool = by_name.get(item.name.strip().lower())
            what = f"tool {item.name!r}"
        prefix = f"{param}.{index} is invalid: " if param else ""
        if tool is None:
            raise validation_failed(f"{prefix}no {what} in the catalogue")
        if tool.id in seen:
            raise validation_failed(f"{prefix}{tool.name} is listed twice")
        seen.add(tool.id)
        resolved.append((tool.id, item))
    return resolved


async def replace_tools(
    session: AsyncSession, organization: Organization, items: Sequence[ToolInput]
) -> None:
    """The organisation's tools become ``items``, in that order."""
    resolved = await _resolve_tools(session, items)
    await session.execute(
        delete(OrganizationTool).where(OrganizationTool.organization_id == organization.id)
    )
    session.add_all(
        OrganizationTool(
            organization_id=organization.id,
            tool_id=tool_id,
            percent=item.percent,
            comment=item.comment,
        )
        for tool_id, item in resolved
    )
    await session.flush()


async def set_tool(session: AsyncSession, organization: Organization, item: ToolInput) -> None:
    """Add one tool to the organisation's, or change its percent and comment."""
    ((tool_id, _),) = await _resolve_tools(session, [item], param="")
    row = await session.scalar(
        select(OrganizationTool).where(
            OrganizationTool.organization_id == organization.id,
            OrganizationTool.tool_id == tool_id,
        )
    )
    if row is None:
        session.add(
            OrganizationTool(
                organization_id=organization.id,
                tool_id=tool_id,
                percent=item.percent,
                comment=item.comment,
            )
        )
    else:
        row.percent = item.percent
        row.comment = item.comment
    await session.flush()
