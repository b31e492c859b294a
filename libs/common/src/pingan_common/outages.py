"""Errors that mean "a backing service is down for a moment", not "this request is wrong".

A restarting or paused PostgreSQL (or a peer service) shows up as refused or reset
connections, timeouts and the driver's shutdown errors. A request that hits one is answered
503 with Retry-After (``problems``), and a consumer waits the outage out instead of spending
the event's attempts and dead-lettering it (``bus.consumer``): the event is fine, the database
is not.
"""

from __future__ import annotations

# asyncpg's errors for a database that is restarting, shutting down or out of connections
# (named, not imported: the shared library does not depend on the driver).
_DRIVER_ERRORS = frozenset(
    {
        "AdminShutdownError",
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "CrashShutdownError",
        "TooManyConnectionsError",
    }
)


def backing_service_unavailable(exc: BaseException) -> bool:
    """Whether ``exc``, or what caused it, says a backing service cannot be reached now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ConnectionError, TimeoutError)):
            return True
        if type(current).__name__ in _DRIVER_ERRORS:
            return True
        if getattr(current, "connection_invalidated", False):  # SQLAlchemy's DBAPIError
            return True
        current = current.__cause__ or current.__context__
    return False
