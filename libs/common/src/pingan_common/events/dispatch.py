"""Events published by the dispatch service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import DISPATCH_TASKS
from pingan_common.events.values import Category, Payload, Urgency


class TaskCreatedData(Payload):
    task_id: UUID
    ticket_id: UUID
    ticket_number: str
    category: Category
    urgency: Urgency
    area_code: str
    summary: str
    created_at: datetime


class TaskCreated(EventEnvelope):
    """Dispatch opened a task (派单 work item) for a ticket that needs a unit to act. The task
    is not yet assigned to a handling unit; ``pingan.dispatch.task.assigned.v1`` follows when a
    routing rule or a dispatcher chooses one."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.created.v1"] = "pingan.dispatch.task.created.v1"
    data: TaskCreatedData


class TaskAssignedData(Payload):
    task_id: UUID
    ticket_id: UUID
    ticket_number: str
    unit_code: str
    unit_name: str
    co_unit_codes: list[str] = Field(default_factory=list, description="协办 units, if any")
    area_code: str
    urgency: Urgency
    rule_id: str = Field(description="The routing rule that chose the unit")
    reason: str = Field(description="Why the rule chose this unit, in words")
    assigned_at: datetime
    accept_due_at: datetime = Field(description="Sign-for (签收) deadline")
    due_at: datetime = Field(description="Handling deadline")


class TaskAssigned(EventEnvelope):
    """A task was assigned (派单) to a handling unit (承办单位), by a routing rule or by a
    dispatcher, with any co-handling units (协办), the rule and reason for the choice, and the
    sign-for (签收) and handling deadlines the SLA clock runs against. Notify tells the unit."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.assigned.v1"] = "pingan.dispatch.task.assigned.v1"
    data: TaskAssignedData
