"""Per-client limits on what the outside world can call without a staff token (issue 12).

Installed by the app factory in every service, before anything parses the request:

- **Rate**: third-party systems (an ``X-API-Key`` header or an ``api_key`` query parameter, as
  Open311 clients send it) get a token bucket per key; the SMS provider's callbacks one per
  callback token (``?token=``, generous: a provider posts a receipt for every message); requests
  with no credentials at all (Open311's public reads) one per client address. Over it:
  429 with ``Retry-After``. Staff requests (a bearer token) are not limited here: their tokens
  are signed, and the console sends every user's requests from one address.
- **Lockout**: each wrong API key or callback token counts against the client address
  (``credential_failed``, called where the credential is checked); after ``max_failures``
  within the window the address is refused for a while, the right key too, doubling with each
  lockout (the sign-in throttle's rules, ``auth.throttle``).

Both are per process (a replica keeps its own counts), so a deployment's limit is the figure
here times its replicas; behind a proxy, run uvicorn with ``--proxy-headers`` so the address
is the client's. Refusals and lockouts are counted in ``pingan_requests_throttled_total`` and
``pingan_credential_lockouts_total``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from pingan_common.auth.throttle import LoginThrottle
from pingan_common.metrics import CREDENTIAL_LOCKOUTS, REQUESTS_THROTTLED
from pingan_common.problems import problem_response

if TYPE_CHECKING:  # settings imports auth, which imports this module
    from pingan_common.settings import ThrottleSettings

# Probes and scrapes come from the platform itself, often many a second.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Where a request finds the throttle that let it in (an ASGI scope extension key).
SCOPE_KEY = "pingan.client_throttle"


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """``rate`` per second, up to ``burst`` at once, for each key; bounded in memory."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate, self._burst, self._max_keys, self._clock = rate, burst, max_keys, clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str) -> float:
        """0 when the request may go; else the seconds until it may."""
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self._burst), now)
        self._buckets[key] = bucket
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self._rate


class ClientThrottle:
    """The ASGI middleware; ``credential_failed`` reaches its lockout through ``app.state``."""

    def __init__(self, app: ASGIApp, *, service: str, settings: ThrottleSettings) -> None:
        self._app = app
        self._service = service
        self._enabled = settings.enabled
        self._keys = TokenBuckets(settings.api_key_per_s, settings.api_key_burst)
        self._anonymous = TokenBuckets(settings.anonymous_per_s, settings.anonymous_burst)
        self._callbacks = TokenBuckets(settings.callback_per_s, settings.callback_burst)
        self.lockout = LoginThrottle(
            max_failures=settings.max_credential_failures,
            window_s=settings.credential_window_s,
            lockout_s=settings.lockout_s,
            max_lockout_s=settings.max_lockout_s,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._enabled or scope["path"] in UNLIMITED_PATHS:
            await self._app(scope, receive, send)
            return
        scope[SCOPE_KEY] = self
        address = client_address(scope)
        locked = self.lockout.retry_after([address])
        if locked:
            await self._refuse(scope, receive, send, "lockout", locked)
            return
        wait = self._wait(scope, address)
        if wait:
            await self._refuse(scope, receive, send, "rate", math.ceil(wait))
            return
        await self._app(scope, receive, send)

    def _wait(self, scope: Scope, address: str) -> float:
        headers = Headers(scope=scope)
        if headers.get("authorization", "").lower().startswith("bearer "):
            return 0.0
        query = QueryParams(scope.get("query_string", b""))
        if key := headers.get("x-api-key") or query.get("api_key"):
            return self._keys.take(_digest(key))
        if token := query.get("token"):
            return self._callbacks.take(_digest(token))
        return self._anonymous.take(address)

    def failed(self, address: str) -> None:
        before = self.lockout.retry_after([address])
        self.lockout.failed([address])
        if not before and self.lockout.retry_after([address]):
            CREDENTIAL_LOCKOUTS.labels(self._service).inc()

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, reason: str, retry_after: int
    ) -> None:
        REQUESTS_THROTTLED.labels(self._service, reason).inc()
        detail = (
            "too many wrong credentials from this address; try again later"
            if reason == "lockout"
            else "too many requests; slow down"
        )
        response = problem_response(
            Request(scope),
            429,
            "Too Many Requests",
            detail,
            headers={"Retry-After": str(max(retry_after, 1))},
        )
        await response(scope, receive, send)


def _digest(secret: str) -> str:
    """Buckets are keyed by a digest: the process never keeps a client's key itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def credential_failed(request: Request) -> None:
    """A wrong API key or callback token came with ``request``: count it against its address
    (nothing happens when the throttle is off, or not installed as in a bare test app)."""
    throttle = request.scope.get(SCOPE_KEY)
    if isinstance(throttle, ClientThrottle):
        throttle.failed(client_address(request.scope))
