"""The consumers' fetch-wait policy: short while records arrive, growing while polls come back
empty, short again on the first record (pingan_common.bus.idle_backoff)."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer

from pingan_common.bus.idle_backoff import IdleBackoff, set_fetch_wait
from pingan_common.settings import KafkaSettings


def test_it_starts_at_the_floor():
    backoff = IdleBackoff(10, 1000)
    assert backoff.wait_ms == 10
    assert not backoff.backing_off


def test_empty_polls_double_the_wait_up_to_the_ceiling():
    backoff = IdleBackoff(10, 1000)
    waits = [backoff.after_poll(0) for _ in range(10)]
    assert waits == [20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000]
    assert backoff.backing_off


def test_the_first_record_snaps_back_to_the_floor():
    backoff = IdleBackoff(10, 1000)
    for _ in range(20):
        backoff.after_poll(0)
    assert backoff.after_poll(1) == 10
    assert not backoff.backing_off
    # and the growth starts again from the floor
    assert backoff.after_poll(0) == 20


def test_polls_with_records_keep_the_floor():
    backoff = IdleBackoff(10, 1000)
    assert [backoff.after_poll(n) for n in (3, 1, 500)] == [10, 10, 10]


def test_another_factor():
    backoff = IdleBackoff(5, 100, factor=3)
    assert [backoff.after_poll(0) for _ in range(4)] == [15, 45, 100, 100]


def test_a_ceiling_at_the_floor_turns_the_backoff_off():
    for ceiling in (10, 5, 0):
        backoff = IdleBackoff(10, ceiling)
        assert [backoff.after_poll(0) for _ in range(5)] == [10] * 5
        assert not backoff.backing_off


def test_a_zero_floor_still_grows():
    backoff = IdleBackoff(0, 8)
    assert [backoff.after_poll(0) for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    assert backoff.after_poll(2) == 0


@pytest.mark.parametrize("floor, factor", [(-1, 2.0), (10, 1.0), (10, 0.5)])
def test_nonsense_is_refused(floor, factor):
    with pytest.raises(ValueError):
        IdleBackoff(floor, 1000, factor)


def test_the_defaults_back_off_from_the_short_local_wait():
    settings = KafkaSettings()
    assert settings.idle_fetch_max_wait_ms > settings.fetch_max_wait_ms
    assert settings.idle_backoff_factor > 1


async def test_a_consumer_that_is_not_started_has_no_fetch_wait_to_set():
    consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1")
    assert set_fetch_wait(consumer, 500) is False
    assert set_fetch_wait(object(), 500) is False


@pytest.mark.parametrize(
    ("highest_end", "end", "position", "reset"),
    [
        (120, 120, 120, False),  # caught up
        (120, 130, 121, False),  # the log grew
        (120, 15, 15, True),  # the end went down: a new log (caught up in it, still a reset)
        (120, 150, 160, True),  # past the end
        (0, 0, 0, False),  # an empty log, nothing read yet
    ],
)
def test_a_reset_log_is_told_by_its_end_going_down_or_the_position_past_it(
    highest_end: int, end: int, position: int, reset: bool
) -> None:
    from pingan_common.bus.consumer import log_was_reset

    assert log_was_reset(highest_end, end, position) is reset
