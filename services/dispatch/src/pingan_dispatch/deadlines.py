"""First SLA clock: deadlines from urgency, counted from assignment (not from sign-in).

Ordinary matters get 5 working days, skipping weekends; the official holiday calendar with its
make-up working days comes with the dispatch issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

COUNTY_TIMEZONE = ZoneInfo("Asia/Shanghai")

URGENT_HANDLING = timedelta(hours=2)
URGENT_SIGN_IN = timedelta(minutes=30)
ORDINARY_SIGN_IN = timedelta(hours=1)
ORDINARY_WORKING_DAYS = 5


@dataclass(frozen=True)
class Deadlines:
    accept_due_at: datetime
    due_at: datetime


def deadlines_for(urgency: str, assigned_at: datetime) -> Deadlines:
    if urgency == "urgent":
        return Deadlines(assigned_at + URGENT_SIGN_IN, assigned_at + URGENT_HANDLING)
    return Deadlines(
        assigned_at + ORDINARY_SIGN_IN, add_weekdays(assigned_at, ORDINARY_WORKING_DAYS)
    )


def add_weekdays(start: datetime, days: int) -> datetime:
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.astimezone(COUNTY_TIMEZONE).weekday() < 5:
            remaining -= 1
    return current
