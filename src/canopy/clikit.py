"""What every ``canopy`` command shares: settings, one transaction, and clean errors."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from canopy import migrate
from canopy.config import Settings, get_settings
from canopy.db import create_engine, create_sessionmaker
from canopy.errors import ApiError

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    # soft_wrap: one line whatever the terminal's width, for scripts reading stderr.
    errors.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    """The settings, or a clean exit 1 naming what is wrong with them."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            reason = error.get("ctx", {}).get("error") or error["msg"]
            field = f"CANOPY_{str(error['loc'][0]).upper()}: " if error["loc"] else ""
            problems.append(f"{field}{reason}")
        raise fail(f"invalid settings: {'; '.join(problems)}") from None


def require_current_schema(settings: Settings) -> None:
    """Exit 1 with one line when the database is unreachable or behind the code."""
    try:
        behind = migrate.pending(settings)
    except (OSError, DBAPIError) as exc:
        raise fail(f"cannot reach the database: {first_line(exc)}") from None
    if behind:
        raise fail("the database is behind the code: run `canopy db upgrade`")


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def run(work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run ``work`` in one committed transaction; an ApiError becomes a clean exit 1."""
    settings = settings or load_settings()
    require_current_schema(settings)

    async def main() -> T:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine, write=True)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except ApiError as exc:
        raise fail(exc.description) from None


def emit(as_json: bool, data: dict[str, Any], human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        console.print(human, highlight=False)


def iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None
