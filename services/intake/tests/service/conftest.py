"""Service-test fixtures: one real intake per test module, on the real PostgreSQL and broker.

Tests in a module share the running service, so each one uses its own data (own descriptions,
Idempotency-Keys, areas) and compares row counts before and after rather than absolute ones.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select

import pingan_intake.bootstrap
from pingan_common.events import EventEnvelope
from pingan_common.problems import PROBLEM_MEDIA_TYPE
from pingan_common.testing.services import RunningService, TestStack, running_service
from pingan_intake.settings import IntakeSettings

STREET_LIGHT: dict[str, Any] = {
    "channel": "hotline_12345",
    "description": "人民路和解放街路口的路灯坏了一个星期了，晚上很黑",
    "caller": {"name": "王女士", "phone": "138 0013 8000"},
    "location": {"address": "城关街道人民路", "lon": 119.75, "lat": 28.15},
}


# Points about 600 m apart across the county: tickets placed on them are never "one matter at one
# place" for the duplicate gate, so each stays its own ticket with a plain timeline.
_LONE_SPOTS = itertools.count()
_LONE_PHONES = itertools.count(1)


def lone_spot() -> dict[str, float]:
    n = next(_LONE_SPOTS)
    return {"lon": round(119.70 + (n % 40) * 0.006, 6), "lat": round(28.06 + (n // 40) * 0.006, 6)}


def lone_phone() -> str:
    """A valid mobile number no other test ticket of the process uses."""
    return f"1390000{next(_LONE_PHONES):04d}"


class IntakeApi:
    """The intake service as the tests talk to it: REST calls, row counts, problem checks."""

    def __init__(self, service: RunningService, stack: TestStack) -> None:
        self.service = service
        self.stack = stack

    @property
    def client(self) -> httpx.AsyncClient:
        return self.service.client

    def headers(self, role: str, **claims: str) -> dict[str, str]:
        return self.stack.auth.headers(role, **claims)

    @staticmethod
    def body(**overrides: Any) -> dict[str, Any]:
        """A valid TicketCreate body; top-level keys replaced by ``overrides``."""
        body = copy.deepcopy(STREET_LIGHT)
        body.update(overrides)
        return body

    @staticmethod
    def lone_body(**overrides: Any) -> dict[str, Any]:
        """A valid body from a caller of its own at a place of its own: never a repeat call
        nor merged; ``overrides`` replace top-level keys."""
        body = copy.deepcopy(STREET_LIGHT)
        body["caller"] = {"name": "赵先生", "phone": lone_phone()}
        body["location"] = lone_spot()
        body.update(overrides)
        return body

    async def post(
        self,
        body: Any,
        *,
        role: str = "operator",
        headers: dict[str, str] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        sent = dict(headers if headers is not None else self.headers(role))
        if key is not None:
            sent["Idempotency-Key"] = key
        return await self.client.post("/v1/tickets", json=body, headers=sent)

    async def register(self, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        response = await self.post(body, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    async def get(
        self, ticket_ref: str, *, role: str = "operator", **claims: str
    ) -> httpx.Response:
        return await self.client.get(
            f"/v1/tickets/{ticket_ref}", headers=self.headers(role, **claims)
        )

    async def count(self, model: Any, *where: Any) -> int:
        """Rows of a mapped class or table, straight from the service's database."""
        table = getattr(model, "__table__", model)
        async with self.service.runtime.transaction() as session:
            return await session.scalar(select(func.count()).select_from(table).where(*where))

    async def rows(self, statement: Any) -> list[Any]:
        async with self.service.runtime.transaction() as session:
            return list((await session.execute(statement)).all())

    @staticmethod
    def expect_problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
        """Assert an RFC 9457 answer with ``status``, naming ``field`` when given."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
        problem = response.json()
        assert problem["status"] == status
        assert problem["title"] and problem["detail"]
        if field is not None:
            fields = [error["field"] for error in problem.get("errors") or []]
            assert field in fields, f"{field} not among {fields}"
        return problem


class Broker:
    """Produce to and read from the test stack's namespaced topics."""

    def __init__(self, stack: TestStack, producer: AIOKafkaProducer) -> None:
        self.stack = stack
        self.producer = producer
        self.kafka = stack.kafka_settings()

    def topic(self, logical: str) -> str:
        return self.kafka.topic(logical)

    async def produce(self, event: EventEnvelope) -> None:
        await self.producer.send_and_wait(
            self.topic(event.topic), value=event.to_json_bytes(), key=event.subject.encode()
        )

    async def find(
        self, logical_topic: str, matches: Callable[[Any], bool], *, within: float = 15
    ) -> Any:
        """The first record on the topic (from the beginning) whose record ``matches``."""
        consumer = AIOKafkaConsumer(
            self.topic(logical_topic),
            bootstrap_servers=self.kafka.bootstrap_servers,
            group_id=None,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=10,
        )
        await consumer.start()
        try:
            async with asyncio.timeout(within):
                while True:
                    batches = await consumer.getmany(timeout_ms=100)
                    for records in batches.values():
                        for record in records:
                            if matches(record):
                                return record
        except TimeoutError:
            pytest.fail(f"no matching record on {logical_topic} within {within}s")
        finally:
            await consumer.stop()

    async def message_count(self, logical_topic: str) -> int:
        """How many records the topic holds, over all its partitions."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka.bootstrap_servers, group_id=None)
        await consumer.start()
        try:
            topic = self.topic(logical_topic)
            await consumer.topics()  # fetches fresh cluster metadata
            partitions = consumer.partitions_for_topic(topic) or set()
            assert partitions, f"topic {topic} does not exist"
            assigned = [TopicPartition(topic, p) for p in partitions]
            ends = await consumer.end_offsets(assigned)
            starts = await consumer.beginning_offsets(assigned)
            return sum(ends[tp] - starts[tp] for tp in assigned)
        finally:
            await consumer.stop()


@pytest.fixture(scope="module")
def module_stack(postgres: Any, kafka: Any, test_auth: Any) -> TestStack:
    """Like ``stack``, but for the whole module: one database and Kafka namespace."""
    return TestStack(postgres=postgres, kafka=kafka, auth=test_auth)


@pytest.fixture(scope="module")
async def intake(module_stack: TestStack) -> AsyncIterator[RunningService]:
    settings = await module_stack.settings(IntakeSettings, "intake")
    async with running_service(pingan_intake.bootstrap, settings) as service:
        yield service


@pytest.fixture(scope="module")
def api(intake: RunningService, module_stack: TestStack) -> IntakeApi:
    return IntakeApi(intake, module_stack)


@pytest.fixture(scope="module")
async def broker(module_stack: TestStack) -> AsyncIterator[Broker]:
    producer = AIOKafkaProducer(
        bootstrap_servers=module_stack.kafka.bootstrap_servers, acks="all", linger_ms=0
    )
    await producer.start()
    try:
        yield Broker(module_stack, producer)
    finally:
        await producer.stop()
