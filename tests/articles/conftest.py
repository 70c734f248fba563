from __future__ import annotations

import pytest

from tests.fixtures.builders import Actor, Builder


@pytest.fixture
async def reader(build: Builder) -> Actor:
    """A token holding ``cms_articles_r`` and nothing else."""
    return await build.actor(["cms_articles_r"])
