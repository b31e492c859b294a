"""Password guessing, slowed to uselessness: failed sign-ins lock the key they came under.

Each key (a username; the console also keeps a throttle by browser address) may fail
``max_failures`` times within ``window_s``; then it is locked for ``lockout_s``, doubling with
each further lockout up to ``max_lockout_s``. While a key is locked every attempt is refused,
the right password too, so a guesser learns nothing from the answer. A success clears the key's
record. The records are bounded: when full, the least recently touched goes first.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class _Record:
    failures: list[float]
    locked_until: float = 0.0
    lockouts: int = 0


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_s: float = 300.0,
        lockout_s: float = 60.0,
        max_lockout_s: float = 3600.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_failures = max_failures
        self._window_s = window_s
        self._lockout_s = lockout_s
        self._max_lockout_s = max_lockout_s
        self._max_keys = max_keys
        self._clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def retry_after(self, keys: Iterable[str]) -> int:
        """Seconds until every key may try again; 0 if none is locked."""
        now = self._clock()
        waits = [self._records[k].locked_until - now for k in keys if k in self._records]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        for key in keys:
            record = self._touch(key)
            record.failures = [t for t in record.failures if now - t < self._window_s]
            record.failures.append(now)
            if len(record.failures) >= self._max_failures:
                lockout = min(self._lockout_s * 2**record.lockouts, self._max_lockout_s)
                record.locked_until = now + lockout
                record.lockouts += 1
                record.failures = []

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def _touch(self, key: str) -> _Record:
        record = self._records.pop(key, None) or _Record(failures=[])
        self._records[key] = record
        while len(self._records) > self._max_keys:
            self._records.popitem(last=False)
        return record


def username_key(username: str) -> str:
    """One key per account however it is typed."""
    return username.strip().casefold()
