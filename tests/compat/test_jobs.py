# The documented examples are copied as the contract prints them, long lines included.
# ruff: noqa: E501
"""The Jobs API examples of the docs (§3), each sent as the docs write it and its answer
compared field by field with the documented one."""

from __future__ import annotations

from typing import Any

import httpx

from tests.compat.documented import assert_documented
from tests.compat.helpers import (
    BASE,
    bearer,
    fake_job_2,
    json_headers,
    office,
    ok,
    put_profile,
    stage_ids,
)
from tests.fixtures.builders import Actor, Builder
from tests.jobs.helpers import CONTRACT_JOB

JOBS = f"{BASE}/jobs"

# §3.1: the Job object, as the contract shows it.
JOB: dict[str, Any] = CONTRACT_JOB

# §3.7: the full "Retrieve a job" example, every inclusion flag on; `...` where the docs
# truncate (§3.1's flag table for application_fields, the Slate source for websites).
RETRIEVED_JOB: dict[str, Any] = {
    "name": "Fake Job 2", "external_reference": "PROVIDER_REFERENCE2", "organization_reference": "Pg4eV6k",
    "status": "draft", "profile": "Fake Job Profile", "apply_url": "http://company.com/jobs/superjob/apply/",
    "company_description": "Fake Company Description.", "contract_duration_min": None, "experience_level": "1_TO_2_YEARS",
    "department_id": None, "profession_reference": "sales", "cms_sites_references": "wttj_fr,smgo_fr",
    "contract_duration_max": None, "start_date": "2016-09-01T00:00:00.000+02:00", "description": "Fake Job Description.",
    "contract_type": "FULL_TIME", "language": "en",
    "salary": {"min": "30000", "max": "40000", "currency": "EUR", "period": "yearly"},
    "remote": "fulltime", "office_id": 196, "reference": "WTTJ_gld0A7L", "education_level": "BAC_5",
    "stages": [{"visible": True, "reference": "initial", "id": 5395, "name": "Nouveau", "candidates_count": 4}, ...],
    "candidates_count": 13,
    "created_at": "2017-11-13T17:15:26.146+01:00", "updated_at": "2017-11-13T17:15:26.146+01:00",
    "published_at": None, "archived_at": None,
    "websites": [{"reference": "wttj_fr", "name": "Welcome to the Jungle", "url": "http://preprod.welcometothejungle.co/companies/wttj/jobs/fake-job-2"}, ...],
    "application_fields": [{"name": "resume", "mode": "mandatory"}, {"name": "portfolio", "mode": "disabled"}, ...],
    "organization": {"name": "wttj", "slug": "wttj", "description": "Lorem ipsum", "logo": "https://....."},
}  # fmt: skip

# §3.1: the `stages` array with `candidates_count=true`.
STAGES: list[dict[str, Any]] = [
    {"visible": True, "reference": "initial", "id": 5395, "name": "Nouveau", "candidates_count": 4},
    {"reference": "refused", "visible": True, "id": 5396, "name": "Refusé", "candidates_count": 2},
    {"id": 5397, "name": "À rencontrer", "reference": None, "visible": True, "candidates_count": 1},
]

# §3.8: the "Create a job" request.
CREATE: dict[str, Any] = {
    "status": "published", "organization_reference": "Pg4eV6k", "profession_reference": "sales",
    "name": "Fake Job", "company_description": "Fake Company Description.", "description": "Fake Job Description.",
    "profile": "Fake Job Profile", "contract_type": "FULL_TIME", "language": "en",
    "salary_min": "30000", "salary_max": "40000", "salary_currency": "EUR", "salary_period": "yearly",
    "remote": "fulltime", "office_zip_code": "75002", "education_level": "BAC_5", "experience_level": "1_TO_2_YEARS",
    "apply_url": "http://company.com/jobs/superjob/apply/", "start_date": "2016-09-01",
    "external_reference": "PROVIDER_REFERENCE", "cms_sites_references": "wttj_fr,smgo_fr",
}  # fmt: skip

# §1.4: the paging headers of a one-page answer (X-Total is the test's own).
PAGING = {
    "X-Total": "18",
    "X-Total-Pages": "1",
    "X-Per-Page": "100",
    "X-Page": "1",
    "X-Offset": "0",
}

# What Canopy generates in a Job: compared by type and format only.
GENERATED = ("organization_reference", "reference", "office_id", "created_at", "updated_at")

# §3.2: the dependencies example (each `...` of the docs kept).
DEPENDENCIES: dict[str, Any] = {
    "contract_types": [{"id": "FULL_TIME", "name": {"en": "Full-Time", "fr": "CDI"}},
                       {"id": "TEMPORARY", "name": {"en": "Temporary", "fr": "CDD / Temporaire"}},
                       {"id": "INTERNSHIP", "name": {"en": "Internship", "fr": "Stage"}}, ...],
    "education_levels": [{"id": "NO_DIPLOMA", "name": {"en": "No Diploma", "fr": "Sans diplôme"}}, ...],
    "experience_levels": [{"id": "LESS_THAN_6_MONTHS", "name": {"en": "Less than 6 months", "fr": "Moins de 6 mois"}}, ...],
    "remote_levels": [
        {"id": "fulltime", "name": {"en": "Possible full remote", "fr": "Télétravail total possible"}},
        {"id": "partial", "name": {"en": "Partial remote authorized", "fr": "Télétravail partiel autorisé"}},
        {"id": "punctual", "name": {"en": "Occasional remote authorized", "fr": "Télétravail ponctuel autorisé"}},
        {"id": "no", "name": {"en": "Non authorized", "fr": "Non autorisé"}},
    ],
    "salary_currencies": ["EUR", "USD", ...],
    "salary_periods": ["yearly", "monthly", "daily", "none"],
    "cms_sites_references": ["wttj_fr", "smgo_fr", ...],
}  # fmt: skip

# §9.2-§9.4: the full enumerations, (id, en, fr); None where the docs give no label (BAC_4's
# English one is a bare "-" in the 2016 table).
CONTRACT_TYPES = [
    ("FULL_TIME", "Full-Time", "CDI"),
    ("TEMPORARY", "Temporary", "CDD / Temporaire"),
    ("INTERNSHIP", "Internship", "Stage"),
]
CONTRACT_TYPE_IDS = {
    "FULL_TIME",
    "PART_TIME",
    "TEMPORARY",
    "FREELANCE",
    "INTERNSHIP",
    "APPRENTICESHIP",
}
EDUCATION_LEVELS = [
    ("NO_DIPLOMA", "No Diploma", "Sans diplôme"),
    ("CAP", "Youth Training", "CAP"),
    ("BEP", "BTEC First Diploma", "BEP"),
    ("BAC", "BTEC National Diploma", "Bac"),
    ("BAC_1", "A-levels", "Bac +1"),
    ("BAC_2", "BTEC Higher National Diploma", "Bac +2"),
    ("BAC_3", "Bachelor's Degree", "Bac +3"),
    ("BAC_4", None, "Bac +4"),
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

# §3.3: the languages example.
LANGUAGES = [
    {"name": "English", "reference": "en"},
    {"name": "French", "reference": "fr"},
    {"name": "Spanish; Castilian", "reference": "es"},
]

# §3.4: the professions example (the double space before ">" is the docs').
PROFESSIONS = [
    {"fullname_translations": {"fr": "Business  > Business Development", "es": "Negocios  > Desarrollo de negocio", "en": "Business  > Business Development"},
     "fullname": "Business  > Business Development", "reference": "business_development"},
    {"fullname_translations": {"fr": "Business  > Acheteur", "es": "Negocios  > Compras", "en": "Business  > Purchasing"},
     "fullname": "Business  > Purchasing", "reference": "purchasing"},
    {"fullname_translations": {"fr": "Business  > Commercial", "es": "Negocios  > Comercial", "en": "Business  > Sales"},
     "fullname": "Business  > Sales", "reference": "sales"},
]  # fmt: skip


async def _fake_job_2(client: httpx.AsyncClient, admin: Actor, **fields: Any) -> dict[str, Any]:
    paris = await office(client, admin)
    return await fake_job_2(client, admin, paris["id"], **fields)


async def test_list_jobs_example_answers_documented_job_objects(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    job = await _fake_job_2(client, admin, status="published")

    # curl -X GET -G ".../jobs" -d "organization_reference=Pg4eV6k" -d "status=published"
    #   -d "created_after=2017-10-30"
    response = await client.get(
        JOBS,
        params={
            "organization_reference": admin.org,
            "status": "published",
            "created_after": "2017-10-30",
        },
        headers=bearer(admin),
    )

    listed = ok(response)
    assert isinstance(listed, list)
    mine = [item for item in listed if item["reference"] == job["reference"]]
    assert len(mine) == 1, listed
    assert_documented(JOB, mine[0], shape_only=(*GENERATED, "status", "published_at"))
    assert mine[0]["status"] == "published"
    # §1.4: the paging headers come with every list, the spontaneous job counted.
    paging = {name: response.headers.get(name) for name in PAGING}
    assert paging == {**PAGING, "X-Total": str(len(listed))}
    assert len(listed) == 2


async def test_retrieve_job_example_with_every_inclusion_matches_the_documented_job(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    await put_profile(
        client, admin, name="wttj", slug="wttj", description="Lorem ipsum",
        logo_url="https://cdn.example.com/logo.png",
    )  # fmt: skip
    job = await _fake_job_2(client, admin)
    ids = await stage_ids(client, admin, job["reference"])
    await build.candidates(job["reference"], [ids["initial"]] * 4 + [ids["refused"]] * 2)

    # curl -X GET -G ".../jobs/:reference" -d "stages=true" -d "websites=true" (and the other
    # documented flags of §3.7's full example)
    response = await client.get(
        f"{JOBS}/{job['reference']}",
        params={
            "stages": "true",
            "websites": "true",
            "candidates_count": "true",
            "application_fields": "true",
            "organization": "true",
        },
        headers=bearer(admin),
    )

    body = ok(response)
    assert_documented(
        RETRIEVED_JOB,
        body,
        shape_only=(
            *GENERATED,
            "stages",
            "candidates_count",
            "websites.*.url",
            "organization.logo",
        ),
    )
    assert body["reference"] == job["reference"]
    assert body["organization_reference"] == admin.org
    assert body["candidates_count"] == 6
    counts = {stage["reference"]: stage["candidates_count"] for stage in body["stages"]}
    assert (counts["initial"], counts["refused"]) == (4, 2)
    assert body["websites"][0]["url"].startswith("http")


async def test_candidates_count_without_a_candidates_scope_leaves_the_counts_out(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await _fake_job_2(client, admin)
    reader = await build.actor(["jobs_r"], organization=admin.organization)

    # "Counters need candidates_r/candidates_rw plus candidates_count=true" (§3.7, §15.2).
    response = await client.get(
        f"{JOBS}/{job['reference']}",
        params={"stages": "true", "candidates_count": "true"},
        headers=bearer(reader),
    )

    body = ok(response)
    assert "candidates_count" not in body
    assert all("candidates_count" not in stage for stage in body["stages"])
    assert_documented(JOB, body, shape_only=GENERATED)


async def test_stages_example_of_the_job_object_has_the_documented_shape(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await _fake_job_2(client, admin)
    ids = await stage_ids(client, admin, job["reference"])
    await build.candidates(job["reference"], [ids["to_meet"]])

    body = ok(
        await client.get(
            f"{JOBS}/{job['reference']}",
            params={"stages": "true", "candidates_count": "true"},
            headers=bearer(admin),
        )
    )

    # Canopy's pipeline is its own (§15.6): every stage has the documented shape.
    assert_documented([STAGES[0], ...], body["stages"], values=False)
    assert [stage["reference"] for stage in body["stages"]][:2] == ["initial", "to_meet"]
    assert body["stages"][1]["candidates_count"] == 1


async def test_create_job_example_creates_the_documented_job(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # The example names no city: it finds the organisation's office by its zip code.
    paris = await office(client, admin)

    response = await client.post(
        JOBS, json={**CREATE, "organization_reference": admin.org}, headers=json_headers(admin)
    )

    body = ok(response, 201)
    expected = {
        **JOB,
        "name": "Fake Job",
        "external_reference": "PROVIDER_REFERENCE",
        "status": "published",
        "published_at": "2017-11-13T17:15:26.146+01:00",
    }
    assert_documented(expected, body, shape_only=(*GENERATED, "published_at"))
    assert body["office_id"] == paris["id"]
    assert body["organization_reference"] == admin.org


async def test_update_job_example_answers_the_updated_job(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    job = await _fake_job_2(client, admin, name="Old name", external_reference="OLD")
    # §3.9: the create example's fields, without status, organization and profession.
    update = {
        k: v
        for k, v in CREATE.items()
        if k not in ("status", "organization_reference", "profession_reference")
    }

    response = await client.put(
        f"{JOBS}/{job['reference']}", json=update, headers=json_headers(admin)
    )

    body = ok(response)
    expected = {**JOB, "name": "Fake Job", "external_reference": "PROVIDER_REFERENCE"}
    assert_documented(expected, body, shape_only=GENERATED)
    assert body["reference"] == job["reference"]


async def test_update_job_status_example_publishes_the_job(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    job = await _fake_job_2(client, admin)

    response = await client.put(
        f"{JOBS}/{job['reference']}/update_status",
        json={"status": "published"},
        headers=json_headers(admin),
    )

    body = ok(response)
    expected = {**JOB, "status": "published", "published_at": "2017-11-13T17:15:26.146+01:00"}
    assert_documented(expected, body, shape_only=(*GENERATED, "published_at"))


async def test_list_all_jobs_answers_documented_job_objects_across_organizations(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await _fake_job_2(client, admin, status="published")
    partner = await build.actor(["su_jobs_r"])

    # §3.5's parameters with the docs' example values.
    response = await client.get(
        f"{JOBS}/all",
        params={
            "status": "published",
            "contract_type": "FULL_TIME",
            "cms_sites_references": "wttj_fr,jungle",
            "created_after": "2015-11-26",
        },
        headers=bearer(partner),
    )

    listed = ok(response)
    mine = [item for item in listed if item["reference"] == job["reference"]]
    assert len(mine) == 1, listed
    assert_documented(JOB, mine[0], shape_only=(*GENERATED, "status", "published_at"))


async def test_dependencies_example_lists_the_documented_values(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    # curl -X GET -G ".../jobs/dependencies" -H "Content-Type: application/json" -H "Authorization: …"
    response = await client.get(
        f"{JOBS}/dependencies", headers={"Content-Type": "application/json", **bearer(admin)}
    )

    body = ok(response)
    assert_documented(DEPENDENCIES, body)
    for key, documented in (
        ("contract_types", CONTRACT_TYPES),
        ("education_levels", EDUCATION_LEVELS),
        ("experience_levels", EXPERIENCE_LEVELS),
    ):
        served = {item["id"]: (item["name"]["en"], item["name"]["fr"]) for item in body[key]}
        for ident, en, fr in documented:
            assert ident in served, (key, ident)
            assert served[ident] == (en or served[ident][0], fr), (key, ident, served[ident])
    assert {item["id"] for item in body["contract_types"]} >= CONTRACT_TYPE_IDS


async def test_languages_example_with_a_lower_case_bearer_lists_the_documented_languages(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["me_r"])  # "This endpoint just requires a valid token."

    # -H "Authorization: bearer WK_API_KEY", as the docs write it here.
    response = await client.get(
        f"{BASE}/languages",
        headers={"Content-Type": "application/json", **bearer(actor, "bearer")},
    )

    body = ok(response)
    served = {item["reference"]: item for item in body}
    for language in LANGUAGES:
        assert_documented(language, served.get(language["reference"]))


async def test_professions_example_lists_the_documented_professions(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(["me_r"])

    response = await client.get(
        f"{BASE}/professions", headers={"Content-Type": "application/json", **bearer(actor)}
    )

    body = ok(response)
    served = {item["reference"]: item for item in body}
    for profession in PROFESSIONS:
        assert_documented(profession, served.get(profession["reference"]))
