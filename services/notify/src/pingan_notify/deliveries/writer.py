"""Writing deliveries: in-app at once (inbox item + stream), SMS and webhooks queued.

Every insert goes through the unique (trigger event, recipient, channel) constraint with
``ON CONFLICT DO NOTHING``: a redelivered event, a second replica or a repeated call writes
nothing and announces nothing. What happens after the commit (stream fan-out, waking the
worker) is registered on the session and runs only if the transaction commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, bindparam, text
from sqlalchemy import event as sa_event
from sqlalchemy import insert as sa_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import EventEnvelope
from pingan_common.events.notify import (
    DeliveryQueued,
    DeliveryQueuedData,
    DeliverySent,
    DeliverySentData,
)
from pingan_common.ids import new_id
from pingan_common.runtime import Runtime
from pingan_notify.deliveries.announcements import announcement, delivery_event_data
from pingan_notify.deliveries.trigger import Recipient, Trigger, event_kind
from pingan_notify.metrics import DELIVERIES, SEND_LATENCY
from pingan_notify.models import Delivery, InboxItem
from pingan_notify.state import NotifyState, handler_state
from pingan_notify.stream.hub import StreamItem
from pingan_notify.templates.catalog import RenderedMessage

Publish = Callable[[EventEnvelope], Awaitable[None]]

_AFTER_COMMIT = "pingan.notify.after_commit"

# Plain SQL on the hot path: SQLAlchemy never caches the compiled form of PostgreSQL's
# INSERT … ON CONFLICT, and compiling it on every event cost more than running it.
_DELIVERY_TABLE = Delivery.__table__
_DELIVERY_COLUMNS = [column.name for column in _DELIVERY_TABLE.columns]
_INSERT_DELIVERY = text(
    f"INSERT INTO deliveries ({', '.join(_DELIVERY_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _DELIVERY_COLUMNS)}) "
    "ON CONFLICT (trigger_event_id, recipient, channel) DO NOTHING RETURNING id"
).bindparams(*(bindparam(c.name, type_=c.type) for c in _DELIVERY_TABLE.columns))


def after_commit(session: AsyncSession, hook: Callable[[], None]) -> None:
    """Run ``hook`` once the session's transaction has committed (never after a rollback)."""
    session.sync_session.info.setdefault(_AFTER_COMMIT, []).append(hook)


@sa_event.listens_for(Session, "after_commit")
def _run_after_commit_hooks(session: Session) -> None:
    for hook in session.info.pop(_AFTER_COMMIT, []):
        hook()


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_commit_hooks(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


class DeliveryWriter:
    """Queues and records deliveries inside the caller's transaction."""

    def __init__(
        self, state: NotifyState, session: AsyncSession, publish: Publish, now: datetime
    ) -> None:
        self.state = state
        self.session = session
        self.publish = publish
        self.now = now

    @classmethod
    def for_handler(cls, ctx: HandlerContext) -> DeliveryWriter:
        """Inside a consumed event's transaction: deliveries publish through its outbox."""
        return cls(handler_state(ctx), ctx.session, ctx.publish, ctx.clock())

    @classmethod
    def for_session(
        cls, state: NotifyState, runtime: Runtime, session: AsyncSession, now: datetime
    ) -> DeliveryWriter:
        """Inside a transaction of the service's own (a route, the worker)."""
        return cls(state, session, lambda event: runtime.publish(session, event), now)

    async def in_app(
        self,
        trigger: Trigger,
        recipients: Sequence[Recipient],
        message: RenderedMessage,
        *,
        urgent: bool = False,
        requires_ack: bool = False,
        alert_id: UUID | None = None,
        title: str | None = None,
    ) -> list[StreamItem]:
        """Inbox items, sent at once; the stream gets them right after the commit."""
        title = title or message.title or message.body[:60]
        recipients = list({r.id: r for r in recipients}.values())
        if not recipients:
            return []
        values = [
            self._delivery_values(trigger, r, "in_app", message, title=title, urgent=urgent)
            | {
                "status": "sent",
                "attempts": 1,
                "sent_at": self.now,
                "latency_ms": self._latency(trigger),
            }
            for r in recipients
        ]
        inserted = await self._insert_deliveries(values)
        if not inserted:
            return []
        items = await self._insert_inbox_items(
            trigger,
            [v for v in values if v["id"] in inserted],
            message.body,
            title,
            urgent=urgent,
            requires_ack=requires_ack,
            alert_id=alert_id,
        )
        for value in values:
            if value["id"] in inserted:
                await self._announce_sent(trigger, value)
        hub = self.state.hub
        after_commit(self.session, lambda: hub.publish(items))
        return items

    async def sms(
        self,
        trigger: Trigger,
        recipient: Recipient,
        message: RenderedMessage,
        *,
        urgent: bool = False,
    ) -> UUID | None:
        """A queued SMS; citizens' non-urgent texts wait out the quiet hours."""
        not_before = self.state.policies.quiet_hours.hold_until(
            self.now, channel="sms", audience=recipient.audience, urgent=urgent
        )
        value = self._delivery_values(
            trigger,
            recipient,
            "sms",
            message,
            title=message.title or message.body[:60],
            urgent=urgent,
        ) | {
            "status": "queued",
            "address": recipient.address,
            "template_code": message.template_code,
            "params": message.params,
            "segments": message.segments,
            "not_before": not_before,
            "due_at": not_before or self.now,
        }
        return await self._queue(trigger, value)

    async def webhook(self, trigger: Trigger, subscription_id: UUID, payload: str) -> UUID | None:
        value = {
            "id": new_id(),
            "channel": "webhook",
            "recipient_kind": "endpoint",
            "recipient": str(subscription_id),
            "audience": "system",
            "urgent": False,
            "area_code": trigger.area_code,
            "title": trigger.event_type,
            "body": "",
            "payload": payload,
            "subscription_id": subscription_id,
            "status": "queued",
            "due_at": self.now,
            **self._trigger_values(trigger),
        }
        return await self._queue(trigger, value)

    async def _queue(self, trigger: Trigger, value: dict[str, Any]) -> UUID | None:
        inserted = await self._insert_deliveries([value])
        if not inserted:
            return None
        DELIVERIES.labels(value["channel"], "queued").inc()
        await self.publish(
            self._event(
                DeliveryQueued,
                DeliveryQueuedData(
                    **delivery_event_data(value),
                    queued_at=self.now,
                    not_before=value.get("not_before"),
                ),
                value["id"],
                trigger,
            )
        )
        after_commit(self.session, self.state.nudge_worker)
        return value["id"]

    def _trigger_values(self, trigger: Trigger) -> dict[str, Any]:
        return {
            "correlation_id": trigger.correlation_id,
            "ticket_id": trigger.ticket_id,
            "trigger_event_id": trigger.event_id,
            "trigger_type": trigger.event_type,
            "trigger_time": trigger.time,
            "traceparent": trigger.traceparent,
            "created_at": self.now,
            "attempts": 0,
        }

    def _delivery_values(
        self,
        trigger: Trigger,
        recipient: Recipient,
        channel: str,
        message: RenderedMessage,
        *,
        title: str,
        urgent: bool,
    ) -> dict[str, Any]:
        return {
            "id": new_id(),
            "channel": channel,
            "recipient_kind": recipient.kind,
            "recipient": recipient.id,
            "audience": str(recipient.audience),
            "urgent": urgent,
            "area_code": trigger.area_code,
            "title": title[:200],
            "body": message.text if channel == "sms" else message.body,
            "template_id": message.template_id,
            "template_version": message.version,
            "due_at": self.now,
            **self._trigger_values(trigger),
        }

    async def _insert_deliveries(self, values: list[dict[str, Any]]) -> set[UUID]:
        inserted = set()
        for value in values:
            row = {column: value.get(column) for column in _DELIVERY_COLUMNS}
            row["urgent"] = bool(row["urgent"])
            row["attempts"] = row["attempts"] or 0
            delivery_id = await self.session.scalar(_INSERT_DELIVERY, row)
            if delivery_id is not None:
                inserted.add(delivery_id)
        return inserted

    async def _insert_inbox_items(
        self,
        trigger: Trigger,
        deliveries: list[dict[str, Any]],
        body: str,
        title: str,
        *,
        urgent: bool,
        requires_ack: bool,
        alert_id: UUID | None,
    ) -> list[StreamItem]:
        table = cast(Table, InboxItem.__table__)  # typed as any FromClause
        kind = event_kind(trigger.event_type)
        rows = [
            {
                "delivery_id": d["id"],
                "recipient_kind": d["recipient_kind"],
                "recipient": d["recipient"],
                "area_code": trigger.area_code,
                "kind": kind,
                "title": title[:200],
                "body": body,
                "ticket_id": trigger.ticket_id,
                "ticket_number": trigger.ticket_number,
                "alert_id": alert_id,
                "urgent": urgent,
                "requires_ack": requires_ack,
                "trigger_time": trigger.time,
                "created_at": self.now,
            }
            for d in deliveries
        ]
        result = await self.session.execute(
            sa_insert(table).returning(*table.c, sort_by_parameter_order=True), rows
        )
        return [StreamItem.from_row(row) for row in result]

    async def _announce_sent(self, trigger: Trigger, value: dict[str, Any]) -> None:
        DELIVERIES.labels(value["channel"], "sent").inc()
        if value.get("latency_ms") is not None:
            SEND_LATENCY.labels(value["channel"]).observe(value["latency_ms"] / 1000)
        await self.publish(
            self._event(
                DeliverySent,
                DeliverySentData(
                    **delivery_event_data(value),
                    sent_at=self.now,
                    attempts=1,
                    latency_ms=value.get("latency_ms"),
                ),
                value["id"],
                trigger,
            )
        )

    def _latency(self, trigger: Trigger) -> float:
        return max((self.now - trigger.time).total_seconds() * 1000, 0.0)

    def _event(
        self, event_class: type[EventEnvelope], data: Any, delivery_id: UUID, trigger: Trigger
    ) -> EventEnvelope:
        return announcement(event_class, data, delivery_id, trigger, self.now)
