"""Events published by the dispatch service.

Task events go to ``dispatch.tasks.v1`` keyed by task id; the org directory goes to the
compacted ``dispatch.directory.v1`` keyed by the entry's id, so the latest version of each unit,
staff member and roster stays readable for any service that keeps a local copy.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.mediation import DisputeKind
from pingan_common.events.topics import DISPATCH_DIRECTORY, DISPATCH_TASKS
from pingan_common.events.values import Attachment, CallbackVerdict, Category, Payload, Urgency

TaskKind = Literal["ticket", "verification"]


class TaskCreatedData(Payload):
    task_id: UUID
    ticket_id: UUID
    ticket_number: str
    category: Category
    urgency: Urgency
    area_code: str
    summary: str
    created_at: datetime
    kind: TaskKind = Field(default="ticket", description="verification = 核查 for a risk alert")
    alert_id: UUID | None = Field(default=None, description="For verification tasks")


class TaskCreated(EventEnvelope):
    """Dispatch opened a task (派单 work item) for a ticket that needs a unit to act, or a
    verification task (核查) for a risk alert. The task is not yet assigned to a handling unit;
    ``pingan.dispatch.task.assigned.v1`` follows when a routing rule or a dispatcher chooses one."""

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
    summary: str | None = Field(default=None, description="What the unit must do, in short")
    assigned_by: str = Field(default="system", description="'system' or the dispatcher's id")


class TaskAssigned(EventEnvelope):
    """A task was assigned (派单) to a handling unit (承办单位), by a routing rule or by a
    dispatcher, with any co-handling units (协办), the rule and reason for the choice, and the
    sign-for (签收) and handling deadlines the SLA clock runs against. Notify tells the unit."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.assigned.v1"] = "pingan.dispatch.task.assigned.v1"
    data: TaskAssignedData


class TaskEventData(Payload):
    """What every later task event carries: which task, which unit holds it, who acted, when."""

    task_id: UUID
    ticket_id: UUID
    ticket_number: str
    unit_code: str | None = Field(description="The handling unit now; null when unassigned")
    area_code: str
    actor: str = Field(description="User id, or 'system' for the routing and the scanner")
    occurred_at: datetime


class TaskAcceptedData(TaskEventData):
    accept_due_at: datetime
    within_limit: bool = Field(description="Signed for (签收) by the deadline: counts for 响应率")


class TaskAccepted(EventEnvelope):
    """The handling unit signed for the task (签收). The handling clock already runs from
    assignment; this only records the response."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.accepted.v1"] = "pingan.dispatch.task.accepted.v1"
    data: TaskAcceptedData


class TaskReturnedData(TaskEventData):
    returned_by_unit_code: str
    reason_code: str = Field(examples=["not_our_remit"])
    reason: str
    return_count: int
    sent_to: Literal["dispatcher_queue", "county"] = Field(
        description="county = 兜底 after too many returns or reassignments"
    )


class TaskReturned(EventEnvelope):
    """The unit sent the task back (退单) as not its own, with a reason, within the allowed
    window. It goes back to the dispatchers' queue, or to the county (兜底) and is flagged when
    it has bounced too often."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.returned.v1"] = "pingan.dispatch.task.returned.v1"
    data: TaskReturnedData


class TaskReassignedData(TaskEventData):
    previous_unit_code: str | None
    unit_name: str
    co_unit_codes: list[str] = Field(default_factory=list)
    reason: str
    reassign_count: int
    rule_id: str | None = Field(default=None, description="None when a dispatcher chose")
    accept_due_at: datetime
    due_at: datetime


class TaskReassigned(EventEnvelope):
    """A dispatcher gave the task to another unit (改派), with a reason. The handling clock
    keeps running from the first assignment, so bouncing does not reset it."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.reassigned.v1"] = "pingan.dispatch.task.reassigned.v1"
    data: TaskReassignedData


class TaskExtensionRequestedData(TaskEventData):
    current_due_at: datetime
    requested_due_at: datetime
    reason: str


class TaskExtensionRequested(EventEnvelope):
    """The unit asked for more time (延期申请) with a reason and a new date."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.extension_requested.v1"] = (
        "pingan.dispatch.task.extension_requested.v1"
    )
    data: TaskExtensionRequestedData


class TaskExtensionDecidedData(TaskEventData):
    approved: bool
    due_at: datetime = Field(description="The handling deadline after the decision")
    comment: str | None = None


class TaskExtensionDecided(EventEnvelope):
    """A dispatcher approved or rejected an extension request; the clock follows ``due_at``."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.extension_decided.v1"] = (
        "pingan.dispatch.task.extension_decided.v1"
    )
    data: TaskExtensionDecidedData


class TaskRepliedData(TaskEventData):
    result: str = Field(description="办结回复: what was found and done")
    measures: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    on_time: bool


class TaskReplied(EventEnvelope):
    """The unit replied that the matter is handled (办结回复), with result, measures and
    attachments. The dispatcher reviews it next; notify sends the citizen the survey."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.replied.v1"] = "pingan.dispatch.task.replied.v1"
    data: TaskRepliedData


class TaskReviewedData(TaskEventData):
    comment: str | None = None


class TaskReviewed(EventEnvelope):
    """A dispatcher accepted the unit's reply (审核通过); the task awaits the callback."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.reviewed.v1"] = "pingan.dispatch.task.reviewed.v1"
    data: TaskReviewedData


class TaskReviewRejectedData(TaskEventData):
    reason: str


class TaskReviewRejected(EventEnvelope):
    """A dispatcher sent the reply back to the unit (审核退回); the task is in progress again."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.review_rejected.v1"] = (
        "pingan.dispatch.task.review_rejected.v1"
    )
    data: TaskReviewRejectedData


class TaskCallbackRecordedData(TaskEventData):
    verdict: CallbackVerdict
    resolved: bool | None = Field(default=None, description="The citizen says it is solved")
    source: Literal["operator", "sms"]
    comment: str | None = None


class TaskCallbackRecorded(EventEnvelope):
    """The citizen's verdict was recorded (回访): 满意, 基本满意 or 不满意, by an operator's
    call or from the survey SMS answer. 不满意 leads to a reopen (重办), the others to close."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.callback_recorded.v1"] = (
        "pingan.dispatch.task.callback_recorded.v1"
    )
    data: TaskCallbackRecordedData


class TaskReopenedData(TaskEventData):
    previous_unit_code: str | None
    reason: str
    reopen_count: int
    accept_due_at: datetime
    due_at: datetime


class TaskReopened(EventEnvelope):
    """The task was reopened (重办) after an unsatisfied callback, with the same or another
    unit, and new deadlines."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.reopened.v1"] = "pingan.dispatch.task.reopened.v1"
    data: TaskReopenedData


class TaskClosedData(TaskEventData):
    kind: TaskKind = "ticket"
    alert_id: UUID | None = None
    result: str | None = Field(default=None, description="The accepted reply")
    verdict: CallbackVerdict | None = None
    resolved: bool | None = None
    handled_by: list[str] = Field(default_factory=list, description="Units that worked on it")


class TaskClosed(EventEnvelope):
    """The task is closed (办结) with the citizen's verdict; intake closes the ticket when its
    last task closes, and feeds the outcome back to 110 for transferred matters."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.closed.v1"] = "pingan.dispatch.task.closed.v1"
    data: TaskClosedData


class TaskCancelledData(TaskEventData):
    # ``to_mediation``: the unit converted the task into a mediation case (task.converted_to_case).
    reason: Literal["retracted", "merged", "duplicate", "other", "to_mediation"]
    comment: str | None = None


class TaskCancelled(EventEnvelope):
    """The task was cancelled because intake retracted or merged its ticket, or a dispatcher
    cancelled it as a duplicate. Units stop work on it."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.cancelled.v1"] = "pingan.dispatch.task.cancelled.v1"
    data: TaskCancelledData


class TaskConvertedToCaseData(TaskEventData):
    """What mediation needs to register the case: the dispute, where it is, and why.

    No party's name or phone: the mediator records the parties on the case."""

    dispute_kind: DisputeKind = Field(examples=["neighbour"])
    reason: str = Field(max_length=500, examples=["双方因宅基地界址争执，需调解"])
    summary: str = Field(description="The task's summary (the ticket's description, cut)")
    category: Category
    urgency: Urgency
    township_code: str | None = None
    village_code: str | None = None


class TaskConvertedToCase(EventEnvelope):
    """The handling unit found the task to be a dispute (矛盾纠纷) and converted it into a
    mediation case (转调解). The task ends in ``to_mediation`` and counts against no unit;
    mediation registers a case with source ``task`` on the task's ticket, and the ticket closes
    when that case closes."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.converted_to_case.v1"] = (
        "pingan.dispatch.task.converted_to_case.v1"
    )
    data: TaskConvertedToCaseData


DeadlineKind = Literal["accept", "handle"]


class TaskDeadlineData(TaskEventData):
    deadline: DeadlineKind = Field(description="accept = 签收 deadline, handle = 办结 deadline")
    due_at: datetime
    supervisor_unit_code: str | None = Field(description="The unit that supervises the handler")


class TaskDeadlineWarningData(TaskDeadlineData):
    elapsed_fraction: float = Field(description="Share of the time budget used, e.g. 0.8")


class TaskDeadlineWarning(EventEnvelope):
    """The scanner found a task nearing its deadline (80% of the time used, 预警/提醒). Sent
    once per task, deadline and due date."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.deadline_warning.v1"] = (
        "pingan.dispatch.task.deadline_warning.v1"
    )
    data: TaskDeadlineWarningData


class TaskOverdue(EventEnvelope):
    """The scanner found a task past its deadline (超时, 催办 to the unit and its supervisor).
    Sent once per task, deadline and due date."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.overdue.v1"] = "pingan.dispatch.task.overdue.v1"
    data: TaskDeadlineData


class TaskEscalatedData(TaskDeadlineData):
    escalated_to_unit_code: str = Field(description="The supervising unit (督办 by)")
    on_duty_leader_ids: list[str] = Field(
        default_factory=list, description="Leaders on duty for that unit now (值班领导)"
    )


class TaskEscalated(EventEnvelope):
    """A task stayed overdue past the escalation period and was escalated (督办) to the
    supervising unit and the on-duty leader. Sent once per task, deadline and due date."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.escalated.v1"] = "pingan.dispatch.task.escalated.v1"
    data: TaskEscalatedData


class TaskFlaggedData(TaskEventData):
    flagged: bool = Field(description="False when the flag is lifted")
    reason: str
    source: Literal["leader", "bounce_limit"] = Field(
        description="bounce_limit = returned or reassigned too often, taken by the county"
    )


class TaskFlagged(EventEnvelope):
    """A leader put the task under flagged supervision (挂牌督办), or it bounced too often and
    the county took it; the task and its unit show the flag until the task closes."""

    topic: ClassVar[str] = DISPATCH_TASKS
    type: Literal["pingan.dispatch.task.flagged.v1"] = "pingan.dispatch.task.flagged.v1"
    data: TaskFlaggedData


UnitKind = Literal[
    "command_center", "department", "township", "village", "grid", "committee", "enterprise"
]


class Contact(Payload):
    kind: Literal["phone", "webhook", "email"]
    value: str = Field(examples=["0571-88001234", "https://township1.example/hooks/pingan"])
    label: str | None = None


class DirectoryUnitData(Payload):
    unit_code: str = Field(examples=["331199001-ZZ"])
    name: str
    kind: UnitKind
    parent_code: str | None = Field(description="The unit above it in the hierarchy")
    supervisor_code: str | None = Field(description="The unit that supervises (督办) it")
    area_code: str = Field(description="The area it serves")
    contacts: list[Contact] = Field(default_factory=list)
    active: bool = True
    version: int = Field(description="Increases with every change of this unit")
    changed_at: datetime


class DirectoryUnitChanged(EventEnvelope):
    """A unit of the org directory was created or changed (or deactivated: ``active`` false).
    The latest event per ``unit_code`` is its current state (compacted topic)."""

    topic: ClassVar[str] = DISPATCH_DIRECTORY
    type: Literal["pingan.dispatch.directory.unit_changed.v1"] = (
        "pingan.dispatch.directory.unit_changed.v1"
    )
    data: DirectoryUnitData


class DirectoryStaffData(Payload):
    user_id: str = Field(examples=["leader1"])
    name: str
    roles: list[str]
    unit_code: str
    area_code: str
    phone: str | None = Field(default=None, description="Work phone for staff notifications")
    active: bool = True
    version: int
    changed_at: datetime


class DirectoryStaffChanged(EventEnvelope):
    """A staff member of the directory was created or changed (roles, unit, area, work phone,
    or deactivated). The latest event per ``user_id`` is the current state."""

    topic: ClassVar[str] = DISPATCH_DIRECTORY
    type: Literal["pingan.dispatch.directory.staff_changed.v1"] = (
        "pingan.dispatch.directory.staff_changed.v1"
    )
    data: DirectoryStaffData


class RosterShift(Payload):
    user_id: str
    duty: Literal["leader", "dispatcher", "handler", "analyst"] = Field(
        description="leader = 值班领导"
    )
    starts_at: datetime
    ends_at: datetime


class DirectoryRosterData(Payload):
    unit_code: str
    day: date
    shifts: list[RosterShift]
    version: int
    changed_at: datetime


class DirectoryRosterChanged(EventEnvelope):
    """The on-duty roster (值班表) of a unit for one day was set or changed. The latest event
    per unit and day (subject ``<unit_code>/<day>``) is the current roster."""

    topic: ClassVar[str] = DISPATCH_DIRECTORY
    type: Literal["pingan.dispatch.directory.roster_changed.v1"] = (
        "pingan.dispatch.directory.roster_changed.v1"
    )
    data: DirectoryRosterData


EVENTS: tuple[type[EventEnvelope], ...] = (
    TaskCreated,
    TaskAssigned,
    TaskAccepted,
    TaskReturned,
    TaskReassigned,
    TaskExtensionRequested,
    TaskExtensionDecided,
    TaskReplied,
    TaskReviewed,
    TaskReviewRejected,
    TaskCallbackRecorded,
    TaskReopened,
    TaskClosed,
    TaskCancelled,
    TaskConvertedToCase,
    TaskDeadlineWarning,
    TaskOverdue,
    TaskEscalated,
    TaskFlagged,
    DirectoryUnitChanged,
    DirectoryStaffChanged,
    DirectoryRosterChanged,
)
