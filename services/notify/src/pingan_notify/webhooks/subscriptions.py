"""Webhook subscriptions: which events go where, and the 110 system's seeded subscription.

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

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events import EVENTS_BY_TYPE, EventEnvelope
from pingan_common.ids import new_id
from pingan_common.runtime import Runtime
from pingan_notify.models import WebhookSubscription
from pingan_notify.settings import NotifySettings

POLICE_FEEDBACK_SEED = "police-110-feedback"
POLICE_FEEDBACK_TYPE = "pingan.intake.ticket.police_feedback.v1"


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


def masked_secret(secret: str) -> str:
    return "****" + secret[-4:] if len(secret) > 8 else "****"


async def seed_police_feedback_subscription(runtime: Runtime, settings: NotifySettings) -> None:
    """The 110 system's subscription to police feedback, when the stack names its URL."""
    url = settings.police_feedback_webhook_url
    if not url:
        return
    now = runtime.now()
    values = {
        "id": new_id(),
        "name": "110 接处警系统（双向反馈）",
        "url": url,
        "secret": settings.police_feedback_webhook_secret,
        "event_types": [POLICE_FEEDBACK_TYPE],
        "area_prefix": None,
        "active": True,
        "created_by": "system",
        "created_at": now,
        "updated_at": now,
        "seed_key": POLICE_FEEDBACK_SEED,
        "breaker_state": "closed",
        "consecutive_failures": 0,
    }
    statement = insert(WebhookSubscription).values(values)
    kept = {"id", "created_at", "created_by", "seed_key", "breaker_state", "consecutive_failures"}
    async with runtime.transaction() as session:
        # Replicas starting together both seed: the unique seed key makes it one row.
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["seed_key"],
                set_={k: statement.excluded[k] for k in values if k not in kept},
            )
        )
