"""The delivery worker: sends queued SMS and webhook deliveries, and repeats unacknowledged alerts.

It runs in each replica's lifespan (like the outbox relay). A pass claims due rows with
``SELECT … FOR UPDATE SKIP LOCKED`` and a short lease, so replicas never send the same row at
once and a crashed replica's rows come back when the lease runs out. It is woken right after a
handler commits a queued delivery, and polls as a fallback (held rows fall due by time).

Per row: policies first (SMS: quiet hours, rate limit, daily budget — a hold moves
``not_before`` and burns no attempt; webhooks: the endpoint's circuit breaker — open means wait
until it half-opens, again without burning an attempt), then one attempt. Success → ``sent``;
a retryable failure → ``failed`` with ``next_attempt_at`` from the retry schedule; a permanent
failure or an exhausted schedule → ``dead_lettered`` with the last error. Each outcome is
announced on ``notify.deliveries.v1`` in the same transaction.

Rows of one SMS recipient are handled one after the other, so the rate limit sees each send
before the next; an endpoint's rows go in a few concurrent lanes (the breaker is a locked row,
so it counts every outcome; at most that many requests are in flight when an endpoint dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from pingan_common.events.notify import (
    DeliveryDeadLettered,
    DeliveryDeadLetteredData,
    DeliveryFailed,
    DeliveryFailedData,
    DeliveryQueued,
    DeliveryQueuedData,
    DeliverySent,
    DeliverySentData,
)
from pingan_common.runtime import Runtime
from pingan_notify.alerts import repeat_due_alerts
from pingan_notify.breaker import BreakerState
from pingan_notify.deliveries import (
    DeliveryWriter,
    Recipient,
    Trigger,
    row_announcement,
)
from pingan_notify.metrics import (
    DELIVERIES,
    SEND_LATENCY,
    SMS_BUDGET_LIMIT,
    SMS_BUDGET_NEAR,
    SMS_BUDGET_USED,
    SMS_SEGMENTS,
)
from pingan_notify.models import PENDING_STATUSES, Delivery, WebhookSubscription
from pingan_notify.policies import Audience, BudgetState
from pingan_notify.sms import SmsMessage, SmsOutcome
from pingan_notify.sms_sender import fetch_caller_contact
from pingan_notify.state import NotifyState
from pingan_notify.surveys import SURVEY_TEMPLATE, survey_sent
from pingan_notify.templates import RenderedMessage
from pingan_notify.webhooks import breaker_of, post_webhook, signing_secrets, store_breaker

log = logging.getLogger("pingan.notify.worker")

SENT_STATUSES = ("sent", "delivered")
BUDGET_NEAR_TRIGGER = "notify.sms_budget.near_limit"
_BUDGET_NAMESPACE = uuid.UUID("6f1c1e0e-5d2b-4f7e-9a59-0b7c6c1f5a10")


class Hold(Exception):
    """A policy says not now: try again at ``until`` (no attempt is counted)."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


class DeliveryWorker:
    name = "notify-delivery-worker"

    def __init__(self, state: NotifyState, runtime: Runtime) -> None:
        self.state = state
        self.runtime = runtime
        self.settings = state.settings
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._slots = asyncio.Semaphore(state.settings.worker_concurrency)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping = True
        self.state.nudge_worker()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        poll = self.settings.worker_poll_interval_ms / 1000
        while not self._stopping:
            self.state.wake_worker.clear()
            try:
                handled = await self.run_once()
                await self.repeat_alerts()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("delivery worker pass failed; retrying", exc_info=True)
                await asyncio.sleep(poll)
                continue
            if handled < self.settings.worker_batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.state.wake_worker.wait(), poll)

    # --- one pass ---------------------------------------------------------------------

    async def run_once(self) -> int:
        rows = await self._claim()
        groups: dict[str, list[Any]] = defaultdict(list)
        lanes = self.settings.webhook_concurrency_per_endpoint
        for index, row in enumerate(rows):
            # An SMS recipient's rows go one by one (the rate limit counts each send); an
            # endpoint gets a few lanes, so one slow receiver does not hold its whole backlog.
            lane = index % lanes if row.channel == "webhook" else 0
            groups[f"{row.channel}:{row.recipient}:{lane}"].append(row)
        await asyncio.gather(*(self._handle_group(group) for group in groups.values()))
        return len(rows)

    async def repeat_alerts(self) -> int:
        async with self.runtime.transaction() as session:
            writer = DeliveryWriter(
                self.state, session, lambda e: self.runtime.publish(session, e), self.now()
            )
            return await repeat_due_alerts(writer)

    def now(self) -> datetime:
        return self.runtime.clock()

    async def _claim(self) -> list[Any]:
        now = self.now()
        table = Delivery.__table__
        due = (
            select(table.c.id)
            .where(
                table.c.status.in_(PENDING_STATUSES),
                table.c.due_at <= now,
                or_(table.c.lease_until.is_(None), table.c.lease_until <= now),
            )
            .order_by(table.c.due_at)
            .limit(self.settings.worker_batch_size)
            .with_for_update(skip_locked=True)
        )
        lease = now + timedelta(seconds=self.settings.worker_lease_s)
        async with self.runtime.transaction() as session:
            result = await session.execute(
                update(table)
                .where(table.c.id.in_(due.scalar_subquery()))
                .values(lease_until=lease)
                .returning(table)
            )
            return sorted(result.all(), key=lambda r: (r.due_at, r.id))

    async def _handle_group(self, rows: list[Any]) -> None:
        async with self._slots:
            for row in rows:
                try:
                    if row.channel == "sms":
                        await self._send_sms(row)
                    elif row.channel == "webhook":
                        await self._send_webhook(row)
                except Hold as hold:
                    await self._hold(row, hold)
                except Exception as error:
                    log.exception("delivery %s failed unexpectedly", row.id)
                    await self._failed(row, f"internal error: {type(error).__name__}")

    # --- SMS ----------------------------------------------------------------------------

    async def _send_sms(self, row: Any) -> None:
        await self._check_sms_policies(row)
        phone = row.address
        if phone is None:
            if row.ticket_id is None:
                await self._failed(row, "no phone number to send to", permanent=True)
                return
            contact = await fetch_caller_contact(
                self._http(), self.settings, row.ticket_id, reason=_contact_reason(row)
            )
            if contact.phone is None:
                await self._failed(row, contact.error or "no phone")
                return
            phone = contact.phone
        result = await self._provider().send(
            SmsMessage(
                phone=phone,
                sign_name=self.state.catalog.sign_name,
                template_code=row.template_code or "",
                params=self._ordered_params(row),
                text=row.body,
            )
        )
        if result.outcome is SmsOutcome.SENT:
            SMS_SEGMENTS.inc(result.segments or row.segments or 0)
            await self._sent(row, provider_message_id=result.provider_message_id, phone=phone)
        else:
            error = f"{result.error_code}: {result.error_message}"
            await self._failed(row, error, permanent=result.outcome is SmsOutcome.PERMANENT)

    def _ordered_params(self, row: Any) -> dict[str, str]:
        """The parameters in the template's order (JSONB keeps no order; Tencent needs it)."""
        params = row.params or {}
        try:
            template = self.state.catalog.get(row.template_id, row.template_version)
        except Exception:
            return dict(params)
        return {name: params[name] for name in template.variables if name in params}

    async def _check_sms_policies(self, row: Any) -> None:
        now = self.now()
        policies = self.state.policies
        held = policies.quiet_hours.hold_until(
            now, channel="sms", audience=Audience(row.audience), urgent=row.urgent
        )
        if held is not None:
            raise Hold(held, "quiet hours")
        async with self.runtime.transaction() as session:
            limit = policies.rate_limits.per_channel.get("sms")
            if limit is not None and not row.urgent:
                count, oldest = (
                    await session.execute(
                        select(func.count(), func.min(Delivery.sent_at)).where(
                            Delivery.recipient == row.recipient,
                            Delivery.channel == "sms",
                            Delivery.status.in_(SENT_STATUSES),
                            Delivery.sent_at > now - limit.window,
                        )
                    )
                ).one()
                if not policies.rate_limits.decide("sms", count, urgent=row.urgent).allowed:
                    raise Hold(oldest + limit.window, "rate limit")
            used = await self._budget_used(session, now)
        await self._check_budget(row, used, now)

    async def _budget_used(self, session: Any, now: datetime) -> int:
        day_start = self.state.policies.budget.day_start(now)
        used = await session.scalar(
            select(func.coalesce(func.sum(Delivery.segments), 0)).where(
                Delivery.channel == "sms",
                Delivery.status.in_(SENT_STATUSES),
                Delivery.sent_at >= day_start,
            )
        )
        return int(used or 0)

    async def _check_budget(self, row: Any, used: int, now: datetime) -> None:
        budget = self.state.policies.budget
        SMS_BUDGET_USED.set(used)
        SMS_BUDGET_LIMIT.set(budget.daily_limit)
        state = budget.state(used + (row.segments or 1))
        SMS_BUDGET_NEAR.set(1 if state is not BudgetState.OK else 0)
        if state is not BudgetState.OK:
            await self._alert_budget_near(now, used)
        if not budget.allows(used, row.segments or 1):
            tomorrow = budget.day_start(now) + timedelta(days=1)
            raise Hold(tomorrow, "daily SMS budget exhausted")

    async def _alert_budget_near(self, now: datetime, used: int) -> None:
        """Once per county day (the unique delivery key dedups across passes and replicas)."""
        budget = self.state.policies.budget
        day = budget.day_start(now).date().isoformat()
        county = self.settings.county_code
        trigger = Trigger(
            event_id=uuid.uuid5(_BUDGET_NAMESPACE, f"sms-budget-near/{day}"),
            event_type=BUDGET_NEAR_TRIGGER,
            time=now,
            correlation_id=f"sms-budget-{day}",
            ticket_id=None,
            ticket_number=None,
            area_code=county,
        )
        title = "短信额度即将用尽"
        body = (
            f"今日短信已用 {used} 条（计费条数），日额度 {budget.daily_limit} 条；"
            "用尽后非紧急短信将暂停发送，请评估是否调整额度。"
        )
        message = RenderedMessage(
            template_id="system.sms_budget_near",
            version=1,
            channel="in_app",
            template_code=None,
            title=title,
            body=body,
            text=body,
            params={},
            segments=None,
        )
        async with self.runtime.transaction() as session:
            writer = DeliveryWriter(
                self.state, session, lambda e: self.runtime.publish(session, e), now
            )
            await writer.in_app(trigger, [Recipient("role", f"admin@{county}")], message)

    # --- webhooks -------------------------------------------------------------------------

    async def _send_webhook(self, row: Any) -> None:
        now = self.now()
        async with self.runtime.transaction() as session:
            subscription = await session.get(WebhookSubscription, row.subscription_id)
            if subscription is not None and not _healthy(subscription):
                # Only a circuit that is not plainly closed needs the row lock (one trial).
                await session.refresh(subscription, with_for_update=True)
            if subscription is None or not subscription.active:
                reason = "subscription deleted" if subscription is None else "subscription inactive"
                await self._failed(row, reason, permanent=True, session=session)
                return
            wait_until = self._admit(subscription, now)
            url, secrets = subscription.url, signing_secrets(subscription)
        if wait_until is not None:
            raise Hold(wait_until, "circuit open")
        result = await post_webhook(
            self._http(),
            url=url,
            secrets=secrets,
            event_id=str(row.trigger_event_id),
            body=row.payload or "",
            timeout_s=self.settings.webhook_timeout_s,
        )
        async with self.runtime.transaction() as session:
            await self._record_outcome(session, row.subscription_id, result.ok)
            if result.ok:
                await self._sent(row, session=session)
            else:
                await self._failed(row, result.error or "failed", session=session)

    async def _record_outcome(self, session: Any, subscription_id: Any, ok: bool) -> None:
        """Feed the endpoint's breaker; a success on a healthy circuit changes nothing."""
        subscription = await session.get(WebhookSubscription, subscription_id)
        if subscription is None or (ok and _healthy(subscription)):
            return
        await session.refresh(subscription, with_for_update=True)
        breaker = breaker_of(subscription, self.state.policies.breaker())
        if ok:
            breaker.record_success(self.now())
        else:
            breaker.record_failure(self.now())
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

    # --- outcomes ----------------------------------------------------------------------

    async def _sent(
        self,
        row: Any,
        *,
        provider_message_id: str | None = None,
        phone: str | None = None,
        session: Any = None,
    ) -> None:
        now = self.now()
        latency_ms = max((now - row.trigger_time).total_seconds() * 1000, 0.0)
        values = {
            "status": "sent",
            "attempts": row.attempts + 1,
            "sent_at": now,
            "first_attempt_at": row.first_attempt_at or now,
            "next_attempt_at": None,
            "lease_until": None,
            "last_error": None,
            "provider_message_id": provider_message_id,
            "latency_ms": latency_ms,
        }
        if row.audience == "citizen":
            values["address"] = None  # the number is needed no longer
        event = row_announcement(
            DeliverySent,
            DeliverySentData,
            row,
            now,
            sent_at=now,
            attempts=row.attempts + 1,
            provider_message_id=provider_message_id,
            latency_ms=latency_ms,
        )
        async with self._session(session) as s:
            await s.execute(update(Delivery).where(Delivery.id == row.id).values(**values))
            if row.template_id == SURVEY_TEMPLATE and phone is not None:
                await survey_sent(s, row.id, self.state.phone_hash(phone), now)
            await self.runtime.publish(s, event)
        DELIVERIES.labels(row.channel, "sent").inc()
        SEND_LATENCY.labels(row.channel).observe(latency_ms / 1000)

    async def _failed(
        self, row: Any, error: str, *, permanent: bool = False, session: Any = None
    ) -> None:
        now = self.now()
        attempts = row.attempts + 1
        first = row.first_attempt_at or now
        retry_at = (
            None if permanent else self.state.policies.retry.next_attempt_at(attempts, now, first)
        )
        values: dict[str, Any] = {
            "attempts": attempts,
            "first_attempt_at": first,
            "last_error": error[:2000],
            "lease_until": None,
        }
        if retry_at is None:
            values |= {"status": "dead_lettered", "dead_lettered_at": now, "next_attempt_at": None}
            if row.audience == "citizen":
                values["address"] = None
            event = row_announcement(
                DeliveryDeadLettered,
                DeliveryDeadLetteredData,
                row,
                now,
                dead_lettered_at=now,
                attempts=attempts,
                last_error=error,
            )
        else:
            values |= {"status": "failed", "next_attempt_at": retry_at, "due_at": retry_at}
            event = row_announcement(
                DeliveryFailed,
                DeliveryFailedData,
                row,
                now,
                failed_at=now,
                attempts=attempts,
                error=error,
                next_attempt_at=retry_at,
            )
        async with self._session(session) as s:
            await s.execute(update(Delivery).where(Delivery.id == row.id).values(**values))
            await self.runtime.publish(s, event)
        DELIVERIES.labels(row.channel, str(values["status"])).inc()

    async def _hold(self, row: Any, hold: Hold) -> None:
        now = self.now()
        values = {
            "not_before": hold.until,
            "due_at": hold.until,
            "lease_until": None,
            "last_error": f"held: {hold.reason}",
        }
        event = row_announcement(
            DeliveryQueued, DeliveryQueuedData, row, now, queued_at=now, not_before=hold.until
        )
        async with self.runtime.transaction() as session:
            await session.execute(update(Delivery).where(Delivery.id == row.id).values(**values))
            if row.not_before != hold.until:
                await self.runtime.publish(session, event)

    @contextlib.asynccontextmanager
    async def _session(self, session: Any):  # type: ignore[no-untyped-def]
        if session is not None:
            yield session
            return
        async with self.runtime.transaction() as fresh:
            yield fresh

    def _http(self):  # type: ignore[no-untyped-def]
        assert self.state.http is not None
        return self.state.http

    def _provider(self):  # type: ignore[no-untyped-def]
        assert self.state.sms is not None
        return self.state.sms


def _healthy(subscription: WebhookSubscription) -> bool:
    return subscription.breaker_state == "closed" and subscription.consecutive_failures == 0


def _contact_reason(row: Any) -> str:
    return {
        "ticket_receipt.sms": "receipt_sms",
        SURVEY_TEMPLATE: "survey_sms",
    }.get(row.template_id or "", "citizen_sms")
