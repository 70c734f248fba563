"""The ``canopy`` command: serve, migrate, and administer organisations, users and tokens."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import migrate
from canopy.articles import commands as articles_commands
from canopy.clikit import (
    JsonOption,
    console,
    emit,
    fail,
    first_line,
    iso,
    load_settings,
    require_current_schema,
    run,
)
from canopy.errors import ApiError
from canopy.files import commands as files_commands
from canopy.images import commands as images_commands
from canopy.limits import commands as limits_commands
from canopy.models import Role
from canopy.organizations import commands as organizations_commands
from canopy.tools import commands as tools_commands
from canopy.videos import commands as videos_commands

app = typer.Typer(help="Canopy: a self-hostable recruiting platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = organizations_commands.app
images_commands.register(org_app)
videos_commands.register(org_app)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
member_app = typer.Typer(help="Organisation memberships.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
job_app = typer.Typer(help="Jobs.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(articles_commands.app, name="articles")
app.add_typer(tools_commands.app, name="tools")
app.add_typer(files_commands.app, name="storage")
app.add_typer(user_app, name="user")
app.add_typer(member_app, name="member")
app.add_typer(token_app, name="token")
app.add_typer(limits_commands.app, name="limits")
app.add_typer(job_app, name="job")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API (refuses to start on a database that is behind the code); SIGTERM
    stops it gracefully: requests in flight finish, new connections are refused, exit 0."""
    from canopy import serving

    settings = load_settings()
    require_current_schema(settings)
    settings.resolved_secret_key()  # create it once, before workers race for it
    serving.run(host=host, port=port, workers=workers, log_level=settings.log_level.lower())


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Apply every pending migration."""
    settings = load_settings()
    try:
        migrate.upgrade(settings)
        revision = migrate.current_revision(settings)
    except (OSError, DBAPIError) as exc:
        raise fail(f"cannot reach the database: {first_line(exc)}") from None
    emit(as_json, {"revision": revision}, f"database at revision {revision}")


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Option(help="Display name.")],
    slug: Annotated[str | None, typer.Option(help="URL slug (default: from the name).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an organisation and print its reference."""
    from canopy.organizations import service

    async def work(session: AsyncSession) -> dict[str, Any]:
        organization = await service.create(session, name, slug=slug)
        return {
            "reference": organization.reference,
            "name": organization.name,
            "slug": organization.slug,
        }

    data = run(work)
    emit(
        as_json,
        {"reference": data["reference"]},
        f"organisation {data['name']} ({data['slug']}): reference [bold]{data['reference']}[/]",
    )


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Email address (unique).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    as_json: JsonOption = False,
) -> None:
    """Create a user."""
    from canopy.users import service

    async def work(session: AsyncSession) -> dict[str, Any]:
        user = await service.create(session, email, name)
        return {"id": user.id, "email": user.email}

    data = run(work)
    emit(as_json, data, f"user {data['email']} created")


@member_app.command("add")
def member_add(
    org: Annotated[str, typer.Option(help="Organisation reference.")],
    user: Annotated[str, typer.Option(help="User email.")],
    role: Annotated[Role, typer.Option(help="admin, standard or limited.")] = Role.standard,
    as_json: JsonOption = False,
) -> None:
    """Make a user a member of an organisation (or change its role)."""
    from canopy.organizations import service as organizations
    from canopy.users import service as users

    async def work(session: AsyncSession) -> dict[str, Any]:
        organization = await organizations.by_reference(session, org)
        if organization is None:
            raise ApiError(404, f"no organisation with reference {org}")
        account = await users.by_email(session, user)
        if account is None:
            raise ApiError(404, f"no user with email {user}")
        membership = await users.add_member(session, organization, account, role)
        return {
            "organization_reference": organization.reference,
            "user": account.email,
            "role": membership.role.value,
        }

    data = run(work)
    emit(as_json, data, f"{data['user']} is {data['role']} of {data['organization_reference']}")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="Email of the token's user.")],
    scopes: Annotated[
        str,
        typer.Option(
            help="Comma-separated scopes and words: 'all' is every scope but the partnership "
            "ones (su_*, cms_*: across every organisation), 'partner' is those; "
            "'all,partner' is everything."
        ),
    ],
    name: Annotated[str, typer.Option(help="A label to recognise the token.")] = "api",
    expires_in_days: Annotated[int | None, typer.Option(help="Expire after N days.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a token and print it once: only its digest is stored."""
    from canopy.tokens import service as tokens
    from canopy.users import service as users

    async def work(session: AsyncSession) -> dict[str, Any]:
        account = await users.by_email(session, user)
        if account is None:
            raise ApiError(404, f"no user with email {user}")
        issued = await tokens.issue(
            session, account, scopes.split(","), name=name, expires_in_days=expires_in_days
        )
        return {"id": issued.token.id, "token": issued.secret}

    data = run(work)
    emit(as_json, data, f"token {data['id']} (shown once, keep it now):\n{data['token']}")


@token_app.command("list")
def token_list(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List tokens (never their secrets)."""
    from canopy.tokens import service as tokens
    from canopy.users import service as users

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        account = None
        if user is not None:
            account = await users.by_email(session, user)
            if account is None:
                raise ApiError(404, f"no user with email {user}")
        rows = []
        for token in await tokens.list_tokens(session, account):
            rows.append(
                {
                    "id": token.id,
                    "name": token.name,
                    "user_id": token.user_id,
                    "hint": token.hint + "…",
                    "scopes": token.scopes,
                    "created_at": iso(token.created_at),
                    "last_used_at": iso(token.last_used_at),
                    "expires_at": iso(token.expires_at),
                    "revoked_at": iso(token.revoked_at),
                }
            )
        return rows

    rows = run(work)
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    table = Table("id", "name", "user", "hint", "scopes", "last used", "expires", "revoked")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["name"],
            str(row["user_id"]),
            row["hint"],
            str(len(row["scopes"])),
            row["last_used_at"] or "-",
            row["expires_at"] or "-",
            row["revoked_at"] or "-",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="Token id (see `token list`).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke a token; every worker refuses it from the next request on."""
    from canopy.tokens import service as tokens

    async def work(session: AsyncSession) -> dict[str, Any]:
        token = await tokens.revoke(session, token_id)
        return {"id": token.id, "revoked_at": iso(token.revoked_at)}

    data = run(work)
    emit(as_json, data, f"token {data['id']} revoked")


@job_app.command("assign")
def job_assign(
    job: Annotated[str, typer.Option(help="Job reference.")],
    user: Annotated[str, typer.Option(help="User email.")],
    remove: Annotated[bool, typer.Option("--remove", help="Take the assignment back.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Assign a user to a job: a limited member reaches only its assigned jobs."""
    from canopy.jobs import service as jobs
    from canopy.users import service as users

    async def work(session: AsyncSession) -> dict[str, Any]:
        found = await jobs.by_reference(session, job)
        if found is None:
            raise ApiError(404, f"no job with reference {job}")
        account = await users.by_email(session, user)
        if account is None:
            raise ApiError(404, f"no user with email {user}")
        await jobs.assign(session, found, account.id, assigned=not remove)
        return {"job_reference": found.reference, "user": account.email, "assigned": not remove}

    data = run(work)
    verb = "assigned to" if data["assigned"] else "no longer assigned to"
    emit(as_json, data, f"{data['user']} {verb} {data['job_reference']}")


@app.command()
def demo(as_json: JsonOption = False) -> None:
    """Create the demo organisation and user if missing, and issue a fresh all-scope token."""
    from canopy import demo as demo_data

    settings = load_settings()
    data = run(lambda session: demo_data.ensure(session), settings)
    token_file = settings.var_dir / "demo-token"
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file already existed with looser rights
    with os.fdopen(descriptor, "w") as out:
        out.write(data["token"] + "\n")
    emit(
        as_json,
        {"organization_reference": data["organization_reference"], "token": data["token"]},
        f"demo organisation [bold]{data['organization_reference']}[/], user {data['email']}\n"
        f"token (all scopes; also in {token_file}):\n{data['token']}",
    )
