"""What one running notify app holds besides the common runtime: built in ``create_app``."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import Request

from pingan_common.runtime import Runtime
from pingan_notify.breaker import CircuitBreaker
from pingan_notify.policies import QuietHours, RateLimit, RateLimits, SmsBudget
from pingan_notify.retry_schedule import RetrySchedule
from pingan_notify.settings import NotifySettings
from pingan_notify.sms import national_number
from pingan_notify.stream import StreamHub
from pingan_notify.templates import TemplateCatalog, default_catalog
from pingan_notify.webhooks import SubscriptionCache

if TYPE_CHECKING:
    import httpx

    from pingan_notify.sms import SmsProvider


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


@dataclass
class NotifyState:
    settings: NotifySettings
    policies: Policies
    catalog: TemplateCatalog = field(default_factory=default_catalog)
    hub: StreamHub = field(default_factory=StreamHub)
    wake_worker: asyncio.Event = field(default_factory=asyncio.Event)
    subscriptions: SubscriptionCache = field(default_factory=SubscriptionCache)
    runtime: Runtime | None = None
    http: httpx.AsyncClient | None = None
    sms: SmsProvider | None = None

    @classmethod
    def from_settings(cls, settings: NotifySettings) -> NotifyState:
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

    def require_runtime(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("notify has not started")
        return self.runtime


def get_state(request: Request) -> NotifyState:
    return request.app.state.notify
