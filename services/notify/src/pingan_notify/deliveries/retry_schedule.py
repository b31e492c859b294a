"""When to try a failed delivery again: exponential backoff with full jitter, bounded.

Attempt ``n`` failed → wait a uniformly random time in ``[0, min(cap, base * 2**(n-1))]``
("full jitter": retries of many deliveries that failed together spread out instead of returning
in waves). Give up after ``max_attempts`` attempts or when the next try would fall more than
``max_total`` after the first attempt; the caller then dead-letters the delivery.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetrySchedule:
    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 15
    max_total: timedelta = timedelta(hours=24)
    # Pass ``random.Random(seed)`` for a reproducible schedule.
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def ceiling(self, attempt: int) -> timedelta:
        """The longest wait after failed attempt number ``attempt`` (1-based)."""
        if attempt < 1:
            raise ValueError("attempts are numbered from 1")
        # Cap the exponent: 2**attempt overflows timedelta long before max_attempts matters.
        doubled = self.base * (2 ** min(attempt - 1, 40))
        return min(self.cap, doubled)

    def delay(self, attempt: int) -> timedelta:
        return self.ceiling(attempt) * self.rng.random()

    def next_attempt_at(
        self, attempt: int, now: datetime, first_attempt_at: datetime | None = None
    ) -> datetime | None:
        """When to make attempt ``attempt + 1``, or None when the delivery should give up.

        ``first_attempt_at`` bounds the total time; without it only ``max_attempts`` does.
        """
        if attempt >= self.max_attempts:
            return None
        at = now + self.delay(attempt)
        if first_attempt_at is not None and at > first_attempt_at + self.max_total:
            return None
        return at
