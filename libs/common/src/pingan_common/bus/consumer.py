"""Consumer runner: apply each event in one database transaction, then commit the offset.

Per event: parse → (inbox claim + handlers) in one transaction → on failure retry with backoff
a bounded number of times → then dead-letter with the error and move on. Offsets are committed
only after the effects of every earlier message in the partition have committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.bus.idle_backoff import IdleBackoff, set_fetch_wait
from pingan_common.bus.producer import EventProducer, OutgoingMessage
from pingan_common.bus.topics_admin import ensure_topics
from pingan_common.db import Clock, SessionFactory, system_clock
from pingan_common.events.catalog import UnknownEventType, parse_event
from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import dead_letter_topic
from pingan_common.inbox import claim_event
from pingan_common.metrics import (
    CONSUMER_LAG,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_RETRIED,
    HANDLER_SECONDS,
)
from pingan_common.outages import backing_service_unavailable
from pingan_common.outbox import Outbox
from pingan_common.settings import KafkaSettings

log = logging.getLogger("pingan.consumer")


@dataclass
class HandlerContext:
    """What a handler gets besides the event: the open transaction, a way to publish, and the
    service's own typed state (``ServiceDefinition.state``), or None for a service without one."""

    session: AsyncSession
    outbox: Outbox
    clock: Clock
    group: str
    state: Any = None

    async def publish(self, event: EventEnvelope) -> None:
        await self.outbox.add(self.session, event)


# A handler takes the event class it is registered for (e.g. TicketRegistered); a mapping's type
# can't tie each key to its values' parameter, so the event is Any here.
Handler = Callable[[Any, HandlerContext], Awaitable[None]]
Applicable = tuple[ConsumerRecord, EventEnvelope, list[Handler]]
HandlerRegistry = Mapping[type[EventEnvelope], Sequence[Handler]]


@dataclass
class ConsumerDeps:
    sessions: SessionFactory
    inbox: Table
    outbox: Outbox
    producer: EventProducer
    clock: Clock = system_clock
    state: Any = None


class ConsumerRunner:
    def __init__(
        self,
        *,
        service: str,
        group: str,
        handlers: HandlerRegistry,
        deps: ConsumerDeps,
        settings: KafkaSettings,
    ) -> None:
        self.service = service
        self.group = group
        self.topics = sorted({settings.topic(event_class.topic) for event_class in handlers})
        self._handlers = {cls.event_type(): list(funcs) for cls, funcs in handlers.items()}
        self._deps = deps
        self._settings = settings
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._polling = False
        self._positions_checked_at = time.monotonic()
        self._highest_end: dict[TopicPartition, int] = {}
        self._backoff = IdleBackoff(
            settings.fetch_max_wait_ms,
            settings.idle_fetch_max_wait_ms,
            settings.idle_backoff_factor,
        )

    @property
    def fetch_wait_ms(self) -> int:
        """How long the next fetch may wait at the broker (grows while the topics are idle)."""
        return self._backoff.wait_ms

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            *self.topics,
            **self._settings.connection(),
            client_id=f"{self._settings.client_id_prefix}-{self.service}",
            group_id=self._settings.group(self.group),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._settings.fetch_max_wait_ms,
            max_poll_records=self._settings.max_poll_records,
            session_timeout_ms=self._settings.session_timeout_ms,
            heartbeat_interval_ms=self._settings.heartbeat_interval_ms,
            consumer_timeout_ms=self._settings.consumer_timeout_ms,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        """Finish the message in hand, commit what is done, leave the group."""
        self._stopping = True
        if self._task is not None:
            if self._polling:
                # Waiting in a poll holds no record yet (an offset is committed only after its
                # effect), so there is nothing to finish: don't wait out the poll's timeout.
                self._task.cancel()
            await asyncio.wait({self._task})
            self._task = None
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        assert self._consumer is not None
        while not self._stopping:
            try:
                self._polling = True
                try:
                    batches = await self._consumer.getmany(timeout_ms=self._poll_timeout_ms())
                finally:
                    self._polling = False
                # Before anything yields: the fetcher sends its next request as soon as it runs.
                fetched = sum(len(records) for records in batches.values())
                self._adjust_fetch_wait(fetched)
                for partition, records in batches.items():
                    await self._process_partition(partition, records)
                if self._position_check_due():
                    await self._rewind_positions_past_the_end()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer loop error in group %s; continuing", self.group)
                await asyncio.sleep(1)
                await self._rewind_to_committed()

    def _poll_timeout_ms(self) -> int:
        """How long one getmany waits for records: records are handed over as soon as they are
        fetched, so this only sets how often an idle loop wakes up (and grows the wait)."""
        return min(max(200, self._backoff.wait_ms), 1_000)

    def _adjust_fetch_wait(self, records: int) -> None:
        before = self._backoff.wait_ms
        after = self._backoff.after_poll(records)
        if after == before:
            return
        assert self._consumer is not None
        if not set_fetch_wait(self._consumer, after):
            log.warning(
                "group %s: this aiokafka has no settable fetch wait; polling at %d ms",
                self.group,
                self._settings.fetch_max_wait_ms,
            )
            floor = self._settings.fetch_max_wait_ms
            self._backoff = IdleBackoff(floor, floor, self._settings.idle_backoff_factor)

    def _position_check_due(self) -> bool:
        interval = self._settings.position_check_interval_s
        if interval <= 0 or time.monotonic() - self._positions_checked_at < interval:
            return False
        self._positions_checked_at = time.monotonic()
        return True

    async def _rewind_positions_past_the_end(self) -> list[TopicPartition]:
        """Partitions whose log was reset go back to its start.

        A broker that lost its data (Tansu on memory storage, restarted) starts every log at 0
        again, while this group's positions and committed offsets still point into the old
        log. Fetching there returns nothing and never an out-of-range error, so the events
        published again below the old offsets would be skipped, and so would new ones until
        the new log grows past the old position. Two signs give the reset away: the position
        lies past the log's end, or the end went down (a log never shrinks). The check runs
        after every poll, busy or idle, so it sees the new log before it has grown. Reading
        the new log from its start applies each event once: the inbox holds what was applied
        before the loss.
        """
        assert self._consumer is not None
        partitions = sorted(self._consumer.assignment())
        if not partitions:
            return []
        rewound = []
        try:
            for partition in partitions:
                # The high watermark of the last fetch answer, not ListOffsets: Tansu answers
                # that with the last batch's first offset + 1, below a caught-up position.
                end = self._consumer.highwater(partition)
                if end is None:
                    continue
                position = await self._consumer.position(partition)
                highest = self._highest_end.get(partition, end)
                self._highest_end[partition] = max(highest, end)
                if log_was_reset(highest, end, position):
                    log.warning(
                        "group %s: %s was reset (position %d, end %d, was %d; the broker lost"
                        " its data?); reading it again from the start",
                        self.group,
                        partition,
                        position,
                        end,
                        highest,
                    )
                    self._highest_end[partition] = end
                    rewound.append(partition)
            if rewound:
                await self._consumer.seek_to_beginning(*rewound)
        except KafkaError:
            log.warning("group %s: could not compare positions with the log's end", self.group)
        return rewound

    async def _rewind_to_committed(self) -> None:
        """After an unexpected error the fetch position is already past records that were never
        applied; go back to the committed offsets so they are redelivered, not skipped."""
        assert self._consumer is not None
        try:
            for partition in self._consumer.assignment():
                committed = await self._consumer.committed(partition)
                if committed is None:
                    await self._consumer.seek_to_beginning(partition)
                else:
                    self._consumer.seek(partition, committed)
        except Exception:
            log.exception("could not rewind group %s to its committed offsets", self.group)

    async def _process_partition(
        self, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> None:
        next_offset = None
        applicable: list[Applicable] = []
        for record in records:
            if self._stopping:
                break
            item = await self._parse(record)
            if item is not None:
                applicable.append(item)
            next_offset = record.offset + 1
        await self._apply_all(applicable)
        if next_offset is not None:
            await self._commit(partition, next_offset)
            self._record_lag(partition, next_offset)

    async def _commit(self, partition: TopicPartition, offset: int) -> None:
        assert self._consumer is not None
        try:
            await self._consumer.commit({partition: offset})
        except (CommitFailedError, KafkaError):
            # A rebalance took the partition; the new owner redelivers and the inbox dedups.
            log.warning("offset commit failed for %s; events will be redelivered", partition)

    async def _parse(self, record: ConsumerRecord) -> Applicable | None:
        """The event and its handlers, or None when there is nothing to apply."""
        announced = announced_type(record)
        if announced is not None and announced not in self._handlers:
            # The relay names each record's type in a header: an event this group does not
            # handle is skipped without parsing (most of what a service reads on a busy topic).
            EVENTS_CONSUMED.labels(self.service, self.group, announced, "ignored").inc()
            return None
        try:
            event = parse_event(record.value)
        except UnknownEventType as unknown:
            EVENTS_CONSUMED.labels(self.service, self.group, str(unknown), "ignored").inc()
            return None
        except Exception as error:
            # Not only ValueError/ValidationError: a null value (tombstone) raises TypeError,
            # and whatever escaped here would cost the rest of the fetched batch.
            await self._dead_letter(record, error, attempts=1, event_type="unparseable")
            return None
        handlers = self._handlers.get(event.type)
        if not handlers:
            EVENTS_CONSUMED.labels(self.service, self.group, event.type, "ignored").inc()
            return None
        return record, event, handlers

    async def _apply_all(self, items: list[Applicable]) -> None:
        """A partition's batch in one transaction: one commit instead of one per event.

        When an event fails inside the batch, the batch rolls back; the events before it are
        applied again, the failing one continues with its retries (the batch try was its first
        attempt), and the rest go on as a new batch. So a failing event gets exactly
        ``handler_max_attempts`` tries and never holds up the others.
        """
        pending = items
        while pending:
            if len(pending) == 1:
                await self._apply_with_retries(*pending[0])
                return
            failed_at, error = await self._apply_batch(pending)
            if error is None:
                return
            if failed_at is None:  # the commit itself failed: no event to blame
                for item in pending:
                    await self._apply_with_retries(*item)
                return
            await self._apply_all(pending[:failed_at])
            await self._apply_with_retries(*pending[failed_at], failed_attempts=1, error=error)
            pending = pending[failed_at + 1 :]

    async def _apply_batch(self, items: list[Applicable]) -> tuple[int | None, Exception | None]:
        """(None, None) when all applied; else the failing index (None if at commit) and error."""
        started = time.perf_counter()
        outcomes = []
        current: int | None = None
        try:
            async with self._deps.sessions.begin() as session:
                for index, (_record, event, handlers) in enumerate(items):
                    current = index
                    outcomes.append((event.type, await self._apply_in(session, event, handlers)))
                current = None
        except Exception as error:
            return current, error
        elapsed = (time.perf_counter() - started) / len(items)
        for event_type, outcome in outcomes:
            self._count(event_type, outcome, elapsed)
        return None, None

    async def _apply_with_retries(
        self,
        record: ConsumerRecord,
        event: EventEnvelope,
        handlers: list[Handler],
        *,
        failed_attempts: int = 0,
        error: Exception | None = None,
    ) -> None:
        """Apply, retrying with backoff; dead-letter after ``handler_max_attempts`` failures.

        A failure because a backing service is down (PostgreSQL restarting, ``outages``) is no
        failure of the event: it spends no attempt, and the event waits until the service is
        back. Dead-lettering it would lose a good event to a one-second restart.
        """
        limit = self._settings.handler_max_attempts
        failures = (
            0 if error is not None and backing_service_unavailable(error) else failed_attempts
        )
        outage_waits = 0
        while True:
            if error is not None:
                if backing_service_unavailable(error):
                    outage_waits += 1
                    await self._wait_out_outage(event, outage_waits, error)
                elif failures >= limit:
                    await self._dead_letter(record, error, attempts=failures, event_type=event.type)
                    return
                else:
                    await self._back_off(event, failures, error)
            try:
                await self._apply(event, handlers)
                return
            except Exception as failure:
                error = failure
                if not backing_service_unavailable(failure):
                    failures += 1

    async def _wait_out_outage(self, event: EventEnvelope, waits: int, error: Exception) -> None:
        if self._stopping:
            raise error  # uncommitted: the event is delivered again after the restart
        EVENTS_RETRIED.labels(self.service, self.group, event.type).inc()
        if waits == 1 or waits % 20 == 0:
            log.warning(
                "a backing service is unavailable (%r); %s %s waits for it (wait %d)",
                error,
                event.type,
                event.id,
                waits,
            )
        await asyncio.sleep(min(self._settings.handler_backoff_ms / 1000 * 2 ** (waits - 1), 2.0))

    async def _back_off(self, event: EventEnvelope, failed_attempt: int, error: Exception) -> None:
        EVENTS_RETRIED.labels(self.service, self.group, event.type).inc()
        log.warning(
            "handler failed (attempt %d/%d) for %s %s: %r",
            failed_attempt,
            self._settings.handler_max_attempts,
            event.type,
            event.id,
            error,
        )
        await asyncio.sleep(self._settings.handler_backoff_ms / 1000 * 2 ** (failed_attempt - 1))

    async def _apply(self, event: EventEnvelope, handlers: list[Handler]) -> None:
        started = time.perf_counter()
        async with self._deps.sessions.begin() as session:
            outcome = await self._apply_in(session, event, handlers)
        self._count(event.type, outcome, time.perf_counter() - started)

    async def _apply_in(
        self, session: AsyncSession, event: EventEnvelope, handlers: list[Handler]
    ) -> str:
        deps = self._deps
        if not await claim_event(session, deps.inbox, self.group, event):
            return "duplicate"
        structlog.contextvars.bind_contextvars(
            correlation_id=event.correlationid, event_id=str(event.id), event_type=event.type
        )
        context = HandlerContext(session, deps.outbox, deps.clock, self.group, deps.state)
        for handler in handlers:
            await handler(event, context)
        return "applied"

    def _count(self, event_type: str, outcome: str, seconds: float) -> None:
        EVENTS_CONSUMED.labels(self.service, self.group, event_type, outcome).inc()
        if outcome == "applied":
            HANDLER_SECONDS.labels(self.service, self.group, event_type).observe(seconds)

    async def _dead_letter(
        self, record: ConsumerRecord, error: BaseException, *, attempts: int, event_type: str
    ) -> None:
        message = OutgoingMessage(
            topic=dead_letter_topic(self._logical_topic(record.topic), self.group),
            key=(record.key or b"").decode(errors="replace"),
            value=record.value or b"",
            event_type=event_type,
            headers=_dead_letter_headers(record, error, attempts),
        )
        # The poison message's own ids, not those the previous event left in the log context.
        with structlog.contextvars.bound_contextvars(**record_log_context(record.value)):
            log.error(
                "dead-lettering %s from %s[%d]@%d after %d attempt(s): %r",
                event_type,
                record.topic,
                record.partition,
                record.offset,
                attempts,
                error,
            )
        # Moving on without a recorded dead letter would lose the event: insist until it lands.
        while True:
            try:
                await self._deps.producer.send_all([message])
                break
            except KafkaError:
                if self._stopping:
                    raise
                log.warning("dead-letter publish failed; retrying", exc_info=True)
                # A broker that lost its data has lost the dead-letter topic too.
                with contextlib.suppress(Exception):
                    await ensure_topics(self._settings, [message.topic])
                await asyncio.sleep(1)
        EVENTS_DEAD_LETTERED.labels(self.service, self.group, event_type).inc()

    def _logical_topic(self, physical: str) -> str:
        return physical.removeprefix(self._settings.namespace)

    def _record_lag(self, partition: TopicPartition, next_offset: int) -> None:
        assert self._consumer is not None
        highwater = self._consumer.highwater(partition)
        if highwater is not None:
            CONSUMER_LAG.labels(
                self.service, self.group, partition.topic, str(partition.partition)
            ).set(max(highwater - next_offset, 0))


_LOG_FIELDS = (("correlation_id", "correlationid"), ("event_id", "id"), ("event_type", "type"))


def announced_type(record: ConsumerRecord) -> str | None:
    """The ``ce_type`` header the outbox relay sets (CloudEvents' Kafka binding), if any."""
    for name, value in record.headers or ():
        if name == "ce_type" and value:
            try:
                return bytes(value).decode()
            except UnicodeDecodeError:
                return None
    return None


def log_was_reset(highest_end: int, end: int, position: int) -> bool:
    """Whether a partition's log was reset under a consumer: its end went below the highest
    end seen, or its position lies past the end."""
    return end < highest_end or position > end


def record_log_context(value: bytes | None) -> dict[str, str | None]:
    """The ids a log line about this raw message carries: its own, or None where it has none
    (an unparseable message has no trustworthy ids)."""
    context: dict[str, str | None] = {"correlation_id": None, "event_id": None, "event_type": None}
    try:
        envelope = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError):
        return context
    if not isinstance(envelope, dict):
        return context
    for field, key in (
        ("correlation_id", "correlationid"),
        ("event_id", "id"),
        ("event_type", "type"),
    ):
        item = envelope.get(key)
        context[field] = item[:200] if isinstance(item, str) else None
    return context


def _dead_letter_headers(
    record: ConsumerRecord, error: BaseException, attempts: int
) -> tuple[tuple[str, bytes], ...]:
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
    return (
        ("dlq_error", detail.encode()),
        ("dlq_error_type", type(error).__name__.encode()),
        ("dlq_original_topic", record.topic.encode()),
        ("dlq_original_partition", str(record.partition).encode()),
        ("dlq_original_offset", str(record.offset).encode()),
        ("dlq_attempts", str(attempts).encode()),
    )
