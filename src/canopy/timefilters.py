"""``*_after`` filters (§15.1): a date means local midnight; a full timestamp is taken as is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import BeforeValidator

from canopy.render import timezone


def _after(value: Any) -> Any:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(0))
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                parsed = datetime.combine(date.fromisoformat(text), time(0))
            else:
                # An unencoded "+01:00" in a query string arrives as " 01:00".
                if "T" in text and text.count(" ") == 1:
                    text = text.replace(" ", "+")
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 timestamp") from exc
    else:
        raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 timestamp")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone())
    try:
        # Stored and compared in UTC: near year 1 or 9999 the conversion leaves the range.
        parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is out of range") from exc
    return parsed


AfterFilter = Annotated[datetime, BeforeValidator(_after)]
