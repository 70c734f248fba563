"""The command-line fixtures (a fresh installation per test, the API on its database) for the
`canopy org` tests kept here."""

from __future__ import annotations

from tests.cli.conftest import api, canopy, member, migrated

__all__ = ["api", "canopy", "member", "migrated"]
