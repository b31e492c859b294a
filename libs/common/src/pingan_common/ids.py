"""Identifiers: UUIDv7 everywhere, so ids sort by creation time and keyset pages are stable.

RFC 9562 §6.2 method 1: the 12 bits after the version count the ids made in one millisecond
(from a random start), so ids made in a burst stay in order without moving the timestamp away
from the clock; only past 4,096 ids in one millisecond does the timestamp borrow the next one.
The state is guarded by a lock because services and in-process test servers share it across
threads.
"""

import secrets
import threading
import time
from uuid import UUID

_COUNTER_BITS = 12
_COUNTER_LIMIT = (1 << _COUNTER_BITS) - 1
_lock = threading.Lock()
_last_millis = 0
_counter = 0


def new_id() -> UUID:
    millis, counter = _next_stamp()
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76 | counter << 64 | 0b10 << 62 | secrets.randbits(62)
    return UUID(int=value)


def _next_stamp() -> tuple[int, int]:
    global _last_millis, _counter
    with _lock:
        now = time.time_ns() // 1_000_000
        if now > _last_millis:
            # a random start in the lower half leaves room to count up within the millisecond
            _last_millis, _counter = now, secrets.randbits(_COUNTER_BITS - 1)
        elif _counter < _COUNTER_LIMIT:
            _counter += 1
        else:
            _last_millis, _counter = _last_millis + 1, 0
        return _last_millis, _counter
