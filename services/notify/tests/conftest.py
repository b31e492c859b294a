"""Notify service tests: one real notify app per test module, on the real DB and broker.

The harness produces events to notify's namespaced input topics with aiokafka, tails the
topics notify writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from sqlalchemy import text

import pingan_notify.bootstrap as notify_bootstrap
from pingan_common.events import (
    AlertRaised,
    AlertRaisedData,
    CaseOpened,
    CaseOpenedData,
    Category,
    EventEnvelope,
    RiskSignal,
    TaskAssigned,
    TaskAssignedData,
    parse_event,
)
from pingan_common.events.topics import DISPATCH_TASKS, NOTIFY_DELIVERIES, dead_letter_topic
from pingan_common.settings import ServiceSettings
from pingan_common.testing.services import RunningService, TestStack, eventually, running_service
from pingan_notify.settings import NotifySettings


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
) -> AsyncIterator[ServiceHarness]:
    servers = stack.kafka.bootstrap_servers
    topics = stack.kafka_settings()
    async with AsyncExitStack() as exits:
        producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all")
        await producer.start()
        exits.push_async_callback(producer.stop)
        service = await exits.enter_async_context(running_service(bootstrap, settings))
        tails = []
        for topic in (published, dead_letters):
            tail = await TopicTail.open(servers, topics.topic(topic))
            exits.push_async_callback(tail.consumer.stop)
            tails.append(tail)
        yield ServiceHarness(stack, service, producer, *tails, default_role=default_role)


@pytest.fixture(scope="module")
async def notify(postgres: Any, kafka: Any, test_auth: Any) -> AsyncIterator[ServiceHarness]:
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(NotifySettings, "notify")
    async with service_harness(
        stack,
        notify_bootstrap,
        settings,
        published=NOTIFY_DELIVERIES,
        dead_letters=dead_letter_topic(DISPATCH_TASKS, "notify"),
        default_role="dispatcher",
    ) as harness:
        yield harness


@dataclass(frozen=True)
class Events:
    """Builders of the events notify consumes, each about a fresh ticket."""

    @staticmethod
    def task_assigned(
        *,
        unit_code: str = "331199001-ZZ",
        unit_name: str = "城关街道综治中心",
        co_unit_codes: tuple[str, ...] = (),
        area_code: str = "33119900100101",
        accept_due_at: datetime = datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
        due_at: datetime = datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    ) -> TaskAssigned:
        ticket_id, task_id = uuid4(), uuid4()
        data = TaskAssignedData(
            task_id=task_id,
            ticket_id=ticket_id,
            ticket_number=_ticket_number(ticket_id),
            unit_code=unit_code,
            unit_name=unit_name,
            co_unit_codes=list(co_unit_codes),
            area_code=area_code,
            urgency="normal",
            rule_id="R-TOWNSHIP",
            reason="handled at the lowest capable level",
            assigned_at=accept_due_at - timedelta(hours=1),
            accept_due_at=accept_due_at,
            due_at=due_at,
        )
        return TaskAssigned.create(data, subject=str(task_id), correlationid=str(ticket_id))

    @staticmethod
    def case_opened(*, committee_code: str = "331199001001-TWH") -> CaseOpened:
        ticket_id, case_id = uuid4(), uuid4()
        now = datetime.now(UTC)
        data = CaseOpenedData(
            case_id=case_id,
            case_number=f"TJ{now:%Y%m%d}{case_id.int % 1_000_000:06d}",
            ticket_id=ticket_id,
            ticket_number=_ticket_number(ticket_id),
            category=Category(group="dispute", code="neighbour", label="邻里纠纷"),
            committee_code=committee_code,
            committee_name="城关街道幸福社区人民调解委员会",
            area_code=committee_code.split("-")[0],
            opened_at=now,
            due_at=now + timedelta(days=30),
        )
        return CaseOpened.create(data, subject=str(case_id), correlationid=str(ticket_id))

    @staticmethod
    def alert_raised(
        *,
        level: str = "red",
        notify_roles: tuple[str, ...] = ("leader", "analyst"),
        area_code: str = "33119900100101",
    ) -> AlertRaised:
        ticket_id, alert_id = uuid4(), uuid4()
        data = AlertRaisedData(
            alert_id=alert_id,
            ticket_id=ticket_id,
            ticket_number=_ticket_number(ticket_id),
            level=level,
            signals=[RiskSignal(rule="threat_words", evidence="跳楼")],
            area_code=area_code,
            summary="threat_words: 跳楼",
            notify_roles=list(notify_roles),
            raised_at=datetime.now(UTC),
        )
        return AlertRaised.create(data, subject=str(alert_id), correlationid=str(ticket_id))


def _ticket_number(ticket_id: UUID) -> str:
    return f"QS{datetime.now(UTC):%Y%m%d}{ticket_id.int % 1_000_000:06d}"


@pytest.fixture
def events() -> Events:
    return Events()
