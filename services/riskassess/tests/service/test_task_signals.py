"""Dispatch's task events in riskassess's handlers (handler tier): sensitive tasks overdue as
signals, ordinary ones not; verification tasks never counted as sensitive work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import select

from pingan_common.events import Category, TaskCreated, TaskCreatedData
from pingan_common.events.dispatch import (
    TaskDeadlineData,
    TaskEscalated,
    TaskEscalatedData,
    TaskOverdue,
)
from pingan_riskassess.models import Alert, TaskFact

NOW = datetime(2026, 11, 18, 3, tzinfo=UTC)


def created(group: str, code: str, label: str, kind: str = "ticket") -> TaskCreated:
    task_id, ticket_id = uuid4(), uuid4()
    return TaskCreated.create(
        TaskCreatedData(
            task_id=task_id,
            ticket_id=ticket_id,
            ticket_number="QS20261118000001",
            category=Category(group=group, code=code, label=label),
            urgency="normal",
            area_code="331199001001",
            summary="…",
            created_at=NOW,
            kind=kind,
        ),
        subject=str(task_id),
        correlationid=str(ticket_id),
    )


def late(
    task: TaskCreated, *, escalated: bool, deadline: str = "handle"
) -> TaskOverdue | TaskEscalated:
    common = {
        "task_id": task.data.task_id,
        "ticket_id": task.data.ticket_id,
        "ticket_number": task.data.ticket_number,
        "unit_code": "331199001-ZZ",
        "area_code": task.data.area_code,
        "actor": "system",
        "occurred_at": NOW + timedelta(days=6),
        "deadline": deadline,
        "due_at": NOW + timedelta(days=5),
        "supervisor_unit_code": "331199-ZH",
    }
    if escalated:
        data = TaskEscalatedData(**common, escalated_to_unit_code="331199-ZH")
        return TaskEscalated.create(data, subject=str(task.data.task_id), correlationid="x")
    return TaskOverdue.create(
        TaskDeadlineData(**common), subject=str(task.data.task_id), correlationid="x"
    )


async def ticket_alerts(handlers, task: TaskCreated) -> list[Alert]:  # type: ignore[no-untyped-def]
    rows = await handlers.session.scalars(
        select(Alert).where(Alert.subject_ref == str(task.data.ticket_id))
    )
    return list(rows.all())


async def test_an_overdue_petition_task_is_yellow_and_orange_once_escalated(handlers):
    task = created("petition_group", "collective_wages", "集体讨薪")
    await handlers.deliver(task)

    await handlers.deliver(late(task, escalated=False))
    (alert,) = await ticket_alerts(handlers, task)
    assert (alert.subject_kind, alert.level) == ("ticket", "yellow")
    await handlers.deliver(late(task, escalated=True))

    (alert,) = await ticket_alerts(handlers, task)
    assert alert.level == "orange"
    assert [s["rule"] for s in alert.signals] == ["sensitive_overdue", "sensitive_overdue"]


async def test_an_overdue_street_light_or_a_late_sign_in_raises_nothing(handlers):
    street_light = created("city_service", "street_light", "路灯故障")
    petition = created("petition_group", "collective_wages", "集体讨薪")
    for task in (street_light, petition):
        await handlers.deliver(task)

    await handlers.deliver(late(street_light, escalated=True))
    await handlers.deliver(late(petition, escalated=False, deadline="accept"))

    assert await handlers.scalar("SELECT count(*) FROM alerts") == 0


async def test_a_verification_task_is_recorded_with_its_alert_and_never_a_sensitive_signal(
    handlers,
):
    task = created("petition_group", "risk_verification", "风险核查", kind="verification")

    await handlers.deliver(task)
    await handlers.deliver(late(task, escalated=True))

    fact = await handlers.session.get(TaskFact, task.data.task_id)
    assert fact is not None and fact.kind == "verification"
    assert await handlers.scalar("SELECT count(*) FROM alerts") == 0
