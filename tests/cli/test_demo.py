"""`canopy demo`: idempotent, and each run replaces the previous demo token."""

from __future__ import annotations

import re
import stat

import httpx
import pytest

from tests.fixtures.processes import Canopy

pytestmark = pytest.mark.slow


async def test_demo_reuses_its_organisation_and_replaces_its_token(
    migrated: Canopy, api: httpx.AsyncClient
) -> None:
    first = migrated.json("demo")
    second = migrated.json("demo")

    assert set(first) == set(second) == {"organization_reference", "token"}
    reference = first["organization_reference"]
    assert re.fullmatch(r"[A-Za-z0-9]{7}", reference)
    assert second["organization_reference"] == reference
    assert second["token"] != first["token"]

    old = await api.get(
        "/api/v1/external/departments",
        params={"organization_reference": reference},
        headers={"Authorization": f"Bearer {first['token']}"},
    )
    assert old.status_code == 401
    assert old.json()["error_description"] == "The access token has been revoked"
    new = await api.get(
        "/api/v1/external/users/current",
        params={"organizations": "true"},
        headers={"Authorization": f"Bearer {second['token']}"},
    )
    assert new.status_code == 200, new.text
    assert [(o["reference"], o["role"]) for o in new.json()["organizations"]] == [
        (reference, "admin")
    ]

    profile = await api.get(
        f"/api/v1/external/organizations/{reference}",
        headers={"Authorization": f"Bearer {second['token']}"},
    )
    assert profile.status_code == 200, profile.text
    body = profile.json()
    assert [w["reference"] for w in body["websites"]] == ["wk-careers_canopy-demo", "wttj_fr"]
    assert [s["name"] for s in body["subsidiaries"]] == ["Canopy Demo Labs"]
    assert body["description"]
    assert (body["parity_men"], body["parity_women"]) == (48, 52)
    assert body["sectors"]
    assert body["media_twitter"]
    # The tool catalogue is loaded once however often the demo runs.
    assert len(migrated.rows("tool")) >= 60
    assert len({row["name"] for row in migrated.rows("tool")}) == len(migrated.rows("tool"))
    assert len(migrated.rows("organization_tool")) == 3

    token_file = migrated.var_dir / "demo-token"
    assert token_file.read_text() == second["token"] + "\n"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    # The demo organisation and its subsidiary, made once.
    assert len(migrated.rows("organization")) == 2
    assert len(migrated.rows("user_account")) == 1
    demo_tokens = sorted(migrated.rows("api_token"), key=lambda row: row["id"])
    assert [row["revoked_at"] is None for row in demo_tokens] == [False, True]
