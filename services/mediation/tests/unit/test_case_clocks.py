"""The case clocks with given instants, across the holidays of the official calendar."""

from __future__ import annotations

from datetime import date, datetime

from pingan_common.county_time import COUNTY_TZ
from pingan_mediation.cases.clocks import (
    add_month,
    conclusion_clock,
    confirmation_due_on,
    extended_due,
    term_instants,
)


def county(*args: int) -> datetime:
    return datetime(*args, tzinfo=COUNTY_TZ)


def test_an_ordinary_case_has_one_month_and_a_warning_after_three_weeks():
    clock = conclusion_clock(county(2026, 11, 10, 9), court_referred=False)

    assert clock.due_at == county(2026, 12, 11)  # the end of 10 December, a Thursday
    assert clock.warn_at == county(2026, 12, 1, 9)


def test_a_month_ending_in_national_day_runs_to_the_first_working_day_after_it():
    # Accepted on 5 September 2026: one month ends on 5 October, inside the holiday (1-7 Oct).
    clock = conclusion_clock(county(2026, 9, 5, 10), court_referred=False)

    assert clock.due_at == county(2026, 10, 9)  # the end of Thursday 8 October


def test_a_court_referred_case_has_30_days_and_one_extension_of_30_more():
    clock = conclusion_clock(county(2026, 11, 2, 9), court_referred=True)

    assert clock.due_at == county(2026, 12, 3)  # the end of 2 December
    assert extended_due(clock.due_at) == county(2027, 1, 5)  # 1 Jan holiday + weekend → 4 Jan


def test_the_30_day_window_for_judicial_confirmation_skips_spring_festival():
    # Signed 18 January 2027? The 2027 calendar is provisional; use 2026's Spring Festival:
    # signed on 16 January 2026, day 30 is 15 February, inside the holiday (15-23 Feb 2026).
    assert confirmation_due_on(county(2026, 1, 16, 15)) == date(2026, 2, 24)


def test_the_window_counts_from_the_county_date_of_the_signature():
    # 23:30 UTC on 1 December is already 2 December in the county.
    signed = datetime.fromisoformat("2026-12-01T23:30:00+00:00")

    assert confirmation_due_on(signed) == date(2027, 1, 4)


def test_a_term_falls_due_at_the_start_of_its_day_and_is_breached_at_its_end():
    due, breached = term_instants(date(2026, 12, 20))

    assert due == county(2026, 12, 20)
    assert breached == county(2026, 12, 21)


def test_a_month_from_the_31st_ends_on_the_last_day_of_a_shorter_month():
    assert add_month(date(2027, 1, 31)) == date(2027, 2, 28)
    assert add_month(date(2026, 12, 15)) == date(2027, 1, 15)
