"""The circuit breaker per endpoint, and the bounded, jittered retry schedule."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from pingan_notify.deliveries.retry_schedule import RetrySchedule
from pingan_notify.webhooks.breaker import BreakerState, CircuitBreaker, CircuitBreakers

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
COOL_DOWN = timedelta(seconds=60)


def opened_breaker() -> CircuitBreaker:
    breaker = CircuitBreaker(failure_threshold=3, cool_down=COOL_DOWN)
    for _ in range(3):
        breaker.record_failure(T0)
    return breaker


def test_a_new_breaker_is_closed_and_lets_requests_through():
    breaker = CircuitBreaker(failure_threshold=3, cool_down=COOL_DOWN)

    assert breaker.state is BreakerState.CLOSED
    assert all(breaker.allow_request(T0) for _ in range(10))


def test_it_opens_after_the_threshold_of_consecutive_failures():
    breaker = CircuitBreaker(failure_threshold=3, cool_down=COOL_DOWN)

    breaker.record_failure(T0)
    breaker.record_failure(T0)
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure(T0)

    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow_request(T0)
    assert breaker.reopens_at() == T0 + COOL_DOWN


def test_a_success_resets_the_count_of_consecutive_failures():
    breaker = CircuitBreaker(failure_threshold=3, cool_down=COOL_DOWN)

    breaker.record_failure(T0)
    breaker.record_failure(T0)
    breaker.record_success(T0)
    breaker.record_failure(T0)
    breaker.record_failure(T0)

    assert breaker.state is BreakerState.CLOSED


def test_it_refuses_requests_until_the_cool_down_has_passed():
    breaker = opened_breaker()

    assert not breaker.allow_request(T0 + COOL_DOWN - timedelta(seconds=1))
    assert breaker.state is BreakerState.OPEN


def test_after_the_cool_down_exactly_one_trial_request_goes_through():
    breaker = opened_breaker()

    assert breaker.allow_request(T0 + COOL_DOWN)
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow_request(T0 + COOL_DOWN)


def test_a_successful_trial_closes_the_circuit():
    breaker = opened_breaker()
    breaker.allow_request(T0 + COOL_DOWN)

    breaker.record_success(T0 + COOL_DOWN)

    assert breaker.state is BreakerState.CLOSED
    assert breaker.consecutive_failures == 0
    assert breaker.allow_request(T0 + COOL_DOWN) and breaker.allow_request(T0 + COOL_DOWN)


def test_a_failed_trial_opens_the_circuit_for_another_cool_down():
    breaker = opened_breaker()
    trial_at = T0 + COOL_DOWN + timedelta(seconds=5)
    breaker.allow_request(trial_at)

    breaker.record_failure(trial_at)

    assert breaker.state is BreakerState.OPEN
    assert breaker.reopens_at() == trial_at + COOL_DOWN
    assert not breaker.allow_request(trial_at + COOL_DOWN - timedelta(seconds=1))
    assert breaker.allow_request(trial_at + COOL_DOWN)


def test_a_closed_circuit_has_no_reopening_time():
    with pytest.raises(ValueError):
        CircuitBreaker().reopens_at()


def test_each_endpoint_has_its_own_breaker():
    breakers = CircuitBreakers(failure_threshold=1, cool_down=COOL_DOWN)

    breakers.for_endpoint("https://110.example/hook").record_failure(T0)

    assert not breakers.for_endpoint("https://110.example/hook").allow_request(T0)
    assert breakers.for_endpoint("https://12345.example/hook").allow_request(T0)


# --- retry schedule -------------------------------------------------------------------------


def test_the_ceiling_doubles_from_the_base_up_to_the_cap():
    schedule = RetrySchedule(base=timedelta(seconds=10), cap=timedelta(minutes=5))

    ceilings = [schedule.ceiling(n).total_seconds() for n in range(1, 8)]

    assert ceilings == [10, 20, 40, 80, 160, 300, 300]


@pytest.mark.parametrize("attempt", [1, 2, 5, 12, 60])
def test_each_delay_lies_between_zero_and_the_ceiling(attempt):
    schedule = RetrySchedule(rng=random.Random(7))

    delays = [schedule.delay(attempt) for _ in range(500)]

    assert all(timedelta(0) <= d <= schedule.ceiling(attempt) for d in delays)


def test_delays_are_spread_over_the_whole_range_not_bunched():
    schedule = RetrySchedule(base=timedelta(seconds=100), rng=random.Random(3))

    delays = sorted(schedule.delay(1).total_seconds() for _ in range(2000))

    assert delays[0] < 5 and delays[-1] > 95
    assert 40 < delays[1000] < 60


def test_the_same_seed_gives_the_same_schedule():
    first = RetrySchedule(rng=random.Random(42))
    second = RetrySchedule(rng=random.Random(42))

    assert [first.delay(n) for n in range(1, 10)] == [second.delay(n) for n in range(1, 10)]


def test_the_next_attempt_is_after_now_within_the_ceiling():
    schedule = RetrySchedule(rng=random.Random(1))

    at = schedule.next_attempt_at(3, T0, first_attempt_at=T0)

    assert at is not None
    assert T0 <= at <= T0 + schedule.ceiling(3)


def test_it_gives_up_after_the_last_allowed_attempt():
    schedule = RetrySchedule(max_attempts=5, rng=random.Random(1))

    assert schedule.next_attempt_at(4, T0) is not None
    assert schedule.next_attempt_at(5, T0) is None
    assert schedule.next_attempt_at(6, T0) is None


def test_it_gives_up_when_the_next_attempt_would_pass_the_total_time_bound():
    schedule = RetrySchedule(
        base=timedelta(hours=1),
        cap=timedelta(hours=1),
        max_attempts=1000,
        max_total=timedelta(hours=24),
        rng=random.Random(5),
    )
    first = T0
    late = first + timedelta(hours=23, minutes=59, seconds=59)

    # Any positive delay from one second before the bound crosses it (but a zero draw may not).
    outcomes = [schedule.next_attempt_at(10, late, first_attempt_at=first) for _ in range(50)]

    assert outcomes.count(None) >= 49
    assert schedule.next_attempt_at(10, first + timedelta(hours=25), first_attempt_at=first) is None


def test_a_whole_run_of_retries_stays_within_both_bounds():
    schedule = RetrySchedule(
        base=timedelta(seconds=10),
        cap=timedelta(hours=2),
        max_attempts=30,
        max_total=timedelta(hours=24),
        rng=random.Random(11),
    )
    first = now = T0
    attempts = 1
    while (at := schedule.next_attempt_at(attempts, now, first_attempt_at=first)) is not None:
        assert at >= now
        now, attempts = at, attempts + 1

    assert attempts <= 30
    assert now - first <= timedelta(hours=24)


def test_attempts_are_numbered_from_one():
    with pytest.raises(ValueError):
        RetrySchedule().ceiling(0)
