"""The official Chinese working-day calendar, in county time (Asia/Shanghai).

Shared: dispatch counts its SLA deadlines on it, mediation the court-procedure periods of its
cases (a period whose last day is a holiday ends on the next working day).

Which days are worked comes from the ``holidays`` package (``holidays.China``: the statutory
holidays with their substitute days off, and ``weekend_workdays``, the make-up working weekends
调休 decreed by the State Council each November), with an override file applied on top
(``data/workday_overrides.json``, date → working or not, each with its source). An admin table
can add more overrides later: build the calendar with ``WorkingCalendar(overrides=...)``.

The override file also says which years are official: 2025 and 2026 match the State Council
notices (checked day by day in the tests). 2027 is *provisional*: holidays 0.109 estimates the
public holidays and knows no make-up working weekends yet, and the official 2027 arrangement was
not available to us; ``is_provisional`` tells callers so, and adding the decreed days to the
override file (or the admin table) fixes every deadline from then on.

Working time, the model behind every function here:

* A working day is worked for its whole calendar day, 00:00–24:00 county time. Deadlines are
  counted in days, not office hours, as 12345 rules state them ("5 working days"). China has
  no daylight saving time, so every day is 24 hours.
* ``next_working_start(t)`` is when the working clock runs from: ``t`` itself on a working day,
  otherwise 00:00 of the next working day.
* ``add_working_days(t, n)`` ends at the same clock time on the n-th working day after the date
  of ``next_working_start(t)``. So a task assigned on Friday at 16:00 with 5 working days is due
  the next working Friday at 16:00, and one assigned on a Saturday or inside a holiday is due at
  00:00 on the n-th working day after the next working day — the unit gets n *full* working
  days. We chose 00:00 rather than 09:00 for a start on a non-working day because it keeps the
  clock monotonic: with 09:00, a task assigned on Sunday at 23:59 would be due later than one
  assigned on Monday at 00:01. The deadline always falls on a working day.
* ``working_time_between(a, b)`` is the working time elapsed from ``a`` to ``b`` (negative when
  ``b`` is before ``a``); ``working_days_between`` is the same as a float number of working days
  (``working_time / 24 h``). ``add_working_days(t, n)`` is exactly the earliest instant on a
  working day at which ``n`` working days have elapsed since ``t``.

Every input must be an aware datetime (naive ones are rejected with ``ValueError``, since a
naive time would silently be read in the server's zone); outputs are in county time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import holidays
from pydantic import BaseModel, ConfigDict, Field

from pingan_common.county_time import COUNTY_TZ

WORKING_DAY = timedelta(days=1)
OVERRIDES_FILE = "workday_overrides.json"
# A calendar lookup this far ahead means a bug (a deadline years away), not a real deadline.
_MAX_DAYS_SCANNED = 3660


@dataclass(frozen=True)
class DayOverride:
    day: date
    working: bool
    source: str


class _OverrideEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    working: bool
    source: str = Field(min_length=1)


class _OverrideFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    note: str = ""
    official_years: dict[int, str]
    provisional_years: dict[int, str] = Field(default_factory=dict)
    overrides: list[_OverrideEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class CalendarData:
    """What the override file (or an admin table) adds to the package's calendar."""

    version: str
    official_years: Mapping[int, str]
    provisional_years: Mapping[int, str]
    overrides: tuple[DayOverride, ...]


def parse_calendar_data(raw: Mapping[str, Any]) -> CalendarData:
    parsed = _OverrideFile.model_validate(raw)
    return CalendarData(
        version=parsed.version,
        official_years=dict(parsed.official_years),
        provisional_years=dict(parsed.provisional_years),
        overrides=tuple(DayOverride(e.date, e.working, e.source) for e in parsed.overrides),
    )


def load_calendar_data() -> CalendarData:
    text = resources.files("pingan_common").joinpath("data", OVERRIDES_FILE).read_text("utf-8")
    return parse_calendar_data(json.loads(text))


class WorkingCalendar:
    def __init__(
        self,
        overrides: Iterable[DayOverride] = (),
        official_years: Iterable[int] = (),
        version: str = "package-only",
    ) -> None:
        self._overrides = {o.day: o for o in overrides}
        self._official_years = frozenset(official_years)
        self.version = version
        self._china = holidays.China()
        self._working: dict[date, bool] = {}

    @classmethod
    def from_data(cls, data: CalendarData, extra: Iterable[DayOverride] = ()) -> WorkingCalendar:
        """The shipped data plus ``extra`` overrides (an admin table); ``extra`` wins."""
        return cls(
            overrides=(*data.overrides, *extra),
            official_years=data.official_years,
            version=data.version,
        )

    def override_for(self, day: date) -> DayOverride | None:
        return self._overrides.get(day)

    def is_provisional(self, day: date | datetime) -> bool:
        """True when the year's official 调休 arrangement is not in the calendar yet."""
        return _county_date(day).year not in self._official_years

    def is_working_day(self, day: date | datetime) -> bool:
        local_day = _county_date(day)
        known = self._working.get(local_day)
        if known is None:
            known = self._compute_working(local_day)
            self._working[local_day] = known
        return known

    def next_working_start(self, moment: datetime) -> datetime:
        local = to_county_time(moment)
        if self.is_working_day(local):
            return local
        return _midnight(self._next_working_date(local.date()))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        if n < 0:
            raise ValueError("n must be zero or more working days")
        begin = self.next_working_start(start)
        day = begin.date()
        for _ in range(n):
            day = self._next_working_date(day)
        return datetime.combine(day, begin.timetz())

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant on a working day at which ``amount`` working time has elapsed.

        ``add_working_time(t, n * 24 h) == add_working_days(t, n)``; fractions of a day are
        used for the 80 % warning of a working-day budget.
        """
        if amount < timedelta(0):
            raise ValueError("amount must not be negative")
        moment = self.next_working_start(start)
        remaining = amount
        while True:
            day_end = _midnight(moment.date() + timedelta(days=1))
            if remaining < day_end - moment:
                return moment + remaining
            remaining -= day_end - moment
            moment = _midnight(self._next_working_date(moment.date()))
            if remaining == timedelta(0):
                return moment

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time elapsed from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        start, end = to_county_time(a), to_county_time(b)
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta(0)
        moment = start
        while moment < end:
            day_end = min(_midnight(moment.date() + timedelta(days=1)), end)
            if self.is_working_day(moment):
                total += day_end - moment
            moment = day_end
        return total

    def working_days_between(self, a: datetime, b: datetime) -> float:
        """``working_time_between`` in working days (24 h each), as a float."""
        return self.working_time_between(a, b) / WORKING_DAY

    def next_working_date(self, day: date) -> date:
        """``day`` itself when it is worked, else the first working day after it."""
        return day if self.is_working_day(day) else self._next_working_date(day)

    def _next_working_date(self, day: date) -> date:
        for offset in range(1, _MAX_DAYS_SCANNED):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_DAYS_SCANNED} days after {day}")

    def _compute_working(self, day: date) -> bool:
        override = self._overrides.get(day)
        if override is not None:
            return override.working
        # The membership test comes first: it makes the package populate the day's year, which
        # is also what fills ``weekend_workdays`` for that year.
        is_public_holiday = day in self._china
        if day in self._china.weekend_workdays:
            return True
        return day.weekday() < 5 and not is_public_holiday


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The shipped calendar: the package plus ``data/workday_overrides.json``."""
    return WorkingCalendar.from_data(load_calendar_data())


def to_county_time(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give a time zone")
    return moment.astimezone(COUNTY_TZ)


def _county_date(day: date | datetime) -> date:
    if isinstance(day, datetime):
        return to_county_time(day).date()
    return day


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=COUNTY_TZ)
