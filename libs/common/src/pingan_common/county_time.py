"""County time: the one time zone every deadline, document number and report day is read in.

A county in China keeps Beijing time; storing instants in UTC and reading days in county time
keeps "today", "this month" and "the 30th day" the same in every service.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

COUNTY_TZ = ZoneInfo("Asia/Shanghai")


def county_datetime(instant: datetime) -> datetime:
    """The instant as a county wall-clock time (aware)."""
    return instant.astimezone(COUNTY_TZ)


def county_date(instant: datetime) -> date:
    """The county calendar day the instant falls on."""
    return county_datetime(instant).date()


def start_of_county_day(day: date) -> datetime:
    """Midnight at the start of a county day, as an aware instant."""
    return datetime.combine(day, time.min, tzinfo=COUNTY_TZ)


def county_minute(instant: datetime) -> str:
    """The instant as people read it in the county: 2026-12-09 16:22."""
    return county_datetime(instant).strftime("%Y-%m-%d %H:%M")
