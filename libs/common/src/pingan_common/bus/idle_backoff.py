"""How long a consumer's fetches may wait at the broker: short while events flow, growing while
fetches come back empty, short again on the first record.

A fetch that finds nothing is held by the broker for up to the fetch wait. Apache Kafka answers
it as soon as data arrives, so a long wait costs no latency there. Tansu does not: it reads the
partitions at the start of the wait, then again after half of what remains, and so on, so an
event that arrives during a wait of W is delivered up to W/2 later (up to W when W < 250 ms).
A fixed short wait keeps the latency low but makes every idle consumer poll Tansu about 80
times a second; this policy keeps the short wait only while there is traffic.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("pingan.consumer")


class IdleBackoff:
    """The fetch wait in milliseconds: ``floor_ms`` while records arrive; each empty poll
    multiplies it by ``factor``, up to ``ceiling_ms``; the first record brings it back to
    ``floor_ms``. A ceiling at or below the floor turns the backoff off."""

    def __init__(self, floor_ms: int, ceiling_ms: int, factor: float = 2.0) -> None:
        if floor_ms < 0:
            raise ValueError("the fetch wait cannot be negative")
        if factor <= 1:
            raise ValueError("the backoff factor must be greater than 1")
        self.floor_ms = floor_ms
        self.ceiling_ms = max(ceiling_ms, floor_ms)
        self.factor = factor
        self._wait_ms = floor_ms

    @property
    def wait_ms(self) -> int:
        return self._wait_ms

    @property
    def backing_off(self) -> bool:
        return self._wait_ms > self.floor_ms

    def after_poll(self, records: int) -> int:
        """The wait for the next fetch, after a poll that returned ``records`` records."""
        if records:
            self._wait_ms = self.floor_ms
        else:
            grown = max(self._wait_ms * self.factor, self._wait_ms + 1)
            self._wait_ms = min(int(grown), self.ceiling_ms)
        return self._wait_ms


def set_fetch_wait(consumer: Any, wait_ms: int) -> bool:
    """Make the consumer's next fetch requests wait ``wait_ms`` at the broker.

    aiokafka has no public setter: its fetcher builds every FetchRequest from
    ``Fetcher._fetch_max_wait_ms``, which this changes (aiokafka 0.14; a unit test fails if a
    later version stops building requests from it). False, and the wait stays as configured,
    when the consumer has no fetcher (not started) or the attribute is gone.
    """
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is None or not hasattr(fetcher, "_fetch_max_wait_ms"):
        return False
    fetcher._fetch_max_wait_ms = wait_ms
    return True
