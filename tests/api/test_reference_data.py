"""Reference data: jobs dependencies (§3.2), languages (§3.3), professions (§3.4), sectors
(§6.7)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_error
from tests.fixtures.builders import Actor, Builder

DEPENDENCIES = "/api/v1/external/jobs/dependencies"
LANGUAGES = "/api/v1/external/languages"
PROFESSIONS = "/api/v1/external/professions"
SECTORS = "/api/v1/external/sectors"
LISTS = (LANGUAGES, PROFESSIONS, SECTORS)

# §9.3 and §9.4: the complete tables, in the documented order.
EDUCATION_LEVELS = [
    ("NO_DIPLOMA", "No Diploma", "Sans diplôme"),
    ("CAP", "Youth Training", "CAP"),
    ("BEP", "BTEC First Diploma", "BEP"),
    ("BAC", "BTEC National Diploma", "Bac"),
    ("BAC_1", "A-levels", "Bac +1"),
    ("BAC_2", "BTEC Higher National Diploma", "Bac +2"),
    ("BAC_3", "Bachelor's Degree", "Bac +3"),
    ("BAC_4", None, "Bac +4"),  # the contract has no English label ("-")
    ("BAC_5", "Master's Degree", "Bac +5 / Master"),
    ("PHD", "PhD and more", "> Bac +5 / Doctorat"),
]
EXPERIENCE_LEVELS = [
    ("LESS_THAN_6_MONTHS", "Less than 6 months", "Moins de 6 mois"),
    ("6_MONTHS_TO_1_YEAR", "6 months - 1 year", "6 mois à 1 an"),
    ("1_TO_2_YEARS", "1 - 2 years", "1 à 2 ans"),
    ("2_TO_3_YEARS", "2 - 3 years", "2 à 3 ans"),
    ("3_TO_4_YEARS", "3 - 4 years", "3 à 4 ans"),
    ("4_TO_5_YEARS", "4 - 5 years", "4 à 5 ans"),
    ("5_TO_7_YEARS", "5 - 7 years", "5 à 7 ans"),
    ("7_TO_10_YEARS", "7 - 10 years", "7 à 10 ans"),
    ("10_TO_15_YEARS", "10 - 15 years", "10 à 15 ans"),
    ("MORE_THAN_15_YEARS", "More than 15 years", "Plus de 15 ans"),
]


def _en_fr(item: dict[str, Any]) -> dict[str, Any]:
    """A dependency item cut down to the fields the contract shows (extra languages allowed)."""
    return {"id": item["id"], "name": {"en": item["name"]["en"], "fr": item["name"]["fr"]}}


async def _get(client: httpx.AsyncClient, actor: Actor, path: str) -> Any:
    response = await client.get(path, headers=actor.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


async def test_dependencies_have_the_contract_keys_and_example_items(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["jobs_r"])
    body = await _get(client, actor, DEPENDENCIES)
    assert set(body) == {
        "contract_types",
        "education_levels",
        "experience_levels",
        "remote_levels",
        "salary_currencies",
        "salary_periods",
        "cms_sites_references",
    }
    contract_types = [_en_fr(item) for item in body["contract_types"]]
    assert contract_types[:3] == [
        {"id": "FULL_TIME", "name": {"en": "Full-Time", "fr": "CDI"}},
        {"id": "TEMPORARY", "name": {"en": "Temporary", "fr": "CDD / Temporaire"}},
        {"id": "INTERNSHIP", "name": {"en": "Internship", "fr": "Stage"}},
    ]
    ids = [item["id"] for item in contract_types]
    for documented in ("PART_TIME", "FREELANCE", "APPRENTICESHIP"):
        assert documented in ids
    assert len(ids) == len(set(ids))
    assert [_en_fr(item) for item in body["remote_levels"]] == [
        {
            "id": "fulltime",
            "name": {"en": "Possible full remote", "fr": "Télétravail total possible"},
        },
        {
            "id": "partial",
            "name": {"en": "Partial remote authorized", "fr": "Télétravail partiel autorisé"},
        },
        {
            "id": "punctual",
            "name": {"en": "Occasional remote authorized", "fr": "Télétravail ponctuel autorisé"},
        },
        {"id": "no", "name": {"en": "Non authorized", "fr": "Non autorisé"}},
    ]
    assert body["salary_currencies"][:2] == ["EUR", "USD"]
    assert body["salary_periods"] == ["yearly", "monthly", "daily", "none"]
    assert body["cms_sites_references"] == ["wttj_fr", "smgo_fr"]


async def test_dependencies_list_every_education_and_experience_level_in_order(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["jobs_r"])
    body = await _get(client, actor, DEPENDENCIES)
    education = body["education_levels"]
    assert [item["id"] for item in education] == [row[0] for row in EDUCATION_LEVELS]
    for item, (_, en, fr) in zip(education, EDUCATION_LEVELS, strict=True):
        assert item["name"]["fr"] == fr
        if en is not None:
            assert item["name"]["en"] == en
    experience = [_en_fr(item) for item in body["experience_levels"]]
    assert experience == [
        {"id": id_, "name": {"en": en, "fr": fr}} for id_, en, fr in EXPERIENCE_LEVELS
    ]


async def test_dependencies_accept_jobs_rw_for_jobs_r(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["jobs_rw"])
    response = await client.get(DEPENDENCIES, headers=actor.headers)
    assert response.status_code == 200


async def test_dependencies_refuse_a_token_without_a_jobs_scope(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r", "departments_rw"])
    response = await client.get(DEPENDENCIES, headers=actor.headers)
    assert_error(response, 403, "invalid_scope", "This endpoint requires the jobs_r scope")


async def test_languages_contain_the_contract_example_in_order(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r"])
    body = await _get(client, actor, LANGUAGES)
    assert body[:3] == [
        {"name": "English", "reference": "en"},
        {"name": "French", "reference": "fr"},
        {"name": "Spanish; Castilian", "reference": "es"},
    ]
    references = [item["reference"] for item in body]
    assert {"cs", "sk"} <= set(references)
    assert len(references) == len(set(references))
    assert all(set(item) == {"name", "reference"} for item in body)


async def test_professions_contain_the_contract_example_items(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r"])
    body = await _get(client, actor, PROFESSIONS)
    for example in (
        {
            "fullname_translations": {
                "fr": "Business  > Business Development",
                "es": "Negocios  > Desarrollo de negocio",
                "en": "Business  > Business Development",
            },
            "fullname": "Business  > Business Development",
            "reference": "business_development",
        },
        {
            "fullname_translations": {
                "fr": "Business  > Acheteur",
                "es": "Negocios  > Compras",
                "en": "Business  > Purchasing",
            },
            "fullname": "Business  > Purchasing",
            "reference": "purchasing",
        },
        {
            "fullname_translations": {
                "fr": "Business  > Commercial",
                "es": "Negocios  > Comercial",
                "en": "Business  > Sales",
            },
            "fullname": "Business  > Sales",
            "reference": "sales",
        },
    ):
        assert example in body
    references = [item["reference"] for item in body]
    assert len(references) == len(set(references))
    assert all(set(item) == {"fullname_translations", "fullname", "reference"} for item in body)


async def test_sectors_contain_the_contract_example_items_with_string_ids(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r"])
    body = await _get(client, actor, SECTORS)
    for example in (
        {
            "id": "2",
            "fullname": {
                "es": "Tecnología > Big data",
                "en": "Tech > Big data",
                "fr": "Tech > Big data",
            },
            "parent": {"es": "Tecnología", "en": "Tech", "fr": "Tech", "_id": "1"},
            "names": {"es": "Big data", "en": "Big data", "fr": "Big data"},
            "reference": "big_data",
        },
        {
            "id": "3",
            "fullname": {
                "es": "Tecnología > Software",
                "en": "Tech > Software",
                "fr": "Tech > Logiciels",
            },
            "parent": {"es": "Tecnología", "en": "Tech", "fr": "Tech", "_id": "1"},
            "names": {"es": "Software", "en": "Software", "fr": "Logiciels"},
            "reference": "software",
        },
    ):
        assert example in body
    for item in body:
        assert isinstance(item["id"], str)
        assert isinstance(item["parent"]["_id"], str)
    assert len({item["reference"] for item in body}) == len(body)


async def test_reference_lists_need_only_a_valid_token(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["comments_w"])
    for path in LISTS:
        response = await client.get(path, headers=actor.headers)
        assert response.status_code == 200, path
        assert isinstance(response.json(), list)


async def test_reference_data_refuses_a_request_without_a_token(
    client: httpx.AsyncClient,
) -> None:
    for path in (DEPENDENCIES, *LISTS):
        response = await client.get(path)
        assert_error(response, 401, "unauthorized", "The access token is missing")


@pytest.mark.parametrize("path", LISTS)
async def test_head_on_a_reference_list_answers_the_get_headers_without_a_body(
    client: httpx.AsyncClient, admin: Actor, path: str
) -> None:
    got = await client.get(path, headers=admin.headers)
    head = await client.head(path, headers=admin.headers)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]
