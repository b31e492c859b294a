"""The periods a 稳定形势分析 report covers, pure: a month (``2026-11``) or a quarter
(``2026-Q4``), in county days, with the period before it (for 环比) and its Chinese name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

ReportKind = Literal["monthly", "quarterly"]
QUARTER_NAMES = "一二三四"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: ReportKind
    key: str  # 2026-11 or 2026-Q4
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        if self.kind == "monthly":
            return f"{self.first_day.year}年{self.first_day.month}月"
        quarter = (self.first_day.month - 1) // 3
        return f"{self.first_day.year}年第{QUARTER_NAMES[quarter]}季度"

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Period:
        return period_containing(self.kind, self.first_day - timedelta(days=1))


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_containing(kind: ReportKind, day: date) -> Period:
    if kind == "monthly":
        return Period(
            kind, f"{day.year}-{day.month:02d}", day.replace(day=1), _month_end(day.year, day.month)
        )
    quarter = (day.month - 1) // 3
    first = date(day.year, quarter * 3 + 1, 1)
    return Period(kind, f"{day.year}-Q{quarter + 1}", first, _month_end(day.year, quarter * 3 + 3))


def parse_period(kind: ReportKind, key: str) -> Period:
    """``2026-11`` for a monthly report, ``2026-Q4`` for a quarterly one."""
    pattern = _MONTH if kind == "monthly" else _QUARTER
    match = pattern.match(key)
    if match is None:
        example = "2026-11" if kind == "monthly" else "2026-Q4"
        raise BadPeriod(f"a {kind} period is written like {example}")
    year, part = int(match.group(1)), int(match.group(2))
    month = part if kind == "monthly" else (part - 1) * 3 + 1
    return period_containing(kind, date(year, month, 1))
