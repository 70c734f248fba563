"""`canopy org show|update|website|subsidiary|tool` and `canopy tools import`, run as real
processes on an installation whose API then shows what they did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from canopy.errors import ApiError
from canopy.organizations.commands import _pairs
from tests.fixtures.processes import Account, Canopy, assert_error, describe
from tests.organizations.helpers import TOOLS, org_url

pytestmark = pytest.mark.slow


def _json(result: Any) -> Any:
    assert result.returncode == 0, describe(result)
    return json.loads(result.stdout)


async def test_org_commands_change_what_the_api_shows(
    migrated: Canopy, member: Account, api: httpx.AsyncClient
) -> None:
    ref = member.organization_reference
    child = migrated.seed().organization_reference
    imported, updated, added, adopted = migrated.run_all(
        [
            ("tools", "import", "--json"),
            (
                "org", "update", ref, "--description", "We build things",
                "--nb-employees", "185", "--parity-men", "38", "--parity-women", "62",
                "--sectors", "media-1,saas-cloud-services", "--media-twitter", "wttj_fr",
                "--set-i18n-description", "fr=Bonjour", "--set-i18n-description", "en=Hello",
                "--json",
            ),
            (
                "org", "website", "add", ref, "--reference", "wk-careers_acme",
                "--name", "Acme Careers", "--root-url", "https://acme.example", "--json",
            ),
            ("org", "subsidiary", "add", ref, child, "--json"),
        ]
    )  # fmt: skip

    assert _json(imported)["tools_created"] >= 60
    profile = _json(updated)
    assert profile["description"] == "We build things"
    assert profile["i18n_descriptions"] == {"fr": "Bonjour", "en": "Hello"}
    assert _json(added) == {
        "reference": "wk-careers_acme",
        "name": "Acme Careers",
        "kind": "single",
        "root_url": "https://acme.example",
        "organization_url": None,
        "cover_url": None,
    }
    assert _json(adopted) == {"parent_reference": ref, "reference": child}

    tool, removed = migrated.run_all(
        [
            ("org", "tool", "set", ref, "--tool", "python", "--percent", "60",
             "--comment", "The API", "--json"),
            ("org", "website", "remove", ref, "wk-careers_acme"),
        ]
    )  # fmt: skip
    assert _json(tool)["tools"] == [
        {
            **_json(tool)["tools"][0],
            "name": "Python",
            "percent": 60.0,
            "comment": "The API",
        }
    ]
    assert removed.returncode == 0, describe(removed)
    assert removed.stdout == f"website wk-careers_acme removed from {ref}\n"
    shown = migrated.json("org", "show", ref)

    _, secret = migrated.issue_token(member.email)
    headers = {"Authorization": f"Bearer {secret}"}
    api_view = (await api.get(org_url(ref), params={"offices": "true"}, headers=headers)).json()
    api_tools = (
        await api.get(TOOLS, params={"organization_reference": ref}, headers=headers)
    ).json()
    assert {k: v for k, v in shown.items() if k != "tools"} == api_view
    assert shown["tools"] == api_tools
    assert api_view["nb_employees"] == 185
    assert (api_view["parity_men"], api_view["parity_women"]) == (38, 62)
    assert api_view["sectors"] == ["media-1", "saas-cloud-services"]
    assert api_view["media_twitter"] == "wttj_fr"
    assert api_view["websites"] == []
    assert [s["reference"] for s in api_view["subsidiaries"]] == [child]
    assert [(t["name"], t["percent"], t["comment"]) for t in api_tools] == [
        ("Python", 60.0, "The API")
    ]


def test_org_command_errors_are_one_line(migrated: Canopy, member: Account, tmp_path: Path) -> None:
    ref = member.organization_reference
    missing = tmp_path / "missing.json"
    results = migrated.run_all(
        [
            ("org", "show", "Nope123"),
            ("org", "update", ref, "--parity-men", "101", "--set-i18n-description", "fr=Oui"),
            ("org", "subsidiary", "add", ref, ref),
            ("tools", "import", str(missing)),
        ]
    )
    messages = [
        "no organisation with reference Nope123",
        "parity_men is invalid: input should be less than or equal to 100",
        "an organization cannot be its own parent",
        f"cannot read {missing}: [Errno 2] No such file or directory: '{missing}'",
    ]
    for result, message in zip(results, messages, strict=True):
        assert_error(result, message)


def test_i18n_options_take_language_equals_text() -> None:
    assert _pairs("--set-i18n-cover", ["fr=https://a.b/c.jpg", " en =", "es=a=b"]) == {
        "fr": "https://a.b/c.jpg",
        "en": None,
        "es": "a=b",
    }
    assert _pairs("--set-i18n-cover", None) is None
    for bad in ("Bonjour", "=Bonjour"):
        with pytest.raises(ApiError) as raised:
            _pairs("--set-i18n-description", [bad])
        assert raised.value.description == (
            f"--set-i18n-description expects LANGUAGE=TEXT, got {bad!r}"
        )
