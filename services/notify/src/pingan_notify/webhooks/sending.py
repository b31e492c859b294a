"""One attempt at a queued webhook delivery, through the endpoint's circuit breaker.

The breaker's state lives on the subscription row: an open circuit holds the delivery until it
half-opens (no attempt burnt), and half-open lets one trial through. An endpoint's deliveries
go in a few concurrent lanes; the row lock on a circuit that is not plainly closed makes every
outcome count once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_notify.deliveries.attempts import ChannelSender, Hold
from pingan_notify.models import WebhookSubscription
from pingan_notify.webhooks.breaker import BreakerState, CircuitBreaker
from pingan_notify.webhooks.signing import sign
from pingan_notify.webhooks.targets import refused_destination

USER_AGENT = "Pingan-Notify-Webhooks/1"


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
    # The receiver's answer is not kept: deliveries are read by analysts, and an endpoint that
    # should never have been called could answer with anything.
    return WebhookResult(False, f"HTTP {response.status_code}", response.status_code)


def signing_secrets(subscription: WebhookSubscription) -> list[str]:
    """While a secret is being rotated, each delivery is signed with the old and the new one."""
    return [s for s in (subscription.previous_secret, subscription.secret) if s]


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


class WebhookSending(ChannelSender):
    async def send(self, row: Any) -> None:
        now = self.runtime.clock()
        async with self.runtime.transaction() as session:
            subscription = await session.get(WebhookSubscription, row.subscription_id)
            if subscription is not None and not _healthy(subscription):
                # Only a circuit that is not plainly closed needs the row lock (one trial).
                await session.refresh(subscription, with_for_update=True)
            if subscription is None or not subscription.active:
                reason = "subscription deleted" if subscription is None else "subscription inactive"
                await self.outcomes.failed(row, reason, permanent=True, session=session)
                return
            wait_until = self._admit(subscription, now)
            url, secrets = subscription.url, signing_secrets(subscription)
        if wait_until is not None:
            raise Hold(wait_until, "circuit open")
        allow_private = self.state.settings.webhook_allow_private_targets
        refused = await refused_destination(url, allow_private=allow_private)
        if refused is not None:
            async with self.runtime.transaction() as session:
                await self.outcomes.failed(
                    row, f"refused target: {refused}", permanent=True, session=session
                )
            return
        result = await post_webhook(
            self.http,
            url=url,
            secrets=secrets,
            event_id=str(row.trigger_event_id),
            body=row.payload or "",
            timeout_s=self.state.settings.webhook_timeout_s,
        )
        async with self.runtime.transaction() as session:
            await self._record_outcome(session, row.subscription_id, result.ok)
            if result.ok:
                await self.outcomes.sent(row, session=session)
            else:
                await self.outcomes.failed(row, result.error or "failed", session=session)

    async def _record_outcome(self, session: AsyncSession, subscription_id: UUID, ok: bool) -> None:
        """Feed the endpoint's breaker; a success on a healthy circuit changes nothing."""
        subscription = await session.get(WebhookSubscription, subscription_id)
        if subscription is None or (ok and _healthy(subscription)):
            return
        await session.refresh(subscription, with_for_update=True)
        breaker = breaker_of(subscription, self.state.policies.breaker())
        if ok:
            breaker.record_success(self.runtime.clock())
        else:
            breaker.record_failure(self.runtime.clock())
        store_breaker(subscription, breaker)

    def _admit(self, subscription: WebhookSubscription, now: datetime) -> datetime | None:
        """None to send now; else when to look again. Half-open lets one trial through: the
        trial's start is kept in ``breaker_opened_at`` and others wait one cool-down for it."""
        cool_down = self.state.policies.breaker_cool_down
        breaker = breaker_of(subscription, self.state.policies.breaker())
        if breaker.state is BreakerState.HALF_OPEN:
            trial_started = subscription.breaker_opened_at or now
            if now < trial_started + cool_down:
                return trial_started + cool_down
            breaker.trial_in_flight = False
        if not breaker.allow_request(now):
            return breaker.reopens_at()
        if breaker.state is BreakerState.HALF_OPEN:
            breaker.opened_at = now
        store_breaker(subscription, breaker)
        return None


def _healthy(subscription: WebhookSubscription) -> bool:
    return subscription.breaker_state == "closed" and subscription.consecutive_failures == 0
