"""Quiet hours, rate limits and the daily SMS budget: pure rules, on the county's clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from pingan_notify.deliveries.policies import (
    Audience,
    BudgetState,
    QuietHours,
    RateLimit,
    RateLimits,
    SmsBudget,
)

CHINA = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (at(21, 59), False),
        (at(22, 0), True),
        (at(23, 30), True),
        (at(0, 0), True),
        (at(7, 59), True),
        (at(8, 0), False),
        (at(12, 0), False),
    ],
)
def test_quiet_hours_run_from_22_00_inclusive_to_08_00_exclusive(local, quiet):
    assert QuietHours().is_quiet(local) is quiet


def test_quiet_hours_are_judged_on_china_time_whatever_zone_the_clock_gives():
    utc_14_30 = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    utc_00_00 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai

    assert QuietHours().is_quiet(utc_14_30)
    assert not QuietHours().is_quiet(utc_00_00)


@pytest.mark.parametrize(
    ("local", "release"),
    [
        (at(22, 0), at(8, 0, day=24)),
        (at(23, 59), at(8, 0, day=24)),
        (at(0, 1, day=24), at(8, 0, day=24)),
        (at(7, 59, day=24), at(8, 0, day=24)),
    ],
)
def test_a_held_message_is_released_at_the_next_08_00(local, release):
    assert QuietHours().release_time(local) == release


def test_a_non_urgent_citizen_sms_at_night_is_held_until_morning():
    held = QuietHours().hold_until(
        at(22, 0), channel="sms", audience=Audience.CITIZEN, urgent=False
    )

    assert held == at(8, 0, day=24)


def test_a_citizen_sms_in_the_day_goes_at_once():
    rules = QuietHours()

    assert (
        rules.hold_until(at(21, 59), channel="sms", audience=Audience.CITIZEN, urgent=False) is None
    )
    assert (
        rules.hold_until(at(8, 0), channel="sms", audience=Audience.CITIZEN, urgent=False) is None
    )


@pytest.mark.parametrize(
    ("channel", "audience", "urgent"),
    [
        ("sms", Audience.CITIZEN, True),
        ("sms", Audience.STAFF, False),
        ("in_app", Audience.CITIZEN, False),
        ("webhook", Audience.STAFF, False),
    ],
)
def test_urgent_staff_in_app_and_webhook_messages_are_never_held(channel, audience, urgent):
    assert (
        QuietHours().hold_until(at(3, 0), channel=channel, audience=audience, urgent=urgent) is None
    )


def test_quiet_hours_are_configurable_including_a_window_that_does_not_wrap_midnight():
    lunch = QuietHours(start=time(12, 0), end=time(14, 0))

    assert not lunch.is_quiet(at(11, 59))
    assert lunch.is_quiet(at(12, 0))
    assert not lunch.is_quiet(at(14, 0))
    assert lunch.release_time(at(13, 0)) == at(14, 0)


def test_equal_start_and_end_mean_no_quiet_hours():
    assert not QuietHours(start=time(0, 0), end=time(0, 0)).is_quiet(at(3, 0))


# --- rate limits ----------------------------------------------------------------------------


def test_the_sms_limit_allows_up_to_its_maximum_in_the_window():
    limits = RateLimits({"sms": RateLimit(max_messages=3, window=timedelta(hours=1))})

    decisions = [limits.decide("sms", sent) for sent in range(5)]

    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions] == [3, 2, 1, 0, 0]
    assert decisions[0].window == timedelta(hours=1)


def test_each_channel_has_its_own_limit():
    limits = RateLimits(
        {
            "sms": RateLimit(max_messages=1, window=timedelta(hours=1)),
            "in_app": RateLimit(max_messages=10, window=timedelta(minutes=1)),
        }
    )

    assert not limits.decide("sms", 1).allowed
    assert limits.decide("in_app", 1).allowed


def test_a_channel_without_a_limit_is_unlimited():
    decision = RateLimits().decide("webhook", 10_000)

    assert decision.allowed and decision.remaining is None


def test_urgent_messages_bypass_the_rate_limit():
    limits = RateLimits({"sms": RateLimit(max_messages=1, window=timedelta(hours=1))})

    assert limits.decide("sms", 50, urgent=True).allowed


def test_the_default_limits_cover_sms_and_in_app():
    defaults = RateLimits()

    assert not defaults.decide("sms", defaults.per_channel["sms"].max_messages).allowed
    assert defaults.decide("in_app", 0).allowed


# --- the daily SMS budget -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("used", "state"),
    [
        (0, BudgetState.OK),
        (799, BudgetState.OK),
        (800, BudgetState.NEAR),
        (999, BudgetState.NEAR),
        (1000, BudgetState.EXHAUSTED),
        (1200, BudgetState.EXHAUSTED),
    ],
)
def test_the_budget_is_near_from_80_percent_and_exhausted_at_the_limit(used, state):
    assert SmsBudget(daily_limit=1000).state(used) is state


def test_the_near_threshold_rounds_up():
    budget = SmsBudget(daily_limit=7, near_ratio=0.8)  # 5.6 → 6

    assert budget.state(5) is BudgetState.OK
    assert budget.state(6) is BudgetState.NEAR


def test_a_message_fits_the_budget_only_with_all_its_segments():
    budget = SmsBudget(daily_limit=100)

    assert budget.allows(used_today=98, segments=2)
    assert not budget.allows(used_today=99, segments=2)


def test_the_budget_day_starts_at_midnight_china_time():
    budget = SmsBudget(daily_limit=100)
    utc_15_59 = datetime(2026, 11, 23, 15, 59, tzinfo=UTC)  # 23:59 on the 23rd in Shanghai
    utc_16_00 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 00:00 on the 24th

    assert budget.day_start(utc_15_59) == datetime(2026, 11, 23, tzinfo=CHINA)
    assert budget.day_start(utc_16_00) == datetime(2026, 11, 24, tzinfo=CHINA)
