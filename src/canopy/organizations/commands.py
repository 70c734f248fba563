"""`canopy org …` commands: the employer-branding profile, websites, subsidiaries and tools,
through the same service functions as the API (``org create`` lives in :mod:`canopy.cli`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from canopy.clikit import JsonOption, emit, run
from canopy.errors import ApiError, validation_failed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from canopy.models import Organization

# The services are imported inside each command, as in canopy.cli: every `canopy` start
# (serve, token, …) loads this module, and only `org` commands need them.

app = typer.Typer(help="Organisations.", no_args_is_help=True)
website_app = typer.Typer(help="An organisation's websites.", no_args_is_help=True)
subsidiary_app = typer.Typer(help="An organisation's subsidiaries.", no_args_is_help=True)
tool_app = typer.Typer(help="The tools an organisation uses.", no_args_is_help=True)
app.add_typer(website_app, name="website")
app.add_typer(subsidiary_app, name="subsidiary")
app.add_typer(tool_app, name="tool")

RefArgument = Annotated[str, typer.Argument(metavar="REF", help="Organisation reference.")]


async def _organization(session: AsyncSession, reference: str) -> Organization:
    from canopy.organizations import service

    organization = await service.by_reference(session, reference)
    if organization is None:
        raise ApiError(404, f"no organisation with reference {reference}")
    return organization


async def _profile(session: AsyncSession, organization: Organization) -> dict[str, Any]:
    from canopy.organizations import service
    from canopy.organizations.schemas import OrganizationFlags
    from canopy.tools import service as tools_service

    read = await service.read_one(session, organization, OrganizationFlags(offices=True))
    data = read.model_dump(mode="json", exclude_unset=True)
    data["tools"] = [
        tool.model_dump(mode="json")
        for tool in await tools_service.organization_tools(session, organization.id)
    ]
    return data


def _describe(data: dict[str, Any]) -> str:
    lines = [f"[bold]{data['name']}[/] ({data['slug']}), reference {data['reference']}"]
    if data["description"]:
        lines.append(data["description"])
    facts = [
        f"{label}: {data[key]}"
        for key, label in (
            ("nb_employees", "employees"),
            ("average_age", "average age"),
            ("creation_year", "founded"),
            ("parity_women", "women %"),
            ("parity_men", "men %"),
        )
        if data[key] is not None
    ]
    if facts:
        lines.append(", ".join(facts))
    if data["sectors"]:
        lines.append("sectors: " + ", ".join(data["sectors"]))
    for website in data["websites"]:
        lines.append(f"website {website['reference']}: {website['root_url']}")
    for child in data["subsidiaries"]:
        lines.append(f"subsidiary {child['reference']}: {child['name']}")
    for tool in data["tools"]:
        percent = "" if tool["percent"] is None else f" ({tool['percent']:g}%)"
        lines.append(f"tool {tool['name']}{percent}")
    return "\n".join(lines)


@app.command("show")
def org_show(reference: RefArgument, as_json: JsonOption = False) -> None:
    """Show an organisation's profile, websites, subsidiaries, offices and tools."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        return await _profile(session, await _organization(session, reference))

    data = run(work)
    emit(as_json, data, _describe(data))


def _pairs(option: str, values: list[str] | None) -> dict[str, str | None] | None:
    """``["fr=Bonjour", "en="]`` → ``{"fr": "Bonjour", "en": None}`` (empty removes)."""
    if not values:
        return None
    result: dict[str, str | None] = {}
    for value in values:
        language, sep, text = value.partition("=")
        if not sep or not language.strip():
            raise validation_failed(f"{option} expects LANGUAGE=TEXT, got {value!r}")
        result[language.strip()] = text or None
    return result


I18nOption = Annotated[list[str] | None, typer.Option(metavar="LANG=TEXT", show_default=False)]


@app.command("update")
def org_update(
    reference: RefArgument,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    slug: Annotated[str | None, typer.Option(help="URL slug.")] = None,
    description: Annotated[str | None, typer.Option(help="Description.")] = None,
    default_language: Annotated[str | None, typer.Option(help="e.g. fr, en.")] = None,
    media_website_url: Annotated[str | None, typer.Option(help="Website URL.")] = None,
    media_twitter: Annotated[str | None, typer.Option(help="Twitter handle.")] = None,
    media_facebook: Annotated[str | None, typer.Option(help="Facebook handle.")] = None,
    media_linkedin: Annotated[str | None, typer.Option(help="LinkedIn handle.")] = None,
    media_instagram: Annotated[str | None, typer.Option(help="Instagram handle.")] = None,
    media_youtube: Annotated[str | None, typer.Option(help="YouTube handle.")] = None,
    media_pinterest: Annotated[str | None, typer.Option(help="Pinterest handle.")] = None,
    logo_url: Annotated[str | None, typer.Option(help="Logo URL.")] = None,
    cover_url: Annotated[str | None, typer.Option(help="Cover image URL.")] = None,
    nb_employees: Annotated[int | None, typer.Option(help="Number of employees.")] = None,
    average_age: Annotated[int | None, typer.Option(help="Average age.")] = None,
    turnover: Annotated[int | None, typer.Option(help="Staff turnover, percent.")] = None,
    creation_year: Annotated[int | None, typer.Option(help="Year founded.")] = None,
    parity_men: Annotated[int | None, typer.Option(help="Men, percent.")] = None,
    parity_women: Annotated[int | None, typer.Option(help="Women, percent.")] = None,
    revenue: Annotated[str | None, typer.Option(help="Revenue, free text.")] = None,
    sectors: Annotated[
        str | None, typer.Option(help="Comma-separated sector references ('' clears).")
    ] = None,
    set_i18n_description: I18nOption = None,
    set_i18n_looking_for: I18nOption = None,
    set_i18n_good_to_know: I18nOption = None,
    set_i18n_cover: I18nOption = None,
    parent: Annotated[
        str | None, typer.Option(help="Make it a subsidiary of this organisation.")
    ] = None,
    no_parent: Annotated[bool, typer.Option("--no-parent", help="Detach from its parent.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Change the profile: only the options given; --set-i18n-* takes LANG=TEXT, LANG= removes."""
    values: dict[str, Any] = {
        "name": name,
        "slug": slug,
        "description": description,
        "default_language": default_language,
        "media_website_url": media_website_url,
        "media_twitter": media_twitter,
        "media_facebook": media_facebook,
        "media_linkedin": media_linkedin,
        "media_instagram": media_instagram,
        "media_youtube": media_youtube,
        "media_pinterest": media_pinterest,
        "logo_url": logo_url,
        "cover_url": cover_url,
        "nb_employees": nb_employees,
        "average_age": average_age,
        "turnover": turnover,
        "creation_year": creation_year,
        "parity_men": parity_men,
        "parity_women": parity_women,
        "revenue": revenue,
        "sectors": sectors,
        "parent_reference": parent,
    }
    data = {key: value for key, value in values.items() if value is not None}
    i18n = {
        "i18n_descriptions": ("--set-i18n-description", set_i18n_description),
        "i18n_looking_fors": ("--set-i18n-looking-for", set_i18n_looking_for),
        "i18n_good_to_knows": ("--set-i18n-good-to-know", set_i18n_good_to_know),
        "i18n_covers": ("--set-i18n-cover", set_i18n_cover),
    }

    async def work(session: AsyncSession) -> dict[str, Any]:
        from canopy.organizations import service
        from canopy.organizations.schemas import OrganizationUpdate
        from canopy.params import validate

        for field, (option, pairs) in i18n.items():
            parsed = _pairs(option, pairs)
            if parsed is not None:
                data[field] = parsed
        if no_parent:
            if parent is not None:
                raise validation_failed("--parent and --no-parent exclude each other")
            data["parent_reference"] = None
        if not data:
            raise validation_failed("nothing to change: give at least one option")
        changes = validate(OrganizationUpdate, data)
        organization = await _organization(session, reference)
        await service.update_profile(session, organization, changes, principal=None)
        return await _profile(session, organization)

    result = run(work)
    emit(as_json, result, f"organisation {reference} updated: {', '.join(sorted(data))}")


@website_app.command("add")
def website_add(
    reference: RefArgument,
    website_reference: Annotated[str, typer.Option("--reference", help="Website reference.")],
    name: Annotated[str, typer.Option(help="Website name.")],
    root_url: Annotated[str, typer.Option(help="Root URL of the site.")],
    kind: Annotated[str, typer.Option(help="single or multi.")] = "single",
    organization_url: Annotated[
        str | None, typer.Option(help="The organisation's page on the site.")
    ] = None,
    cover_url: Annotated[str | None, typer.Option(help="Cover image URL.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a website to an organisation, or replace the one with the same reference."""

    async def work(session: AsyncSession) -> tuple[dict[str, Any], bool]:
        from canopy.organizations import service
        from canopy.organizations.schemas import OrganizationWebsiteRead, WebsiteInput
        from canopy.params import validate

        website = validate(
            WebsiteInput,
            {
                "reference": website_reference,
                "name": name,
                "root_url": root_url,
                "kind": kind,
                "organization_url": organization_url,
                "cover_url": cover_url,
            },
        )
        organization = await _organization(session, reference)
        row, created = await service.put_website(session, organization, website)
        read = OrganizationWebsiteRead.model_validate(row, from_attributes=True)
        return read.model_dump(mode="json"), created

    data, created = run(work)
    verb = "added to" if created else "replaced on"
    emit(as_json, data, f"website {data['reference']} {verb} {reference}")


@website_app.command("remove")
def website_remove(
    reference: RefArgument,
    website_reference: Annotated[str, typer.Argument(metavar="WEBSITE", help="Website reference.")],
    as_json: JsonOption = False,
) -> None:
    """Remove a website from an organisation."""

    async def work(session: AsyncSession) -> None:
        from canopy.organizations import service

        organization = await _organization(session, reference)
        await service.remove_website(session, organization, website_reference)

    run(work)
    emit(
        as_json,
        {"organization_reference": reference, "reference": website_reference, "removed": True},
        f"website {website_reference} removed from {reference}",
    )


@subsidiary_app.command("add")
def subsidiary_add(
    parent: Annotated[str, typer.Argument(metavar="PARENT", help="Parent reference.")],
    child: Annotated[str, typer.Argument(metavar="CHILD", help="Subsidiary reference.")],
    as_json: JsonOption = False,
) -> None:
    """Make CHILD a subsidiary of PARENT."""

    async def work(session: AsyncSession) -> None:
        from canopy.organizations import service

        parent_org = await _organization(session, parent)
        child_org = await _organization(session, child)
        await service.set_parent(session, child_org, parent_org, param="")

    run(work)
    emit(
        as_json,
        {"parent_reference": parent, "reference": child},
        f"{child} is now a subsidiary of {parent}",
    )


@tool_app.command("set")
def tool_set(
    reference: RefArgument,
    tool: Annotated[str, typer.Option(help="Tool name (or alternative name).")],
    percent: Annotated[float, typer.Option(help="How much it is used, 0 to 100.")],
    comment: Annotated[str | None, typer.Option(help="A note.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a tool to an organisation's, or change its percent and comment."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        from canopy.organizations import service
        from canopy.organizations.schemas import ToolInput
        from canopy.params import validate
        from canopy.tools import service as tools_service

        item = validate(ToolInput, {"name": tool, "percent": percent, "comment": comment})
        organization = await _organization(session, reference)
        await service.set_tool(session, organization, item)
        tools = await tools_service.organization_tools(session, organization.id)
        return {
            "organization_reference": reference,
            "tools": [t.model_dump(mode="json") for t in tools],
        }

    data = run(work)
    emit(as_json, data, f"{reference} uses {tool} ({percent:g}%)")
