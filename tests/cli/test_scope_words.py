"""The command line's scope words (§15.4): ``all`` is every scope but the partnership ones
(``su_*``, ``cms_*``), so a token made with it stays inside its user's organisations;
``partner`` adds those; the demo token holds both."""

from __future__ import annotations

import json

import httpx
import pytest

from canopy import scopes
from tests.fixtures.processes import Account, Canopy, describe

pytestmark = pytest.mark.slow

PARTNERSHIP = sorted(s for s in scopes.SCOPES if s.startswith(("su_", "cms_")))
INSIDE = sorted(s for s in scopes.SCOPES if not s.startswith(("su_", "cms_")))


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_all_stays_inside_the_organisation_and_partner_adds_the_partnership_scopes(
    migrated: Canopy, member: Account, api: httpx.AsyncClient
) -> None:
    words = ("all", "all,partner", "partner,me_r")
    created = migrated.run_all(
        [
            ("token", "create", "--user", member.email, "--scopes", scope_words, "--json")
            for scope_words in words
        ]
    )
    for result in created:
        assert result.returncode == 0, describe(result)
    secrets = {w: json.loads(r.stdout)["token"] for w, r in zip(words, created, strict=True)}
    listed = {token["id"]: token["scopes"] for token in migrated.json("token", "list")}
    by_words = {w: listed[json.loads(r.stdout)["id"]] for w, r in zip(words, created, strict=True)}

    assert PARTNERSHIP
    assert "jobs_rw" in INSIDE
    assert by_words["all"] == INSIDE
    assert by_words["all,partner"] == sorted(scopes.SCOPES)
    assert by_words["partner,me_r"] == sorted([*PARTNERSHIP, "me_r"])

    own = {"organization_reference": member.organization_reference}
    inside = _bearer(secrets["all"])
    everything = _bearer(secrets["all,partner"])
    assert (await api.get("/api/v1/external/jobs", params=own, headers=inside)).status_code == 200
    for path in ("/api/v1/external/jobs/all", "/api/v1/external/cms/articles/all"):
        refused = await api.get(path, headers=inside)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "invalid_scope"
        allowed = await api.get(path, headers=everything)
        assert allowed.status_code == 200, allowed.text


def test_the_help_names_the_scope_words(migrated: Canopy) -> None:
    result = migrated.ok("token", "create", "--help")

    # The help is drawn in a box: its borders and line breaks are not part of the text.
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "'all' is every scope but the partnership ones" in text
    assert "'partner'" in text


def test_the_demo_token_holds_every_scope_partnership_included(migrated: Canopy) -> None:
    migrated.json("demo")

    [token] = [row for row in migrated.rows("api_token") if row["revoked_at"] is None]
    stored = token["scopes"]
    held = json.loads(stored) if isinstance(stored, str) else stored
    assert sorted(held) == sorted(scopes.SCOPES)
