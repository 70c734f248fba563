"""Public references (§15.5), drawn from a cryptographic random source."""

from __future__ import annotations

import secrets
import string

ALPHANUMERIC = string.ascii_letters + string.digits


def _alphanumeric(length: int) -> str:
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


def organization_reference() -> str:
    return _alphanumeric(7)


def job_reference() -> str:
    return "WTTJ_" + _alphanumeric(7)


def candidate_reference() -> str:
    return "wttj-" + secrets.token_hex(12)
