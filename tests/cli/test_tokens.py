"""`canopy token create|list|revoke`: shown once, stored as a digest, refused once revoked."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from canopy.auth import token_digest
from tests.fixtures.processes import Account, Canopy, assert_error, describe

pytestmark = pytest.mark.slow


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_token_create_prints_the_secret_once_and_the_token_works_with_its_scopes(
    migrated: Canopy, member: Account, api: httpx.AsyncClient
) -> None:
    created = migrated.json(
        "token", "create", "--user", member.email, "--scopes", "departments_rw,me_r",
        "--name", "ci", "--expires-in-days", "30",
    )  # fmt: skip

    assert created == {"id": created["id"], "token": created["token"]}
    assert isinstance(created["id"], int)
    secret = created["token"]
    assert secret.startswith("cnp_")
    reference = member.organization_reference
    response = await api.post(
        "/api/v1/external/departments",
        json={"organization_reference": reference, "name": "Tech"},
        headers=_bearer(secret),
    )
    assert response.status_code == 201, response.text
    response = await api.get("/api/v1/external/users/current", headers=_bearer(secret))
    assert response.status_code == 200, response.text
    assert response.json()["email"] == member.email
    response = await api.get(
        "/api/v1/external/offices",
        params={"organization_reference": reference},
        headers=_bearer(secret),
    )
    assert response.status_code == 403, response.text

    as_json, human = migrated.run_all([("token", "list", "--json"), ("token", "list")])
    assert as_json.returncode == human.returncode == 0, describe(as_json) + describe(human)
    assert secret not in as_json.stdout
    assert secret not in human.stdout
    [listed] = json.loads(as_json.stdout)
    assert listed["id"] == created["id"]
    assert listed["name"] == "ci"
    assert listed["hint"] == secret[:8] + "…"
    assert listed["scopes"] == ["departments_rw", "me_r"]
    assert listed["last_used_at"] is not None
    assert listed["revoked_at"] is None
    expires = datetime.fromisoformat(listed["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)


def test_token_create_refuses_an_unknown_scope_user_or_expiry_and_stores_nothing(
    migrated: Canopy, member: Account
) -> None:
    bad_scope, bad_user, bad_expiry = migrated.run_all(
        [
            ("token", "create", "--user", member.email, "--scopes", "jobs_r,bogus_rw,me_r"),
            ("token", "create", "--user", "nobody@example.com", "--scopes", "all"),
            ("token", "create", "--user", member.email, "--scopes", "all",
             "--expires-in-days", "0"),
        ]
    )  # fmt: skip

    assert_error(bad_scope, "unknown scope(s): bogus_rw")
    assert_error(bad_user, "no user with email nobody@example.com")
    assert_error(bad_expiry, "expires-in-days must be between 1 and 3650")
    assert migrated.rows("api_token") == []


async def test_token_revoke_makes_the_api_refuse_the_token(
    migrated: Canopy, member: Account, api: httpx.AsyncClient
) -> None:
    token_id, secret = migrated.issue_token(member.email, ["me_r"])
    response = await api.get("/api/v1/external/users/current", headers=_bearer(secret))
    assert response.status_code == 200, response.text

    revoked = migrated.json("token", "revoke", str(token_id))

    assert revoked == {"id": token_id, "revoked_at": revoked["revoked_at"]}
    assert datetime.fromisoformat(revoked["revoked_at"]) <= datetime.now(UTC)
    response = await api.get("/api/v1/external/users/current", headers=_bearer(secret))
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "error_description": "The access token has been revoked",
    }
    again, unknown = migrated.run_all(
        [("token", "revoke", str(token_id), "--json"), ("token", "revoke", "999999")]
    )
    assert again.returncode == 0, describe(again)
    assert json.loads(again.stdout) == revoked  # unchanged
    assert_error(unknown, "Token not found")


def test_database_stores_only_the_token_digest(migrated: Canopy, member: Account) -> None:
    secret = migrated.json("token", "create", "--user", member.email, "--scopes", "all")["token"]

    [row] = migrated.rows("api_token")
    assert row["digest"] == token_digest(secret) == hashlib.sha256(secret.encode()).hexdigest()
    for column, value in row.items():
        assert secret not in str(value), column
        assert secret[8:] not in str(value), column  # not even past the hint
    if migrated.database_url is None:  # SQLite: nowhere in the files either
        for path in migrated.var_dir.glob("canopy.db*"):
            assert secret[8:].encode() not in path.read_bytes(), path
