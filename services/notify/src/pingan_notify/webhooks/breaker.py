"""A circuit breaker per webhook endpoint: stop hammering a receiver that is down.

closed → (``failure_threshold`` consecutive failures) → open → (``cool_down`` elapsed) →
half-open: one trial request is let through; its success closes the circuit, its failure opens
it again for another cool-down. Pure: the caller passes the time, so tests and a database-backed
engine (which may persist ``state``, ``consecutive_failures`` and ``opened_at``) drive it alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    failure_threshold: int = 5
    cool_down: timedelta = timedelta(seconds=60)
    state: BreakerState = BreakerState.CLOSED
    consecutive_failures: int = 0
    opened_at: datetime | None = None
    trial_in_flight: bool = False

    def allow_request(self, now: datetime) -> bool:
        """May a request go to the endpoint now? In half-open, only the one trial may."""
        if self.state is BreakerState.OPEN and self.reopens_at() <= now:
            self.state = BreakerState.HALF_OPEN
            self.trial_in_flight = False
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.HALF_OPEN and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        return False

    def record_success(self, now: datetime) -> None:
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0
        self.opened_at = None
        self.trial_in_flight = False

    def record_failure(self, now: datetime) -> None:
        self.consecutive_failures += 1
        failed_trial = self.state is BreakerState.HALF_OPEN
        if failed_trial or self.consecutive_failures >= self.failure_threshold:
            self.state = BreakerState.OPEN
            self.opened_at = now
            self.trial_in_flight = False

    def reopens_at(self) -> datetime:
        """When an open circuit lets its trial through (the engine schedules retries there)."""
        if self.opened_at is None:
            raise ValueError("the circuit is not open")
        return self.opened_at + self.cool_down


@dataclass
class CircuitBreakers:
    """One breaker per endpoint (e.g. a webhook subscription's URL), created on first use."""

    failure_threshold: int = 5
    cool_down: timedelta = timedelta(seconds=60)
    _by_endpoint: dict[str, CircuitBreaker] = field(default_factory=dict)

    def for_endpoint(self, endpoint: str) -> CircuitBreaker:
        breaker = self._by_endpoint.get(endpoint)
        if breaker is None:
            breaker = CircuitBreaker(self.failure_threshold, self.cool_down)
            self._by_endpoint[endpoint] = breaker
        return breaker
