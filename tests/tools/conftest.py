from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.organizations.helpers import load_catalogue


@pytest.fixture
async def catalogue(maker: async_sessionmaker[AsyncSession]) -> None:
    """The shipped tool catalogue in the database."""
    await load_catalogue(maker)
