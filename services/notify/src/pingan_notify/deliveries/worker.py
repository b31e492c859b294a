"""The delivery worker: sends queued SMS and webhook deliveries, and repeats unacknowledged alerts.

It runs in each replica as a background worker (like the outbox relay). A pass claims due rows
with ``SELECT … FOR UPDATE SKIP LOCKED`` and a short lease, so replicas never send the same row
at once and a crashed replica's rows come back when the lease runs out. It is woken right after
a handler commits a queued delivery, and polls as a fallback (held rows fall due by time).

Per row, the channel's sender applies its policies (SMS: ``sms.sending``; webhooks:
``webhooks.sending``) and makes one attempt; ``deliveries.attempts`` records what came of it.

Rows of one SMS recipient are handled one after the other, so the rate limit sees each send
before the next; an endpoint's rows go in a few concurrent lanes (the breaker is a locked row,
so it counts every outcome; at most that many requests are in flight when an endpoint dies).
The worker owns the HTTP client its senders share (SMS provider, intake, webhook receivers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import Table, or_, select, update

from pingan_common.bus.idle_backoff import IdleBackoff
from pingan_common.runtime import Runtime
from pingan_notify.deliveries.attempts import DeliveryOutcomes, Hold
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import PENDING_STATUSES, Delivery
from pingan_notify.notices.alerts import repeat_due_alerts
from pingan_notify.sms.sending import SmsSending
from pingan_notify.state import NotifyState
from pingan_notify.webhooks.sending import WebhookSending

log = logging.getLogger("pingan.notify.worker")

Send = Callable[[Any], Awaitable[None]]


class DeliveryWorker:
    name = "notify-delivery-worker"

    def __init__(self, state: NotifyState, runtime: Runtime) -> None:
        self.state = state
        self.runtime = runtime
        self.settings = state.settings
        self.outcomes = DeliveryOutcomes(state, runtime)
        # Never follow a redirect: a webhook target checked as public could point elsewhere.
        self._http = httpx.AsyncClient(timeout=state.settings.sms_timeout_s, follow_redirects=False)
        self._senders: dict[str, Send] = {
            "sms": SmsSending(state, runtime, self.outcomes, self._http).send,
            "webhook": WebhookSending(state, runtime, self.outcomes, self._http).send,
        }
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
        await self._http.aclose()

    async def _run(self) -> None:
        poll = self.settings.worker_poll_interval_ms / 1000
        idle = IdleBackoff(
            self.settings.worker_poll_interval_ms, self.settings.worker_idle_poll_interval_ms
        )
        while not self._stopping:
            self.state.wake_worker.clear()
            try:
                handled = await self.run_once()
                repeated = await self.repeat_alerts()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("delivery worker pass failed; retrying", exc_info=True)
                await asyncio.sleep(poll)
                continue
            wait_s = idle.after_poll(handled + repeated) / 1000
            if handled < self.settings.worker_batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.state.wake_worker.wait(), wait_s)
                    idle.after_poll(1)  # woken by a commit: poll at the short interval again

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
            writer = DeliveryWriter.for_session(self.state, self.runtime, session, self.now())
            return await repeat_due_alerts(writer)

    def now(self) -> datetime:
        return self.runtime.clock()

    async def _claim(self) -> list[Any]:
        now = self.now()
        table = cast(Table, Delivery.__table__)  # typed as any FromClause
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
                send = self._senders.get(row.channel)
                if send is None:
                    continue
                try:
                    await send(row)
                except Hold as hold:
                    await self.outcomes.held(row, hold)
                except Exception as error:
                    log.exception("delivery %s failed unexpectedly", row.id)
                    await self.outcomes.failed(row, f"internal error: {type(error).__name__}")
