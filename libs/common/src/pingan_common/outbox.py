"""The transactional outbox: events are rows written with the state change, then relayed.

A relay publishes unsent rows in id order and marks them sent. One relay per database works
at a time (a transaction-scoped advisory lock), so several replicas never reorder an
aggregate's events. It is nudged in-process right after a commit that added rows and polls
as a fallback: every ``poll_interval_ms`` while it finds rows, doubling on each empty pass up
to ``idle_poll_interval_ms`` when there are none, and soon again when another replica held the
lock; a broker outage only delays publication.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, Table, bindparam, delete, func, insert, select, true, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pingan_common.bus.idle_backoff import IdleBackoff
from pingan_common.bus.producer import EventProducer, OutgoingMessage
from pingan_common.db import Clock, system_clock
from pingan_common.events.envelope import EventEnvelope
from pingan_common.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISH_FAILURES
from pingan_common.settings import OutboxSettings

log = logging.getLogger("pingan.outbox")

_NUDGE_KEY = "pingan.outbox.nudge"
# Any constant works: each service has its own database, hence its own lock space.
_RELAY_LOCK_ID = 7_240_001


def outbox_row(event: EventEnvelope) -> dict[str, Any]:
    """The outbox row of an event (for a batch insert of many, as the deadline scanner does)."""
    return {
        "event_id": event.id,
        "event_type": event.type,
        "topic": event.topic,
        "message_key": event.subject,
        "payload": event.model_dump(mode="json"),
    }


class Outbox:
    """Writes events into the outbox table of the session's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._wake = asyncio.Event()

    async def add(self, session: AsyncSession, event: EventEnvelope) -> None:
        # the core insert, not the PostgreSQL dialect's: SQLAlchemy 2.0 caches only the former's
        # compiled form, and this runs once per published event
        await session.execute(insert(self.table).values(outbox_row(event)))
        session.sync_session.info[_NUDGE_KEY] = self._wake.set

    async def wait_for_nudge(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def clear_nudge(self) -> None:
        self._wake.clear()

    def nudge(self) -> None:
        self._wake.set()


@sa_event.listens_for(Session, "after_commit")
def _nudge_relay_after_commit(session: Session) -> None:
    wake = session.info.pop(_NUDGE_KEY, None)
    if wake is not None:
        wake()


@sa_event.listens_for(Session, "after_rollback")
def _forget_nudge_after_rollback(session: Session) -> None:
    session.info.pop(_NUDGE_KEY, None)


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        outbox: Outbox,
        producer: EventProducer,
        settings: OutboxSettings,
        service: str,
        clock: Clock = system_clock,
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._table = outbox.table
        self._producer = producer
        self._settings = settings
        self._service = service
        self._clock = clock
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._backlog_gauges = _Every(1.0)
        self._cleanup = _Every(settings.cleanup_interval_s)
        self._claim_batch = claim_batch_statement(self._table, settings.batch_size)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self._service}")

    async def stop(self) -> None:
        """Stop after a last flush, so a clean shutdown leaves nothing unsent."""
        self._stopping = True
        self._outbox.nudge()
        if self._task is not None:
            await self._task
            self._task = None
        try:
            while await self.publish_pending():
                pass
        except Exception:
            log.warning("final outbox flush failed; rows stay for the next start", exc_info=True)

    async def _run(self) -> None:
        poll = IdleBackoff(self._settings.poll_interval_ms, self._settings.idle_poll_interval_ms)
        while not self._stopping:
            self._outbox.clear_nudge()
            try:
                batch = await self._publish_batch()
                published = batch or 0
                # Rows found, or another relay holds the lock (its rows may be ours): look again
                # soon; an empty pass makes the next fallback poll wait longer.
                wait_ms = poll.after_poll(1 if batch is None else published)
                await self._maybe_record_backlog()
                await self._maybe_cleanup()
            except asyncio.CancelledError:
                raise
            except Exception:
                OUTBOX_PUBLISH_FAILURES.labels(self._service).inc()
                log.warning("outbox publish failed; retrying", exc_info=True)
                await asyncio.sleep(self._settings.retry_backoff_ms / 1000)
                continue
            if published < self._settings.batch_size:
                await self._outbox.wait_for_nudge(wait_ms / 1000)

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were published."""
        return await self._publish_batch() or 0

    async def _publish_batch(self) -> int | None:
        """Publish one batch: how many rows, or None when another relay holds the lock.

        One statement takes the lock, picks the batch and marks it sent; the rows are published
        before the commit, so a failed publish rolls the marks back and they go out next time.
        """
        async with self._engine.begin() as conn:
            result = await conn.execute(self._claim_batch, {"sent_at": self._clock()})
            claimed = result.all()
            if not claimed[0].held:
                return None
            rows = sorted((row for row in claimed if row.id is not None), key=lambda row: row.id)
            if rows:
                await self._producer.send_all([_to_message(row) for row in rows])
        return len(rows)

    async def _maybe_record_backlog(self) -> None:
        """For the gauges; at most once a second, not on every commit's nudge."""
        if not self._backlog_gauges.due():
            return
        async with self._engine.connect() as conn:
            count, oldest = await unsent_backlog(conn, self._table)
        OUTBOX_BACKLOG.labels(self._service).set(count)
        age = (self._clock() - oldest).total_seconds() if oldest else 0.0
        OUTBOX_OLDEST_AGE.labels(self._service).set(max(age, 0.0))

    async def _maybe_cleanup(self) -> None:
        if not self._cleanup.due():
            return
        cutoff = self._clock() - timedelta(hours=self._settings.retention_hours)
        async with self._engine.begin() as conn:
            await conn.execute(delete(self._table).where(self._table.c.sent_at < cutoff))

    async def republish_since(self, since: datetime) -> int:
        """Mark rows created at or after ``since`` unsent again, e.g. after the broker lost data."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(self._table)
                .where(self._table.c.created_at >= since, self._table.c.sent_at.is_not(None))
                .values(sent_at=None)
            )
        self._outbox.nudge()
        return result.rowcount or 0


def claim_batch_statement(table: Table, batch_size: int) -> Select[Any]:
    """Whether this relay got the lock, and the next unsent rows (oldest first), marked sent.

    A relay pass is one round trip instead of three (lock, select, update): the pass runs after
    almost every commit that wrote an event, in every service. A data-modifying CTE runs once
    whatever the outer query reads, and the lock's row is there even when no row is unsent.
    """
    lock = select(func.pg_try_advisory_xact_lock(_RELAY_LOCK_ID).label("held")).cte("relay_lock")
    picked = (
        select(table.c.id)
        .join_from(table, lock, lock.c.held)
        .where(table.c.sent_at.is_(None))
        .order_by(table.c.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True, of=table)
        .cte("picked")
    )
    sent = (
        update(table)
        .where(table.c.id.in_(select(picked.c.id)))
        .values(sent_at=bindparam("sent_at"))
        .returning(
            table.c.id,
            table.c.event_id,
            table.c.event_type,
            table.c.topic,
            table.c.message_key,
            table.c.payload,
        )
        .cte("sent")
    )
    return select(lock.c.held, sent).select_from(lock.outerjoin(sent, true()))


async def unsent_backlog(conn: AsyncConnection | AsyncSession, table: Table) -> tuple[int, Any]:
    """How many rows wait to be published, and when the oldest was written."""
    statement = select(func.count(), func.min(table.c.created_at)).where(table.c.sent_at.is_(None))
    count, oldest = (await conn.execute(statement)).one()
    return count, oldest


class _Every:
    """True at most once per period: for housekeeping that must not run on every pass."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._last = float("-inf")

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < self._seconds:
            return False
        self._last = now
        return True


def _to_message(row: Row[Any]) -> OutgoingMessage:
    return OutgoingMessage(
        topic=row.topic,
        key=row.message_key,
        value=json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode(),
        event_type=row.event_type,
        headers=(("ce_type", row.event_type.encode()), ("ce_id", str(row.event_id).encode())),
    )
