"""A running service wired for service tests: a producer to its input topics, tails of the
topics it writes, and reads of its inbox and outbox through its own engine.

    async with service_harness(stack, pingan_dispatch.bootstrap, settings,
                               published=DISPATCH_TASKS,
                               dead_letters=dead_letter_topic(INTAKE_TICKETS, "dispatch"),
                               default_role="dispatcher") as dispatch:
        await dispatch.send(event)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from sqlalchemy import text

from pingan_common.db import Clock, system_clock
from pingan_common.events import EventEnvelope, parse_event
from pingan_common.settings import ServiceSettings
from pingan_common.testing.services import RunningService, TestStack, eventually, running_service


@dataclass
class TopicTail:
    """Reads a whole topic from the beginning, without a consumer group (no rebalancing wait)."""

    consumer: AIOKafkaConsumer
    seen: list[ConsumerRecord] = field(default_factory=list)

    @classmethod
    async def open(cls, bootstrap_servers: str, topic: str) -> TopicTail:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=10,
        )
        await consumer.start()
        await consumer.topics()
        partitions = consumer.partitions_for_topic(topic) or set()
        assert partitions, f"topic {topic} does not exist"
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        return cls(consumer)

    async def records(
        self, predicate: Callable[[ConsumerRecord], bool], *, count: int = 1
    ) -> list[ConsumerRecord]:
        """Wait until at least ``count`` records match; return all that match so far."""

        async def probe() -> list[ConsumerRecord] | None:
            batches = await self.consumer.getmany(timeout_ms=50)
            for batch in batches.values():
                self.seen.extend(batch)
            matching = [r for r in self.seen if predicate(r)]
            return matching if len(matching) >= count else None

        return await eventually(probe)

    async def events(self, correlationid: str, *, count: int = 1) -> list[EventEnvelope]:
        records = await self.records(lambda r: _correlation_of(r) == correlationid, count=count)
        return [parse_event(r.value) for r in records]


def _correlation_of(record: ConsumerRecord) -> str | None:
    try:
        return parse_event(record.value).correlationid
    except ValueError:
        return None


@dataclass
class ServiceHarness:
    """A running service plus a producer to its input topics and tails of what it writes."""

    stack: TestStack
    service: RunningService
    producer: AIOKafkaProducer
    published: TopicTail
    dead_letters: TopicTail
    default_role: str

    @property
    def client(self) -> Any:
        return self.service.client

    def headers(self, role: str | None = None, **claims: str) -> dict[str, str]:
        return self.stack.auth.headers(role or self.default_role, **claims)

    async def send(
        self, message: EventEnvelope | bytes, *, key: str | None = None, topic: str | None = None
    ) -> None:
        """Produce to the namespaced topic, keyed by the aggregate id as the owner does."""
        if isinstance(message, EventEnvelope):
            value, key, topic = message.to_json_bytes(), key or message.subject, message.topic
        else:
            value = message
        assert key is not None and topic is not None
        physical = self.stack.kafka_settings().topic(topic)
        await self.producer.send_and_wait(physical, value, key=key.encode())

    async def consumed(self, event_id: UUID) -> bool:
        """True once the service has applied (or skipped as irrelevant) the event."""
        return bool(
            await self.scalar("SELECT count(*) FROM inbox WHERE event_id = :id", id=event_id)
        )

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.service.runtime.transaction() as session:
            return await session.scalar(text(sql), params)

    async def outbox_count(self, event_type: str, correlationid: str) -> int:
        return await self.scalar(
            "SELECT count(*) FROM outbox WHERE event_type = :type"
            " AND payload->>'correlationid' = :correlationid",
            type=event_type,
            correlationid=correlationid,
        )

    async def items(
        self,
        path: str,
        *,
        role: str | None = None,
        claims: dict[str, str] | None = None,
        **params: Any,
    ) -> list[dict[str, Any]]:
        """GET a list route as ``role`` and return its items; any status but 200 fails."""
        response = await self.client.get(
            path, params=params, headers=self.headers(role, **(claims or {}))
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]


@asynccontextmanager
async def service_harness(
    stack: TestStack,
    bootstrap: ModuleType,
    settings: ServiceSettings,
    *,
    published: str,
    dead_letters: str,
    default_role: str,
    clock: Clock = system_clock,
) -> AsyncIterator[ServiceHarness]:
    """``clock`` is the service's clock (a test may pass one it can move)."""
    servers = stack.kafka.bootstrap_servers
    topics = stack.kafka_settings()
    async with AsyncExitStack() as exits:
        producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all")
        await producer.start()
        exits.push_async_callback(producer.stop)
        service = await exits.enter_async_context(running_service(bootstrap, settings, clock=clock))
        tails = []
        for topic in (published, dead_letters):
            tail = await TopicTail.open(servers, topics.topic(topic))
            exits.push_async_callback(tail.consumer.stop)
            tails.append(tail)
        published_tail, dead_letter_tail = tails
        yield ServiceHarness(
            stack, service, producer, published_tail, dead_letter_tail, default_role=default_role
        )
