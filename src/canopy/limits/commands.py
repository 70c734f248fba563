"""`canopy limits …` commands."""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy.exc import DBAPIError

from canopy.clikit import JsonOption, emit, fail, first_line, load_settings, require_current_schema

app = typer.Typer(help="Rate limits and Idempotency-Keys.", no_args_is_help=True)


@app.command("purge")
def purge(as_json: JsonOption = False) -> None:
    """Delete expired Idempotency-Key answers, lapsed download slots and idle rate-limit
    buckets (workers also do it as they go, every ten minutes; run this from cron to keep
    the tables small when traffic is low)."""
    from canopy.limits.service import Limits

    settings = load_settings()
    require_current_schema(settings)

    async def work() -> dict[str, int]:
        limits = await Limits.open(settings)
        try:
            return await limits.purge()
        finally:
            await limits.aclose()

    try:
        counts = asyncio.run(work())
    except (OSError, DBAPIError) as exc:
        raise fail(f"cannot reach the database: {first_line(exc)}") from None
    emit(
        as_json,
        counts,
        f"deleted {counts['idempotency_keys']} expired Idempotency-Keys and "
        f"{counts['counters']} idle rate-limit counters",
    )
