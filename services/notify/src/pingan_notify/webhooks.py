"""Webhook subscriptions: which events go where, and sending one signed delivery.

A subscription names event types exactly (``pingan.intake.ticket.police_feedback.v1``) or by a
prefix ending in ``*`` (``pingan.dispatch.task.*``), and optionally an area prefix: only events
whose ``area_code`` lies inside it go out. The body is the event's CloudEvents JSON as
published; ``X-Pingan-Event-Id`` is the event id, the same on every retry and replay, so
receivers deduplicate on it (docs/webhooks.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events import EVENTS_BY_TYPE, EventEnvelope
from pingan_notify.breaker import BreakerState, CircuitBreaker
from pingan_notify.models import WebhookSubscription
from pingan_notify.signing import sign

USER_AGENT = "Pingan-Notify-Webhooks/1"


def type_matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def pattern_is_valid(pattern: str) -> bool:
    """An exact known type, or a ``pingan.``-rooted prefix ending in ``*``."""
    if pattern.endswith("*"):
        return pattern.startswith("pingan.") and "*" not in pattern[:-1]
    return pattern in EVENTS_BY_TYPE


def subscription_matches(subscription: Any, event_type: str, area_code: str | None) -> bool:
    if not subscription.active:
        return False
    if not any(type_matches(p, event_type) for p in subscription.event_types):
        return False
    if subscription.area_prefix:
        return area_code is not None and area_code.startswith(subscription.area_prefix)
    return True


@dataclass(frozen=True)
class SubscriptionFilter:
    """What matching needs of a subscription, kept between events."""

    id: UUID
    event_types: tuple[str, ...]
    area_prefix: str | None
    active: bool = True


class SubscriptionCache:
    """Active subscriptions, re-read at most every ``ttl_s``: every consumed event is matched,
    and a query per event would cost more than the rest of most handlers. Changes made through
    this replica's API apply at once (``invalidate``); other replicas' within ``ttl_s``."""

    def __init__(self, ttl_s: float = 1.0) -> None:
        self._ttl_s = ttl_s
        self._loaded_at = float("-inf")
        self._filters: list[SubscriptionFilter] = []

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def active(self, session: AsyncSession) -> list[SubscriptionFilter]:
        if time.monotonic() - self._loaded_at > self._ttl_s:
            rows = await session.execute(
                select(
                    WebhookSubscription.id,
                    WebhookSubscription.event_types,
                    WebhookSubscription.area_prefix,
                )
                .where(WebhookSubscription.active)
                .order_by(WebhookSubscription.id)
            )
            self._filters = [
                SubscriptionFilter(row.id, tuple(row.event_types), row.area_prefix) for row in rows
            ]
            self._loaded_at = time.monotonic()
        return self._filters


async def matching_subscriptions(
    session: AsyncSession, event: EventEnvelope, cache: SubscriptionCache
) -> list[SubscriptionFilter]:
    area_code = getattr(event.data, "area_code", None)
    return [
        s for s in await cache.active(session) if subscription_matches(s, event.type, area_code)
    ]


def breaker_of(subscription: WebhookSubscription, template: CircuitBreaker) -> CircuitBreaker:
    """The subscription's persisted breaker state in the pure breaker."""
    return CircuitBreaker(
        failure_threshold=template.failure_threshold,
        cool_down=template.cool_down,
        state=BreakerState(subscription.breaker_state),
        consecutive_failures=subscription.consecutive_failures,
        opened_at=subscription.breaker_opened_at,
    )


def store_breaker(subscription: WebhookSubscription, breaker: CircuitBreaker) -> None:
    subscription.breaker_state = str(breaker.state)
    subscription.consecutive_failures = breaker.consecutive_failures
    subscription.breaker_opened_at = breaker.opened_at


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    error: str | None = None
    status: int | None = None


async def post_webhook(
    client: httpx.AsyncClient,
    *,
    url: str,
    secrets: list[str],
    event_id: str,
    body: str,
    timeout_s: float,
) -> WebhookResult:
    raw = body.encode()
    # Signed at the wall clock's time: that is what the receiver checks the tolerance against.
    headers = sign(secrets, event_id=event_id, body=raw)
    headers |= {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    try:
        response = await client.post(url, content=raw, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as error:
        return WebhookResult(False, f"{type(error).__name__}: {error}"[:500])
    if 200 <= response.status_code < 300:
        return WebhookResult(True, status=response.status_code)
    return WebhookResult(
        False, f"HTTP {response.status_code}: {response.text[:200]}", response.status_code
    )


def signing_secrets(subscription: WebhookSubscription) -> list[str]:
    """While a secret is being rotated, each delivery is signed with the old and the new one."""
    return [s for s in (subscription.previous_secret, subscription.secret) if s]


def masked_secret(secret: str) -> str:
    return "****" + secret[-4:] if len(secret) > 8 else "****"
