"""How values look on the wire: timestamps with milliseconds in the configured time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer

_zone = ZoneInfo("Europe/Paris")


def set_timezone(zone: ZoneInfo) -> None:
    global _zone
    _zone = zone


def timezone() -> ZoneInfo:
    return _zone


def timestamp(value: datetime) -> str:
    """``2017-11-13T17:15:26.146+01:00``."""
    return value.astimezone(_zone).isoformat(timespec="milliseconds")


def midnight(value: date) -> str:
    """A date as the local midnight timestamp the contract uses for ``start_date``."""
    return datetime.combine(value, time(0), tzinfo=_zone).isoformat(timespec="milliseconds")


Timestamp = Annotated[datetime, PlainSerializer(timestamp, return_type=str)]
MidnightDate = Annotated[date, PlainSerializer(midnight, return_type=str)]
