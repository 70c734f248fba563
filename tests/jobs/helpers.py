"""What the Jobs API tests share: paths, the contract's own examples, error and time checks."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.fixtures.assertions import TIMESTAMP as TIMESTAMP
from tests.fixtures.assertions import assert_error as assert_error
from tests.fixtures.assertions import assert_invalid as assert_invalid
from tests.fixtures.assertions import parse_time as parse_time
from tests.fixtures.builders import JOBS, OFFICES

__all__ = ["JOBS", "OFFICES"]

ALL = f"{JOBS}/all"

# §3.1, verbatim: the Job object as the contract shows it.
CONTRACT_JOB: dict[str, Any] = {
    "name": "Fake Job 2",
    "external_reference": "PROVIDER_REFERENCE2",
    "organization_reference": "Pg4eV6k",
    "status": "draft",
    "profile": "Fake Job Profile",
    "apply_url": "http://company.com/jobs/superjob/apply/",
    "company_description": "Fake Company Description.",
    "contract_duration_min": None,
    "experience_level": "1_TO_2_YEARS",
    "department_id": None,
    "profession_reference": "sales",
    "cms_sites_references": "wttj_fr,smgo_fr",
    "contract_duration_max": None,
    "start_date": "2016-09-01T00:00:00.000+02:00",
    "description": "Fake Job Description.",
    "contract_type": "FULL_TIME",
    "language": "en",
    "salary": {"min": "30000", "max": "40000", "currency": "EUR", "period": "yearly"},
    "remote": "fulltime",
    "office_id": 196,
    "reference": "WTTJ_gld0A7L",
    "education_level": "BAC_5",
    "created_at": "2017-11-13T17:15:26.146+01:00",
    "updated_at": "2017-11-13T17:15:26.146+01:00",
    "published_at": None,
    "archived_at": None,
}

# The keys every Job carries: §3.1 plus recruitment_process (accepted on input, returned).
JOB_KEYS = frozenset(CONTRACT_JOB) | {"recruitment_process"}

# §3.8, verbatim: the create request as the contract shows it (string numbers included).
CONTRACT_CREATE: dict[str, Any] = {
    "status": "published",
    "organization_reference": "Pg4eV6k",
    "profession_reference": "sales",
    "name": "Fake Job",
    "company_description": "Fake Company Description.",
    "description": "Fake Job Description.",
    "profile": "Fake Job Profile",
    "contract_type": "FULL_TIME",
    "language": "en",
    "salary_min": "30000",
    "salary_max": "40000",
    "salary_currency": "EUR",
    "salary_period": "yearly",
    "remote": "fulltime",
    "office_zip_code": "75002",
    "education_level": "BAC_5",
    "experience_level": "1_TO_2_YEARS",
    "apply_url": "http://company.com/jobs/superjob/apply/",
    "start_date": "2016-09-01",
    "external_reference": "PROVIDER_REFERENCE",
    "cms_sites_references": "wttj_fr,smgo_fr",
}

# The inclusion flags and the one key each adds to a Job.
FLAG_KEYS: dict[str, str] = {
    "stages": "stages",
    "websites": "websites",
    "office": "office",
    "offices": "offices",
    "candidates_count": "candidates_count",
    "application_fields": "application_fields",
    "organization": "organization",
}
ALL_FLAGS: dict[str, str] = dict.fromkeys(FLAG_KEYS, "true")

# §15.6, in order: (reference, name, visible).
DEFAULT_PIPELINE = [
    ("initial", "New", True),
    ("to_meet", "To meet", True),
    ("interviewed", "Interview", True),
    ("made_offer", "Offer", True),
    ("hired", "Hired", True),
    ("refused", "Refused", True),
    ("archived", "Archived", False),
]

SPONTANEOUS = "Spontaneous application"

JOB_REFERENCE = re.compile(r"^WTTJ_[A-Za-z0-9]{7}$")


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [job["name"] for job in response.json()]
