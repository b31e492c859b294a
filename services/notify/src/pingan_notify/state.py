"""What one running notify app holds besides the common runtime: built once the runtime exists
(``ServiceDefinition.state``), shared by its handlers, routes and workers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends

from pingan_common.bus.consumer import HandlerContext
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_notify.deliveries.policies import QuietHours, RateLimit, RateLimits, SmsBudget
from pingan_notify.deliveries.retry_schedule import RetrySchedule
from pingan_notify.settings import NotifySettings
from pingan_notify.sms.providers import national_number
from pingan_notify.stream.hub import StreamHub
from pingan_notify.templates.catalog import TemplateCatalog, default_catalog
from pingan_notify.webhooks.breaker import CircuitBreaker
from pingan_notify.webhooks.subscriptions import SubscriptionCache


@dataclass(frozen=True)
class Policies:
    quiet_hours: QuietHours
    rate_limits: RateLimits
    budget: SmsBudget
    retry: RetrySchedule
    breaker_threshold: int
    breaker_cool_down: timedelta

    @classmethod
    def from_settings(cls, settings: NotifySettings) -> Policies:
        return cls(
            quiet_hours=QuietHours(settings.quiet_hours_start, settings.quiet_hours_end),
            # In-app items are not rate-limited: holding back a unit's work hides it.
            rate_limits=RateLimits(
                {
                    "sms": RateLimit(
                        settings.sms_rate_limit_per_recipient,
                        timedelta(seconds=settings.sms_rate_limit_window_s),
                    )
                }
            ),
            budget=SmsBudget(settings.sms_daily_budget_segments, settings.sms_budget_near_ratio),
            retry=RetrySchedule(
                base=timedelta(seconds=settings.retry_base_s),
                cap=timedelta(seconds=settings.retry_cap_s),
                max_attempts=settings.retry_max_attempts,
                max_total=timedelta(seconds=settings.retry_max_total_s),
            ),
            breaker_threshold=settings.breaker_failure_threshold,
            breaker_cool_down=timedelta(seconds=settings.breaker_cool_down_s),
        )

    def breaker(self) -> CircuitBreaker:
        return CircuitBreaker(self.breaker_threshold, self.breaker_cool_down)


@dataclass(frozen=True)
class NotifyState:
    settings: NotifySettings
    policies: Policies
    hub: StreamHub
    catalog: TemplateCatalog = field(default_factory=default_catalog)
    subscriptions: SubscriptionCache = field(default_factory=SubscriptionCache)
    wake_worker: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(cls, runtime: Runtime) -> NotifyState:
        settings = runtime.settings
        assert isinstance(settings, NotifySettings), "notify's runtime has no NotifySettings"
        return cls(
            settings=settings,
            policies=Policies.from_settings(settings),
            hub=StreamHub(queue_size=settings.stream_queue_size),
        )

    def nudge_worker(self) -> None:
        self.wake_worker.set()

    def phone_hash(self, phone: str) -> str:
        """Keyed hash of the national number: matches replies without keeping the number."""
        key = self.settings.phone_hash_key.encode()
        return hmac.new(key, national_number(phone).encode(), hashlib.sha256).hexdigest()


def notify_state(runtime: Runtime) -> NotifyState:
    return _checked(runtime.state)


def handler_state(ctx: HandlerContext) -> NotifyState:
    return _checked(ctx.state)


def _checked(state: object) -> NotifyState:
    assert isinstance(state, NotifyState), "notify's runtime has no NotifyState"
    return state


def _state_dependency(runtime: RuntimeDep) -> NotifyState:
    return notify_state(runtime)


NotifyStateDep = Annotated[NotifyState, Depends(_state_dependency)]
