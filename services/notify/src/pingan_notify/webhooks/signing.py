"""Signatures on outgoing webhook deliveries, and their verification (docs/webhooks.md).

Each delivery carries three headers:

- ``X-Pingan-Event-Id``: the event's id; receivers deduplicate on it (a retried or replayed
  delivery carries the same id),
- ``X-Pingan-Timestamp``: unix seconds when this attempt was signed,
- ``X-Pingan-Signature``: ``v1=<hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")>``; while a
  subscription's secret is being rotated, one ``v1=`` entry per valid secret, comma-separated.

Signing the timestamp with the body lets a receiver refuse a captured request replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence

EVENT_ID_HEADER = "X-Pingan-Event-Id"
TIMESTAMP_HEADER = "X-Pingan-Timestamp"
SIGNATURE_HEADER = "X-Pingan-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


class SignatureVerificationError(Exception):
    """The delivery is not authentic or not fresh; the message says which check failed."""


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(
    secrets: str | Sequence[str], *, event_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The headers for one delivery attempt of ``body``, signed with each of ``secrets``."""
    if isinstance(secrets, str):
        secrets = [secrets]
    if not secrets:
        raise ValueError("at least one secret is needed to sign a delivery")
    ts = int(time.time()) if timestamp is None else timestamp
    signatures = ",".join(f"{SCHEME}={compute_signature(s, ts, body)}" for s in secrets)
    return {EVENT_ID_HEADER: event_id, TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: signatures}


def verify(
    secret: str | Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> str:
    """Check a received delivery; return its event id or raise ``SignatureVerificationError``.

    ``secret`` may be several secrets (the receiver's side of a rotation). The timestamp must lie
    within ``tolerance_s`` of ``now`` in either direction: an old capture replayed later fails.
    Within the tolerance a receiver still deduplicates on the event id.
    """
    secrets = [secret] if isinstance(secret, str) else list(secret)
    lowered = {k.lower(): v for k, v in headers.items()}
    event_id = lowered.get(EVENT_ID_HEADER.lower())
    raw_timestamp = lowered.get(TIMESTAMP_HEADER.lower())
    raw_signature = lowered.get(SIGNATURE_HEADER.lower())
    if not event_id or not raw_timestamp or not raw_signature:
        raise SignatureVerificationError("missing event id, timestamp or signature header")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise SignatureVerificationError("timestamp is not unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureVerificationError("timestamp outside the tolerance (stale or replayed)")
    offered = _offered_signatures(raw_signature)
    expected = [compute_signature(s, timestamp, body) for s in secrets]
    # Compare every pair, so timing does not reveal which one matched.
    matched = False
    for candidate in offered:
        for good in expected:
            matched |= hmac.compare_digest(candidate, good)
    if not matched:
        raise SignatureVerificationError("no signature matches")
    return event_id


def _offered_signatures(header: str) -> list[str]:
    offered = []
    for item in header.split(","):
        scheme, _, value = item.strip().partition("=")
        if scheme == SCHEME and value:
            offered.append(value)
    return offered
