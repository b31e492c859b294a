"""Notify service tests: one real notify app per test module, on the real DB and broker.

The harness produces events to notify's namespaced input topics with aiokafka, tails the
topics notify writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

import pingan_notify.bootstrap as notify_bootstrap
from pingan_common.events import (
    AlertRaised,
    AlertRaisedData,
    CaseOpened,
    CaseOpenedData,
    Category,
    RiskSignal,
    TaskAssigned,
    TaskAssignedData,
)
from pingan_common.events.topics import DISPATCH_TASKS, NOTIFY_DELIVERIES, dead_letter_topic
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_notify.settings import NotifySettings


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
