"""Dispatch service tests: one real dispatch app per test module, on the real DB and broker.

The harness produces events to dispatch's namespaced input topics with aiokafka, tails the
topics dispatch writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.

The app runs on a ``ShiftableClock`` (``dispatch_clock``): real time plus an offset a test may
move, so deadlines, return windows and the scanner can be tested without waiting; the offset
is put back after every test. The background scanner is off: tests run passes themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

import pingan_dispatch.bootstrap as dispatch_bootstrap
from pingan_common.events import TicketRegistered
from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import DISPATCH_TASKS, INTAKE_TICKETS, dead_letter_topic
from pingan_common.testing.events import ticket_registered
from pingan_common.testing.harness import ServiceHarness, TopicTail
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_dispatch.settings import DispatchSettings


@dataclass
class ShiftableClock:
    """Wall-clock time plus an offset that tests move forward."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture(scope="module")
def shiftable_clock() -> ShiftableClock:
    return ShiftableClock()


@pytest.fixture(scope="module")
async def dispatch(
    postgres: Any, kafka: Any, test_auth: Any, shiftable_clock: ShiftableClock
) -> AsyncIterator[ServiceHarness]:
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(
        DispatchSettings, "dispatch", scanner_enabled=False, environment="test"
    )
    async with dispatch_harness(stack, settings, shiftable_clock) as harness:
        yield harness


@pytest.fixture
def dispatch_clock(shiftable_clock: ShiftableClock) -> Iterator[ShiftableClock]:
    """The module app's clock, put back to real time after the test."""
    yield shiftable_clock
    shiftable_clock.offset = timedelta(0)


@asynccontextmanager
async def dispatch_harness(
    stack: TestStack, settings: DispatchSettings, clock: Any
) -> AsyncIterator[ServiceHarness]:
    """``pingan_common.testing.harness.service_harness`` with the app on a given clock."""
    servers = stack.kafka.bootstrap_servers
    async with AsyncExitStack() as exits:
        producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all")
        await producer.start()
        exits.push_async_callback(producer.stop)
        service = await exits.enter_async_context(
            running_service(dispatch_bootstrap, settings, clock=clock)
        )
        tails = []
        for topic in (DISPATCH_TASKS, dead_letter_topic(INTAKE_TICKETS, "dispatch")):
            tail = await TopicTail.open(servers, stack.kafka_settings().topic(topic))
            exits.push_async_callback(tail.consumer.stop)
            tails.append(tail)
        yield ServiceHarness(stack, service, producer, *tails, default_role="dispatcher")


@pytest.fixture
def make_ticket() -> Callable[..., TicketRegistered]:
    return ticket_registered


# --- driving tasks through the API ---------------------------------------------------------------

# The demo county's staff: who acts for which unit (see pingan_common.refdata).
UNIT_STAFF = {
    "331199001-ZZ": {"area": "331199001", "unit": "331199001-ZZ"},
    "331199002-ZZ": {"area": "331199002", "unit": "331199002-ZZ"},
    "331199003-ZZ": {"area": "331199003", "unit": "331199003-ZZ"},
    "331199-D-CG": {"area": "331199", "unit": "331199-D-CG"},
    "331199-D-RQ": {"area": "331199", "unit": "331199-D-RQ"},
    "331199-CC": {"area": "331199", "unit": "331199-CC"},
}


@dataclass
class TaskApi:
    """A test's hands on the task API: open tasks from tickets, act as any role, read events."""

    dispatch: ServiceHarness

    async def open(self, ticket: TicketRegistered) -> dict[str, Any]:
        """Send the ticket and return its task (as the dispatcher sees it) once opened."""
        await self.dispatch.send(ticket)

        async def listed() -> list[dict[str, Any]]:
            return await self.dispatch.items("/v1/tasks", ticket_id=str(ticket.data.ticket_id))

        (task,) = await eventually(listed)
        return await self.read(task["id"])

    async def read(self, task_id: str, role: str = "dispatcher", **claims: str) -> dict[str, Any]:
        response = await self.dispatch.client.get(
            f"/v1/tasks/{task_id}", headers=self.dispatch.headers(role, **claims)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def act(
        self,
        task_id: str,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        role: str = "dispatcher",
        headers: dict[str, str] | None = None,
        **claims: str,
    ) -> Any:
        """POST an action; the raw response (tests check the status themselves)."""
        return await self.dispatch.client.post(
            f"/v1/tasks/{task_id}/{action}",
            json=body if body is not None else {},
            headers=self.dispatch.headers(role, **claims) | (headers or {}),
        )

    def unit_headers(self, task: dict[str, Any]) -> dict[str, str]:
        """Bearer headers of a handler of the task's own unit."""
        return self.dispatch.headers("handler", **UNIT_STAFF[task["unit_code"]])

    async def by_unit(self, task: dict[str, Any], action: str, body: dict | None = None) -> Any:
        """The task's own unit acts (a handler of that unit)."""
        staff = UNIT_STAFF[task["unit_code"]]
        return await self.act(task["id"], action, body, role="handler", **staff)

    async def do(self, task: dict[str, Any], action: str, body: dict | None = None, **kw: Any):  # type: ignore[no-untyped-def]
        """Act and insist on 200; the task after the action."""
        if kw.get("role") == "unit":
            response = await self.by_unit(task, action, body)
        else:
            response = await self.act(task["id"], action, body, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    async def to_reviewed(self, task: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        """The unit accepts and replies, the dispatcher accepts the reply: ready for callback."""
        await self.do(task, "accept", role="unit")
        await self.do(task, "reply", reply, role="unit")
        return await self.do(task, "review", {"accepted": True})

    async def events(
        self, task_id: str, event_class: type[EventEnvelope], count: int = 1
    ) -> list[Any]:
        """The task's published events of one type, once ``count`` of them have arrived."""
        wanted = event_class.event_type().encode()

        def matches(record: Any) -> bool:
            return record.key == task_id.encode() and b'"type":"' + wanted + b'"' in record.value

        records = await self.dispatch.published.records(matches, count=count)
        return [event_class.model_validate_json(r.value) for r in records]

    async def scalar(self, sql: str, **params: Any) -> Any:
        return await self.dispatch.scalar(sql, **params)


@pytest.fixture
def api(dispatch: ServiceHarness) -> TaskApi:
    return TaskApi(dispatch)


@pytest.fixture
def history_actions() -> Callable[[dict[str, Any]], list[str]]:
    return lambda task: [entry["action"] for entry in task["history"]]
