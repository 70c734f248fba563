from __future__ import annotations

import httpx
import pytest

from tests.documents.helpers import Target, new_target
from tests.fixtures.builders import Actor, Builder


@pytest.fixture
async def target(client: httpx.AsyncClient, admin: Actor, build: Builder) -> Target:
    """A candidate of `admin`'s, in a new job."""
    return await new_target(client, build, admin)
