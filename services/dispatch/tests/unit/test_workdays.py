"""The working-day calendar, pure: official holidays, make-up working weekends (调休), overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from pingan_dispatch.sla.workdays import (
    DayOverride,
    WorkingCalendar,
    default_calendar,
    load_calendar_data,
    parse_calendar_data,
)

CHINA = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(n) for n in range((last - first).days + 1)}


# The State Council notices, as published: days off (放假调休) and make-up working days (上班).
OFFICIAL = {
    # 国务院办公厅关于2025年部分节假日安排的通知
    2025: (
        days(date(2025, 1, 1), date(2025, 1, 1))
        | days(date(2025, 1, 28), date(2025, 2, 4))
        | days(date(2025, 4, 4), date(2025, 4, 6))
        | days(date(2025, 5, 1), date(2025, 5, 5))
        | days(date(2025, 5, 31), date(2025, 6, 2))
        | days(date(2025, 10, 1), date(2025, 10, 8)),
        {date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28)}
        | {date(2025, 10, 11)},
    ),
    # 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)
    2026: (
        days(date(2026, 1, 1), date(2026, 1, 3))
        | days(date(2026, 2, 15), date(2026, 2, 23))
        | days(date(2026, 4, 4), date(2026, 4, 6))
        | days(date(2026, 5, 1), date(2026, 5, 5))
        | days(date(2026, 6, 19), date(2026, 6, 21))
        | days(date(2026, 9, 25), date(2026, 9, 27))
        | days(date(2026, 10, 1), date(2026, 10, 7)),
        {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9)}
        | {date(2026, 9, 20), date(2026, 10, 10)},
    ),
}


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_every_day_of_an_official_year_matches_the_state_council_notice(year: int):
    days_off, make_up_days = OFFICIAL[year]
    calendar = default_calendar()

    wrong = [
        day
        for day in days(date(year, 1, 1), date(year, 12, 31))
        if calendar.is_working_day(day)
        != (day in make_up_days or (day.weekday() < 5 and day not in days_off))
    ]

    assert wrong == []
    assert not calendar.is_provisional(date(year, 6, 1))


def test_three_working_days_after_the_friday_before_spring_festival_2026_end_on_feb_25():
    # ECOSYSTEM.md, checked with both holidays and chinesecalendar: Feb 14 (a Saturday) is
    # worked, Feb 15–23 are off.
    friday = at(2026, 2, 13, 10)

    assert default_calendar().add_working_days(friday, 3) == at(2026, 2, 25, 10)


def test_spring_festival_2026_make_up_saturdays_are_working_days():
    calendar = default_calendar()

    assert calendar.is_working_day(date(2026, 2, 14))
    assert calendar.is_working_day(date(2026, 2, 28))
    assert not any(calendar.is_working_day(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))


def test_spring_festival_2025_skips_the_holiday_and_counts_the_make_up_days():
    calendar = default_calendar()

    # Jan 27 (Mon) + 1: Jan 28 – Feb 4 are off, so the next working day is Feb 5.
    assert calendar.add_working_days(at(2025, 1, 27, 10), 1) == at(2025, 2, 5, 10)
    # Friday Jan 24 + 1 lands on Sunday Jan 26, a make-up working day.
    assert calendar.add_working_days(at(2025, 1, 24, 16), 1) == at(2025, 1, 26, 16)
    # Feb 7 (Fri) + 1 lands on Saturday Feb 8, also worked.
    assert calendar.add_working_days(at(2025, 2, 7, 9), 1) == at(2025, 2, 8, 9)


def test_national_day_2025_is_eight_days_off_between_two_worked_weekend_days():
    calendar = default_calendar()

    assert calendar.add_working_days(at(2025, 9, 26, 15), 1) == at(2025, 9, 28, 15)  # Sunday
    assert calendar.add_working_days(at(2025, 9, 30, 15), 1) == at(2025, 10, 9, 15)
    assert calendar.add_working_days(at(2025, 10, 9, 15), 2) == at(2025, 10, 11, 15)  # Saturday


def test_national_day_2026_five_working_days_from_the_day_before():
    # Oct 1–7 off; Oct 8 (1), Oct 9 (2), Saturday Oct 10 worked (3), Oct 12 (4), Oct 13 (5).
    calendar = default_calendar()

    assert calendar.add_working_days(at(2026, 9, 30, 10), 5) == at(2026, 10, 13, 10)
    assert calendar.is_working_day(date(2026, 9, 20))  # a Sunday, worked


def test_a_friday_afternoon_start_ends_the_following_friday_afternoon():
    assert default_calendar().add_working_days(at(2026, 11, 27, 15, 30), 5) == at(
        2026, 12, 4, 15, 30
    )


def test_a_start_on_a_make_up_saturday_counts_from_that_saturday():
    calendar = default_calendar()
    saturday = at(2026, 2, 28, 10)

    assert calendar.next_working_start(saturday) == saturday
    assert calendar.add_working_days(saturday, 1) == at(2026, 3, 2, 10)


def test_a_start_inside_a_holiday_counts_from_the_next_working_day_at_midnight():
    calendar = default_calendar()
    holiday_afternoon = at(2026, 10, 3, 14)

    assert calendar.next_working_start(holiday_afternoon) == at(2026, 10, 8)
    # One full working day: the whole of Oct 8, so due at Oct 9 00:00.
    assert calendar.add_working_days(holiday_afternoon, 1) == at(2026, 10, 9)


def test_a_later_start_never_gets_an_earlier_deadline_and_deadlines_fall_on_working_days():
    calendar = default_calendar()
    starts = [at(2026, 9, 15) + timedelta(hours=7 * n) for n in range(200)]

    dues = [calendar.add_working_days(start, 5) for start in starts]

    assert dues == sorted(dues)
    assert all(calendar.is_working_day(due) for due in dues)


def test_working_time_between_counts_only_working_days():
    calendar = default_calendar()

    assert calendar.working_days_between(at(2026, 2, 13, 10), at(2026, 2, 25, 10)) == 3.0
    # Friday 18:00 → Monday 06:00: 6 hours of Friday and 6 of Monday.
    assert calendar.working_time_between(at(2026, 11, 27, 18), at(2026, 11, 30, 6)) == timedelta(
        hours=12
    )
    assert calendar.working_days_between(at(2026, 2, 25, 10), at(2026, 2, 13, 10)) == -3.0
    assert calendar.working_days_between(at(2026, 10, 2), at(2026, 10, 6)) == 0.0


@pytest.mark.parametrize("hour", [0, 7, 13, 23])
def test_adding_working_time_agrees_with_adding_working_days(hour: int):
    calendar = default_calendar()
    for offset in range(0, 60, 3):
        start = at(2026, 9, 20, hour) + timedelta(days=offset)
        for n in (1, 2, 5):
            end = calendar.add_working_days(start, n)
            assert calendar.add_working_time(start, timedelta(days=n)) == end
            assert calendar.working_time_between(start, end) == timedelta(days=n)


def test_zero_working_days_from_a_holiday_is_the_next_working_start():
    calendar = default_calendar()

    assert calendar.add_working_days(at(2026, 10, 5, 12), 0) == at(2026, 10, 8)
    assert calendar.add_working_days(at(2026, 10, 9, 12), 0) == at(2026, 10, 9, 12)


def test_times_are_read_in_china_time_and_returned_in_china_time():
    # Friday 2026-10-09 17:00 UTC is Saturday Oct 10 01:00 in China, a make-up working day.
    due = default_calendar().add_working_days(datetime(2026, 10, 9, 17, 0, tzinfo=UTC), 1)

    assert due == at(2026, 10, 12, 1)
    assert due.tzinfo == CHINA


def test_naive_datetimes_are_refused():
    calendar = default_calendar()

    with pytest.raises(ValueError, match="naive"):
        calendar.add_working_days(datetime(2026, 10, 9, 10), 1)
    with pytest.raises(ValueError, match="naive"):
        calendar.working_time_between(datetime(2026, 10, 9, 10), at(2026, 10, 12))
    with pytest.raises(ValueError, match="naive"):
        calendar.is_working_day(datetime(2026, 10, 9, 10))


def test_2027_is_provisional_until_its_make_up_days_are_added():
    data = load_calendar_data()
    calendar = default_calendar()

    assert 2027 in data.provisional_years
    assert 2027 not in data.official_years
    assert calendar.is_provisional(date(2027, 2, 8))
    # Public holidays still come from the package for 2027.
    assert not calendar.is_working_day(date(2027, 10, 1))


def test_overrides_from_data_change_the_working_days_and_shift_deadlines():
    data = parse_calendar_data(
        {
            "version": "test",
            "official_years": {"2026": "notice"},
            "overrides": [
                {"date": "2026-11-30", "working": False, "source": "county typhoon day off"},
                {"date": "2026-12-05", "working": True, "source": "county make-up Saturday"},
            ],
        }
    )
    calendar = WorkingCalendar.from_data(data)

    assert not calendar.is_working_day(date(2026, 11, 30))
    assert calendar.is_working_day(date(2026, 12, 5))
    # Friday Nov 27 + 1: Monday Nov 30 is off now, Tuesday Dec 1 is the first working day.
    assert calendar.add_working_days(at(2026, 11, 27, 10), 1) == at(2026, 12, 1, 10)
    assert calendar.override_for(date(2026, 12, 5)).source == "county make-up Saturday"


def test_an_admin_override_wins_over_the_shipped_data():
    shipped = parse_calendar_data(
        {
            "version": "test",
            "official_years": {},
            "overrides": [{"date": "2027-02-20", "working": True, "source": "file"}],
        }
    )
    admin = [DayOverride(date(2027, 2, 20), False, "admin table")]

    assert not WorkingCalendar.from_data(shipped, extra=admin).is_working_day(date(2027, 2, 20))


def test_override_data_without_a_source_is_refused():
    with pytest.raises(ValidationError):
        parse_calendar_data(
            {
                "version": "x",
                "official_years": {},
                "overrides": [{"date": "2027-02-20", "working": True}],
            }
        )
