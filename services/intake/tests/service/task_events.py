"""Dispatch's task events as intake receives them, built for tests from a registered ticket."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pingan_common.events import (
    Category,
    EventEnvelope,
    TaskAssigned,
    TaskAssignedData,
    TaskCreated,
    TaskCreatedData,
)
from pingan_common.events.dispatch import TaskClosed

UNIT = "331199001-ZZ"
STREET_LIGHT = Category(group="city_service", code="street_light", label="路灯故障")


def now() -> datetime:
    return datetime.now(UTC)


def task_created(
    ticket: dict, task_id: uuid.UUID | None = None, *, kind: str = "ticket"
) -> TaskCreated:
    task_id = task_id or uuid.uuid4()
    data = TaskCreatedData(
        task_id=task_id,
        ticket_id=ticket["id"],
        ticket_number=ticket["ticket_number"],
        category=STREET_LIGHT,
        urgency="normal",
        area_code=ticket["location"]["area_code"],
        summary="路灯故障",
        created_at=now(),
        kind=kind,
    )
    return TaskCreated.create(data, subject=str(task_id), correlationid=ticket["id"])


def task_assigned(
    ticket: dict,
    task_id: uuid.UUID,
    *,
    accept_due_at: datetime | None = None,
    due_at: datetime | None = None,
) -> TaskAssigned:
    """Assigned to ``UNIT``; deadlines default to the usual two hours to accept, a week to do."""
    assigned_at = now()
    data = TaskAssignedData(
        task_id=task_id,
        ticket_id=ticket["id"],
        ticket_number=ticket["ticket_number"],
        unit_code=UNIT,
        unit_name="城关街道综治中心",
        area_code=ticket["location"]["area_code"],
        urgency="normal",
        rule_id="grid-township",
        reason="按网格派至街道",
        assigned_at=assigned_at,
        accept_due_at=accept_due_at or assigned_at + timedelta(hours=2),
        due_at=due_at or assigned_at + timedelta(days=7),
    )
    return TaskAssigned.create(data, subject=str(task_id), correlationid=ticket["id"])


def task_event(event_class: type[EventEnvelope], ticket: dict, task_id: uuid.UUID, **extra: Any):
    """Any later task event, with the common fields filled in."""
    data_class = event_class.model_fields["data"].annotation
    data = data_class(
        task_id=task_id,
        ticket_id=ticket["id"],
        ticket_number=ticket["ticket_number"],
        unit_code=UNIT,
        area_code=ticket["location"]["area_code"],
        actor="handler1",
        occurred_at=now(),
        **extra,
    )
    return event_class.create(data, subject=str(task_id), correlationid=ticket["id"])


def closed(ticket: dict, task_id: uuid.UUID, result: str, **extra: Any) -> TaskClosed:
    return task_event(
        TaskClosed,
        ticket,
        task_id,
        result=result,
        verdict="satisfied",
        resolved=True,
        handled_by=[UNIT],
        **extra,
    )
