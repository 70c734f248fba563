"""`canopy storage …` commands: the object store against the database."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.exc import DBAPIError

from canopy.clikit import JsonOption, emit, fail, first_line, load_settings, require_current_schema

if TYPE_CHECKING:
    from canopy.files.check import Finding, Report

# The check is imported inside the command, as services are in canopy.cli: every `canopy`
# start loads this module.

app = typer.Typer(help="The object store that holds the files.", no_args_is_help=True)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> timedelta:
    """``90``, ``90s``, ``30m``, ``1h`` or ``2d``."""
    match = _DURATION.fullmatch(value.strip().lower())
    if match is None:
        raise typer.BadParameter(f"{value!r} is not a duration such as 90s, 30m, 1h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@app.command("check")
def check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Remove the orphans, and what interrupted writes left, older than --grace.",
        ),
    ] = False,
    grace: Annotated[
        str,
        typer.Option(
            help="Never touch unreferenced objects younger than this (an upload may not have "
            "committed yet): 90s, 30m, 1h, 2d.",
        ),
    ] = "1h",
    as_json: JsonOption = False,
) -> None:
    """Find orphan objects (unreferenced) and missing ones; exit 1 unless all is well."""
    from canopy.db import create_engine
    from canopy.files import check as check_service
    from canopy.files.service import storage_from_settings
    from canopy.files.storage import StorageError

    period = parse_duration(grace)
    settings = load_settings()
    require_current_schema(settings)

    async def main() -> Report:
        engine = create_engine(settings)
        storage = storage_from_settings(settings, create_root=False)
        try:
            return await check_service.check(engine, storage, grace=period, repair=repair)
        finally:
            await storage.aclose()
            await engine.dispose()

    try:
        report = asyncio.run(main())
    except StorageError as exc:
        raise fail(f"cannot use the storage: {first_line(exc)}") from None
    except (OSError, DBAPIError) as exc:
        raise fail(f"cannot reach the database: {first_line(exc)}") from None
    emit(as_json, report.as_json(), _describe(report))
    if not report.clean:
        raise fail(_problems(report))


def _describe(report: Report) -> str:
    lines = [
        f"{report.storage}: {report.objects} objects ({_size(report.bytes)}), "
        f"{report.references} references",
    ]
    grace = _duration(report.grace)

    def listed(finding: Finding, what: str, field: str = "key") -> None:
        for item in finding.items:
            lines.append(f"  {what} {item[field]}")
        if finding.count > len(finding.items):
            lines.append(f"  … and {finding.count - len(finding.items)} more")

    if report.orphans.count:
        verb = f"removed {report.orphans.removed}" if report.repair else "run with --repair"
        lines.append(
            f"[red]{report.orphans.count} orphan objects[/] ({_size(report.orphans.bytes)}, "
            f"older than {grace}; {verb})"
        )
        listed(report.orphans, "orphan")
    if report.recent.count:
        lines.append(
            f"{report.recent.count} unreferenced objects younger than {grace} left alone "
            "(uploads may be in flight)"
        )
    if report.leftovers.count:
        verb = f"removed {report.leftovers.removed}" if report.repair else "run with --repair"
        lines.append(f"[red]{report.leftovers.count} leftovers of interrupted writes[/] ({verb})")
        listed(report.leftovers, "leftover", "name")
    if report.missing.count:
        lines.append(f"[red]{report.missing.count} missing objects[/] (cannot be repaired)")
        for item in report.missing.items:
            lines.append(f"  {item['table']} {item['id']} {item['column']}: {item['key']}")
    if report.mismatched.count:
        lines.append(f"[red]{report.mismatched.count} objects of the wrong size[/]")
        for item in report.mismatched.items:
            lines.append(
                f"  {item['table']} {item['id']} {item['column']}: {item['key']} is "
                f"{item['stored_size']} bytes, not {item['size']}"
            )
    if report.clean:
        lines.append("[green]all is well[/]")
    return "\n".join(lines)


def _problems(report: Report) -> str:
    parts = []
    if report.orphans.count > report.orphans.removed:
        parts.append(f"{report.orphans.count - report.orphans.removed} orphan objects")
    if report.leftovers.count > report.leftovers.removed:
        parts.append(f"{report.leftovers.count - report.leftovers.removed} leftovers")
    if report.missing.count:
        parts.append(f"{report.missing.count} missing objects")
    if report.mismatched.count:
        parts.append(f"{report.mismatched.count} objects of the wrong size")
    return "the storage check found " + ", ".join(parts)


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _duration(period: timedelta) -> str:
    seconds = period.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size:g}{unit}"
    return f"{seconds:g}s"
