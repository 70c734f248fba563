"""Readiness: can this process reach what it needs to answer requests?"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from canopy.files.storage import Storage

CHECK_TIMEOUT = 3.0
logger = logging.getLogger("canopy.ops")


async def _database(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def check_readiness(
    engine: AsyncEngine, storage: Storage, *, limit: float = CHECK_TIMEOUT
) -> dict[str, str]:
    """Each dependency's state, "ok" or "unavailable", both checked at once, each within
    ``limit`` seconds. Why one failed is logged, not returned: it may name hosts or paths."""
    checks: dict[str, Awaitable[None]] = {"database": _database(engine), "storage": storage.check()}

    async def run(name: str, check: Awaitable[None]) -> str:
        try:
            async with asyncio.timeout(limit):
                await check
        except Exception as exc:
            logger.warning("readiness check %s failed: %s", name, exc or type(exc).__name__)
            return "unavailable"
        return "ok"

    results = await asyncio.gather(*(run(name, check) for name, check in checks.items()))
    return dict(zip(checks, results, strict=True))
