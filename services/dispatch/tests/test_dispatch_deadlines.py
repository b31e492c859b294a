"""Deadlines, pure: urgent matters by the clock, ordinary ones by China's working days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pingan_dispatch.deadlines import add_weekdays, deadlines_for

CHINA = ZoneInfo("Asia/Shanghai")


def test_an_urgent_task_must_be_signed_for_in_30_minutes_and_handled_in_2_hours():
    assigned = datetime(2026, 11, 25, 9, 0, tzinfo=CHINA)

    deadlines = deadlines_for("urgent", assigned)

    assert deadlines.accept_due_at == assigned + timedelta(minutes=30)
    assert deadlines.due_at == assigned + timedelta(hours=2)


def test_an_urgent_task_runs_through_the_weekend():
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=CHINA)

    assert deadlines_for("urgent", saturday_night).due_at == datetime(
        2026, 11, 29, 1, 0, tzinfo=CHINA
    )


def test_an_ordinary_task_must_be_signed_for_within_the_hour():
    assigned = datetime(2026, 11, 25, 9, 0, tzinfo=CHINA)

    assert deadlines_for("normal", assigned).accept_due_at == assigned + timedelta(hours=1)


def test_an_ordinary_task_assigned_on_friday_is_due_next_friday():
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=CHINA)

    due = deadlines_for("normal", friday).due_at

    assert due == datetime(2026, 12, 4, 10, 0, tzinfo=CHINA)
    assert due.astimezone(CHINA).weekday() == 4


def test_an_ordinary_task_assigned_on_monday_is_due_next_monday():
    monday = datetime(2026, 11, 23, 15, 30, tzinfo=CHINA)

    assert add_weekdays(monday, 5) == datetime(2026, 11, 30, 15, 30, tzinfo=CHINA)


def test_an_ordinary_task_assigned_on_wednesday_skips_the_weekend_in_between():
    wednesday = datetime(2026, 11, 25, 8, 0, tzinfo=CHINA)

    assert add_weekdays(wednesday, 5) == datetime(2026, 12, 2, 8, 0, tzinfo=CHINA)


def test_weekends_are_counted_in_china_time_even_for_a_utc_timestamp():
    # Friday 18:00 UTC is already Saturday 02:00 in China: Saturday and Sunday don't count,
    # so five working days end on Friday 02:00 China time (Thursday in UTC).
    friday_evening_utc = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert friday_evening_utc.astimezone(CHINA).weekday() == 5

    due = deadlines_for("normal", friday_evening_utc).due_at

    assert due == datetime(2026, 12, 4, 2, 0, tzinfo=CHINA)
    assert due.astimezone(CHINA).weekday() == 4


@pytest.mark.parametrize("day", range(23, 30))
def test_an_ordinary_deadline_always_falls_on_a_weekday_in_china(day: int):
    assigned = datetime(2026, 11, day, 20, 0, tzinfo=UTC)

    due = add_weekdays(assigned, 5)

    assert due.astimezone(CHINA).weekday() < 5
    assert timedelta(days=5) <= due - assigned <= timedelta(days=7)
