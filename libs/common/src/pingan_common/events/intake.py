"""Events published by the intake service (topic ``intake.tickets.v1``, keyed by ticket id)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import INTAKE_TICKETS
from pingan_common.events.values import (
    Attachment,
    CallbackVerdict,
    CallerSummary,
    Category,
    Channel,
    Disposition,
    Location,
    Payload,
    RiskLevel,
    Urgency,
)


class TicketRegisteredData(Payload):
    ticket_id: UUID
    ticket_number: str = Field(examples=["QS20261123000123"])
    channel: Channel
    description: str
    category: Category
    urgency: Urgency
    disposition: Disposition
    dispositions: list[Disposition]
    risk_level: RiskLevel | None = None
    location: Location
    area_code: str = Field(
        description="Most specific area known: grid, village, township or county"
    )
    caller: CallerSummary
    caller_id_hash: str | None = Field(
        default=None,
        description="Keyed hash of the caller's resident ID (the key of caller.phone_hash), to "
        "match registered key persons; never the number itself",
    )
    reported_at: datetime
    registered_at: datetime
    registered_by: str
    external_ref: str | None = Field(default=None, description="e.g. the 110 incident number")
    external_received_at: datetime | None = Field(
        default=None, description="When the referring system (110) received the matter"
    )
    attachments: list[Attachment] = Field(default_factory=list)
    repeat_of_ticket_id: UUID | None = Field(
        default=None, description="The caller's earlier ticket on the same matter (重复来电)"
    )
    repeat_count: int = Field(
        default=1, description="Calls by this caller on this matter in the repeat window"
    )


class TicketRegistered(EventEnvelope):
    """A ticket (工单) was registered by intake, from any channel (12345 hotline, 110 linkage,
    grid report, web, third-party system, Open311): classified, located to the most specific
    area known and given its dispositions. It starts every chain: the ticket id is the
    ``correlationid`` of each event that follows. Consumers act on ``dispositions`` (``task`` →
    dispatch opens a task, ``mediation`` → mediation opens a case, ``risk`` → riskassess screens
    it). Caller details travel masked only. A call merged into an earlier ticket at registration
    is published as ``ticket.merged`` instead, so downstream never opens a second task."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.registered.v1"] = "pingan.intake.ticket.registered.v1"
    data: TicketRegisteredData


class TicketEventData(Payload):
    """What every later ticket event carries: which ticket, who acted and when."""

    ticket_id: UUID
    ticket_number: str = Field(examples=["QS20261123000123"])
    area_code: str
    actor: str = Field(description="User id, API client id, or 'system'")
    occurred_at: datetime


class TicketUpdatedData(TicketEventData):
    supplement: str = Field(description="Follow-up information from the caller (补充)")
    attachments: list[Attachment] = Field(default_factory=list)


class TicketUpdated(EventEnvelope):
    """The caller added information to an open ticket (补充): new facts, a new contact time,
    more attachments. Units working on the ticket's task should read it."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.updated.v1"] = "pingan.intake.ticket.updated.v1"
    data: TicketUpdatedData


class ClassificationSnapshot(Payload):
    category: Category
    urgency: Urgency
    disposition: Disposition
    dispositions: list[Disposition]
    risk_level: RiskLevel | None = None


class TicketReclassifiedData(TicketEventData):
    previous: ClassificationSnapshot
    current: ClassificationSnapshot
    reason: str = Field(description="Why the operator overrode the classifier")


class TicketReclassified(EventEnvelope):
    """An operator overrode the classifier's category, urgency or dispositions, with a reason.
    ``previous`` is what the ticket had, ``current`` what it has now; dispatch re-routes an
    unaccepted task, and the pair is kept as training data for the classifier."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.reclassified.v1"] = "pingan.intake.ticket.reclassified.v1"
    data: TicketReclassifiedData


class TicketMergedData(TicketEventData):
    master_ticket_id: UUID
    master_ticket_number: str
    caller_count: int = Field(description="Callers on the master ticket after this merge")
    reason: str = Field(description="Why they are one matter, e.g. the similarity found")
    automatic: bool = Field(description="True when intake merged at registration (并单)")


class TicketMerged(EventEnvelope):
    """A ticket was merged into a master ticket about the same matter (并单): another caller
    about one place and problem. Downstream treats the master as the only work item: dispatch
    cancels any task of the merged ticket and opens none for it."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.merged.v1"] = "pingan.intake.ticket.merged.v1"
    data: TicketMergedData


class TicketSplitData(TicketRegisteredData):
    split_from_ticket_id: UUID = Field(description="The master it was wrongly merged into")
    reason: str
    split_by: str
    split_at: datetime


class TicketSplit(EventEnvelope):
    """An operator split a wrongly merged ticket off its master. The payload is the ticket in
    full, like ``ticket.registered``: downstream handles it as a new matter (a task, a case,
    a screening) if it has not already."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.split.v1"] = "pingan.intake.ticket.split.v1"
    data: TicketSplitData


class TicketRetractedData(TicketEventData):
    reason: str = Field(description="Why the caller withdrew it (撤单)")


class TicketRetracted(EventEnvelope):
    """The caller withdrew the ticket (撤单), with a reason. Dispatch cancels its open task,
    mediation its unstarted case."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.retracted.v1"] = "pingan.intake.ticket.retracted.v1"
    data: TicketRetractedData


class TicketTransferredToPoliceData(TicketEventData):
    reason: str = Field(description="Why it is a police matter: violence now, threat to life…")
    category: Category
    urgency: Urgency
    location: Location
    summary: str


class TicketTransferredToPolice(EventEnvelope):
    """A 12345 matter was handed to 110 at once (12345–110 linkage): violence in progress, a
    threat to life, a crime happening. The ticket stays open to record 110's feedback."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.transferred_to_police.v1"] = (
        "pingan.intake.ticket.transferred_to_police.v1"
    )
    data: TicketTransferredToPoliceData


class TicketAnsweredData(TicketEventData):
    answer: str
    knowledge_entry_id: str | None = Field(
        default=None, description="The knowledge-base entry the operator answered from"
    )


class TicketAnswered(EventEnvelope):
    """An operator answered a consultation on the call (直接答复), usually from the knowledge
    base; the ticket closes at intake and nothing is dispatched."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.answered.v1"] = "pingan.intake.ticket.answered.v1"
    data: TicketAnsweredData


TicketResolution = Literal["handled", "answered", "retracted", "merged", "transferred_to_police"]


class TicketClosedData(TicketEventData):
    channel: Channel
    resolution: TicketResolution
    outcome: str = Field(description="What was done, in words, for the caller and referrer")
    handled_by: list[str] = Field(default_factory=list, description="Unit codes that handled it")
    satisfaction: CallbackVerdict | None = None
    external_ref: str | None = Field(default=None, description="e.g. the 110 incident number")


class TicketClosed(EventEnvelope):
    """The ticket is closed (办结): its tasks closed, or it was answered, retracted, merged or
    transferred to the police, with the outcome in words."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.closed.v1"] = "pingan.intake.ticket.closed.v1"
    data: TicketClosedData


class PoliceFeedbackData(TicketEventData):
    incident_number: str = Field(description="The 110 incident number (接警单号)")
    received_by_110_at: datetime | None = None
    resolution: TicketResolution
    outcome: str
    handled_by: list[str] = Field(default_factory=list)
    closed_at: datetime


class PoliceFeedback(EventEnvelope):
    """The outcome of a matter that 110 transferred to the platform, for the 110 system (双向
    反馈). Notify delivers it to the 110 system's webhook subscription."""

    topic: ClassVar[str] = INTAKE_TICKETS
    type: Literal["pingan.intake.ticket.police_feedback.v1"] = (
        "pingan.intake.ticket.police_feedback.v1"
    )
    data: PoliceFeedbackData


EVENTS: tuple[type[EventEnvelope], ...] = (
    TicketRegistered,
    TicketUpdated,
    TicketReclassified,
    TicketMerged,
    TicketSplit,
    TicketRetracted,
    TicketTransferredToPolice,
    TicketAnswered,
    TicketClosed,
    PoliceFeedback,
)
