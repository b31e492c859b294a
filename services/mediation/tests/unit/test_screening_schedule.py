"""The screening cadence: village weekly, township fortnightly, county monthly."""

from __future__ import annotations

from datetime import date

from pingan_mediation.screening.schedule import current_periods


def periods(day: date) -> dict[str, tuple[date, date]]:
    return {p.level: (p.start, p.end) for p in current_periods(day)}


def test_a_monday_opens_its_week_its_fortnight_and_its_month():
    assert periods(date(2026, 12, 7)) == {
        "village": (date(2026, 12, 7), date(2026, 12, 13)),
        "township": (date(2026, 12, 7), date(2026, 12, 20)),
        "county": (date(2026, 12, 1), date(2026, 12, 31)),
    }


def test_the_second_week_of_a_fortnight_keeps_the_fortnight():
    assert periods(date(2026, 12, 16))["township"] == (date(2026, 12, 7), date(2026, 12, 20))
    assert periods(date(2026, 12, 16))["village"] == (date(2026, 12, 14), date(2026, 12, 20))


def test_weeks_and_months_cross_the_year():
    found = periods(date(2027, 1, 1))

    assert found["village"] == (date(2026, 12, 28), date(2027, 1, 3))
    assert found["county"] == (date(2027, 1, 1), date(2027, 1, 31))
    assert found["township"] == (date(2026, 12, 21), date(2027, 1, 3))
