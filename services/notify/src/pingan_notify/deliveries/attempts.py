"""One attempt to send a delivery, and what it ended in, recorded on its row and announced.

Each channel that is sent later (SMS, webhooks) has a ``ChannelSender``: it applies the
channel's policies and makes the attempt.

Success → ``sent``; a retryable failure → ``failed`` with ``next_attempt_at`` from the retry
schedule; a permanent failure or an exhausted schedule → ``dead_lettered`` with the last error;
a policy saying "not now" → a hold that moves ``not_before`` and burns no attempt. Each outcome
is announced on ``notify.deliveries.v1`` in the same transaction.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

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
from pingan_notify.deliveries.announcements import row_announcement
from pingan_notify.metrics import DELIVERIES, SEND_LATENCY
from pingan_notify.models import Delivery
from pingan_notify.state import NotifyState


class Hold(Exception):
    """A policy says not now: try again at ``until`` (no attempt is counted)."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


class DeliveryOutcomes:
    def __init__(self, state: NotifyState, runtime: Runtime) -> None:
        self.state = state
        self.runtime = runtime

    async def sent(
        self,
        row: Any,
        *,
        now: datetime | None = None,
        provider_message_id: str | None = None,
        session: AsyncSession | None = None,
    ) -> None:
        now = now or self.runtime.clock()
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
            await self.runtime.publish(s, event)
        DELIVERIES.labels(row.channel, "sent").inc()
        SEND_LATENCY.labels(row.channel).observe(latency_ms / 1000)

    async def failed(
        self,
        row: Any,
        error: str,
        *,
        permanent: bool = False,
        session: AsyncSession | None = None,
    ) -> None:
        now = self.runtime.clock()
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

    async def held(self, row: Any, hold: Hold) -> None:
        now = self.runtime.clock()
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
    async def _session(self, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        """The caller's transaction when it has one, else a transaction of its own."""
        if session is not None:
            yield session
            return
        async with self.runtime.transaction() as fresh:
            yield fresh


class ChannelSender(abc.ABC):
    """Sends one claimed delivery of its channel; raises ``Hold`` when a policy says not now."""

    def __init__(
        self,
        state: NotifyState,
        runtime: Runtime,
        outcomes: DeliveryOutcomes,
        http: httpx.AsyncClient,
    ) -> None:
        self.state = state
        self.runtime = runtime
        self.outcomes = outcomes
        self.http = http

    @abc.abstractmethod
    async def send(self, row: Any) -> None: ...
