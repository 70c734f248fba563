"""`canopy org create`, `canopy user create` and `canopy member add`."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.fixtures.processes import Account, Canopy, assert_error, describe

pytestmark = pytest.mark.slow


def test_org_create_prints_a_seven_character_alphanumeric_reference(migrated: Canopy) -> None:
    as_json, human = migrated.run_all(
        [
            ("org", "create", "--name", "Acme Corp", "--json"),
            ("org", "create", "--name", "Acme Corp", "--slug", "acme"),
        ]
    )

    assert as_json.returncode == 0, describe(as_json)
    created = json.loads(as_json.stdout)
    assert list(created) == ["reference"]
    assert re.fullmatch(r"[A-Za-z0-9]{7}", created["reference"])
    assert human.returncode == 0, describe(human)
    match = re.fullmatch(
        r"organisation Acme Corp \(acme\): reference ([A-Za-z0-9]{7})\n", human.stdout
    )
    assert match, human.stdout
    assert match[1] != created["reference"]


def test_user_create_prints_the_user_and_refuses_a_duplicate_email(migrated: Canopy) -> None:
    created = migrated.json("user", "create", "--email", "Ada@Example.com", "--name", "Ada")

    assert created == {"id": created["id"], "email": "ada@example.com"}
    assert isinstance(created["id"], int)
    duplicate, malformed = migrated.run_all(
        [
            ("user", "create", "--email", "ada@example.com", "--name", "Ada again"),
            ("user", "create", "--email", "not-an-address", "--name", "Nobody"),
        ]
    )
    assert_error(duplicate, "a user with email ada@example.com already exists")
    assert_error(malformed, "'not-an-address' is not an email address")


async def test_member_add_makes_a_member_and_changes_its_role(
    migrated: Canopy, api: httpx.AsyncClient
) -> None:
    account = migrated.seed(role=None)
    reference = account.organization_reference

    added = migrated.json(
        "member", "add", "--org", reference, "--user", account.email, "--role", "limited"
    )
    assert added == {"organization_reference": reference, "user": account.email, "role": "limited"}
    changed = migrated.json(
        "member", "add", "--org", reference, "--user", account.email.upper(), "--role", "admin"
    )
    assert changed == {"organization_reference": reference, "user": account.email, "role": "admin"}

    _, secret = migrated.issue_token(account.email)
    response = await api.get(
        "/api/v1/external/users/current",
        params={"organizations": "true"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.text
    assert [(o["reference"], o["role"]) for o in response.json()["organizations"]] == [
        (reference, "admin")
    ]


def test_member_add_rejects_an_unknown_role_without_a_traceback(migrated: Canopy) -> None:
    result = migrated.run(
        "member", "add", "--org", "AbCdEf1", "--user", "ada@example.com", "--role", "boss"
    )

    assert result.returncode not in (0, 1), result.stderr  # a usage error, before any work
    assert "--role" in result.stderr
    assert "boss" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_member_add_names_an_unknown_organisation_or_user(
    migrated: Canopy, member: Account
) -> None:
    unknown_org, unknown_user = migrated.run_all(
        [
            ("member", "add", "--org", "NoSuch1", "--user", member.email, "--role", "admin"),
            (
                "member",
                "add",
                "--org",
                member.organization_reference,
                "--user",
                "bob@example.com",
                "--role",
                "admin",
            ),
        ]
    )
    assert_error(unknown_org, "no organisation with reference NoSuch1")
    assert_error(unknown_user, "no user with email bob@example.com")
