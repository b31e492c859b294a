"""When the supervisor restarts a component that died: growing delays, capped, reset, bounded.

A plain class with no clock of its own (the caller passes how long the process was up), so the
policy is tested without processes:

- the first restart after a crash comes quickly (``initial``), each further one in a row waits
  ``factor`` times longer, never more than ``cap``;
- a process that stayed up ``stable_after`` seconds before dying starts the count afresh: a
  service killed once an hour is restarted quickly every time;
- after ``max_failures`` deaths in a row, each within ``stable_after`` of its start, the
  supervisor gives up on it (a service that cannot start would otherwise loop for ever).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RestartPolicy:
    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    stable_after: float = 60.0
    max_failures: int = 10
    # deaths in a row, each within ``stable_after`` of its start
    failures: int = 0
    gave_up: bool = False

    def __post_init__(self) -> None:
        if self.initial < 0 or self.cap < self.initial or self.factor < 1:
            raise ValueError("need 0 <= initial <= cap and factor >= 1")
        if self.max_failures < 1 or self.stable_after <= 0:
            raise ValueError("need max_failures >= 1 and stable_after > 0")

    def delay(self, failures: int) -> float:
        """The wait before the restart that follows the ``failures``-th death in a row."""
        if failures < 1:
            return 0.0
        # no float overflow for large counts: the cap is reached long before
        exponent = min(failures - 1, 64)
        return float(min(self.cap, self.initial * self.factor**exponent))

    def on_exit(self, uptime: float) -> float | None:
        """The process died after ``uptime`` seconds: the delay before restarting it, or None
        when the supervisor should give up (and from then on, always None)."""
        if self.gave_up:
            return None
        if uptime >= self.stable_after:
            self.failures = 0
        self.failures += 1
        if self.failures > self.max_failures:
            self.gave_up = True
            return None
        return self.delay(self.failures)

    def on_stable(self) -> None:
        """The restarted process has stayed up ``stable_after`` seconds: forget the deaths."""
        self.failures = 0

    def describe(self) -> str:
        return (
            f"{self.initial:g} s, ×{self.factor:g} up to {self.cap:g} s; reset after "
            f"{self.stable_after:g} s up; give up after {self.max_failures} quick deaths in a row"
        )
