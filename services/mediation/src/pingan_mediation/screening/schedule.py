"""The cadence of proactive screening (排查), pure: village committees weekly (Monday to
Sunday), township centers fortnightly (two-week periods from Monday 5 January 2026), the county
monthly; campaigns before sensitive dates are opened by hand. Given a county date, which
periods are current."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

FORTNIGHT_ANCHOR = date(2026, 1, 5)  # a Monday: fortnights are counted from it


@dataclass(frozen=True)
class Period:
    level: str
    start: date
    end: date

    @property
    def title(self) -> str:
        names = {
            "village": "村（社区）周排查",
            "township": "乡镇（街道）半月排查",
            "county": "县月度排查",
        }
        return f"{names[self.level]} {self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}"


def current_periods(today: date) -> list[Period]:
    monday = today - timedelta(days=today.weekday())
    fortnight = (monday - FORTNIGHT_ANCHOR).days // 14
    fortnight_start = FORTNIGHT_ANCHOR + timedelta(days=14 * fortnight)
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return [
        Period("village", monday, monday + timedelta(days=6)),
        Period("township", fortnight_start, fortnight_start + timedelta(days=13)),
        Period("county", today.replace(day=1), month_end),
    ]
