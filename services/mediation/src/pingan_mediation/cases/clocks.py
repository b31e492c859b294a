"""The clocks of a case, pure: when it must be concluded, when the warning comes, how long the
parties have to ask the court for 司法确认, and when each agreement term falls due.

* An ordinary case is concluded within one month of its acceptance (People's Mediation Law:
  "一般应当在一个月内"), a court-referred one (诉前调解) within 30 days; either may be extended
  once, by 30 days, with a reason. The warning comes three weeks after acceptance.
* The parties may jointly apply for 司法确认 within 30 days of the agreement taking effect.
* Periods are counted in calendar days from the day after the start; a period whose last day is
  not a working day (a weekend or a statutory holiday, by the shared calendar with its make-up
  working days) ends on the next working day, as the Civil Procedure Law counts court periods.
  A period ends at the end of its last day, county time.
* A term falls due at the start of its due date and is breached once that day has ended
  without a recorded performance.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pingan_common.county_time import COUNTY_TZ
from pingan_common.workdays import WorkingCalendar, default_calendar, to_county_time

COURT_PERIOD_DAYS = 30
EXTENSION_DAYS = 30
CONFIRMATION_DAYS = 30
WARNING_AFTER = timedelta(weeks=3)
# After the extension the warning comes one week before the new deadline.
EXTENDED_WARNING_BEFORE = timedelta(weeks=1)


@dataclass(frozen=True)
class CaseClock:
    due_at: datetime
    warn_at: datetime


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=COUNTY_TZ)


def end_of(day: date) -> datetime:
    """The instant a day ends: 00:00 of the next day, county time."""
    return start_of(day + timedelta(days=1))


def add_month(day: date) -> date:
    """The same day next month, or that month's last day (31 Jan → 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_day(day: date, workdays: WorkingCalendar) -> date:
    """A period's last day, moved to the next working day when it falls on a rest day."""
    return workdays.next_working_date(day)


def conclusion_clock(
    accepted_at: datetime, *, court_referred: bool, workdays: WorkingCalendar | None = None
) -> CaseClock:
    workdays = workdays or default_calendar()
    start = to_county_time(accepted_at).date()
    end = start + timedelta(days=COURT_PERIOD_DAYS) if court_referred else add_month(start)
    return CaseClock(due_at=end_of(last_day(end, workdays)), warn_at=accepted_at + WARNING_AFTER)


def extended_due(due_at: datetime, workdays: WorkingCalendar | None = None) -> datetime:
    """The one extension: 30 more days from the current deadline's last day."""
    workdays = workdays or default_calendar()
    current_last = to_county_time(due_at - timedelta(microseconds=1)).date()
    return end_of(last_day(current_last + timedelta(days=EXTENSION_DAYS), workdays))


def confirmation_due_on(signed_at: datetime, workdays: WorkingCalendar | None = None) -> date:
    """The last day the parties may jointly apply for 司法确认."""
    workdays = workdays or default_calendar()
    signed = to_county_time(signed_at).date()
    return last_day(signed + timedelta(days=CONFIRMATION_DAYS), workdays)


def term_instants(due_on: date) -> tuple[datetime, datetime]:
    """(falls due, breached if not performed): the start and the end of the due date."""
    return start_of(due_on), end_of(due_on)
