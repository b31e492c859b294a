"""Identifiers: UUIDv7 everywhere, so ids sort by creation time and keyset pages are stable."""

import threading
from uuid import UUID

from uuid6 import uuid7

# uuid6 keeps its last timestamp in a module global without a lock; two threads (a service and
# an in-process test server) could otherwise hand out ids out of order.
_ID_LOCK = threading.Lock()


def new_id() -> UUID:
    with _ID_LOCK:
        return UUID(str(uuid7()))
