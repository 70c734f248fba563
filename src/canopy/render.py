"""How values look on the wire: timestamps with milliseconds in the configured time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer

_zone = ZoneInfo("Europe/Paris")


def set_timezone(zone: ZoneInfo) -> None:
    global _zone
    _zone = zone
    _hours.clear()


def timezone() -> ZoneInfo:
    return _zone


def timestamp(value: datetime) -> str:
    """``2017-11-13T17:15:26.146+01:00``."""
    return value.astimezone(_zone).isoformat(timespec="milliseconds")


# By hour of UTC time ("2026-11-28 21"): the zone's offset then, how it is written ("+01:00")
# and, for a whole number of hours, the local date and hour ("2026-11-28T22"); no offset for
# an hour in which it changes.
_hours: dict[str, tuple[timedelta | None, str, str | None]] = {}
_MAX_HOURS = 4096
_LAST_MICROSECOND = timedelta(hours=1, microseconds=-1)


def stored_timestamp(value: str) -> str:
    """:func:`timestamp` of a UTC time written as SQLAlchemy stores one in SQLite
    (``2026-11-28 21:31:00.123456``), for a fraction of its cost: the zone is consulted once
    per hour of UTC time; within the hour the local time is the UTC time plus the offset, and
    with an offset of whole hours only the date and hour change, so the minutes, seconds and
    milliseconds are copied from the text."""
    hour = value[:13]
    found = _hours.get(hour)
    if found is None:
        if len(_hours) >= _MAX_HOURS:
            _hours.clear()
        found = _hours[hour] = _hour(value)
    offset, written, local_hour = found
    if local_hour is not None and len(value) == 26 and value[19] == ".":
        return local_hour + value[13:23] + written
    naive = datetime.fromisoformat(value)
    if offset is None or naive.tzinfo is not None:
        return timestamp(naive if naive.tzinfo else naive.replace(tzinfo=UTC))
    return (naive + offset).isoformat(timespec="milliseconds") + written


def utc_timestamp(value: datetime) -> str:
    """:func:`timestamp` of an aware datetime, by way of :func:`stored_timestamp`'s shortcut."""
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    return stored_timestamp(utc.isoformat(" ", "microseconds")[:26])


def _hour(value: str) -> tuple[timedelta | None, str, str | None]:
    naive = datetime.fromisoformat(value)
    if naive.tzinfo is not None or value[10:11] != " ":
        return None, "", None
    hour = naive.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    start, end = hour.astimezone(_zone), (hour + _LAST_MICROSECOND).astimezone(_zone)
    offset = start.utcoffset()
    if offset is None or offset != end.utcoffset():
        return None, "", None
    local = start.isoformat(timespec="milliseconds")
    # "YYYY-MM-DDTHH", then ":MM:SS.mmm", then the offset.
    whole = offset % timedelta(hours=1) == timedelta(0)
    return offset, local[23:], local[:13] if whole else None


def midnight(value: date) -> str:
    """A date as the local midnight timestamp the contract uses for ``start_date``."""
    return datetime.combine(value, time(0), tzinfo=_zone).isoformat(timespec="milliseconds")


Timestamp = Annotated[datetime, PlainSerializer(timestamp, return_type=str)]
MidnightDate = Annotated[date, PlainSerializer(midnight, return_type=str)]
