"""Events published by the mediation service.

Every case event goes to ``mediation.cases.v1`` keyed by the case id, so one case's events stay
in order; screening rounds (排查) go to the same topic keyed by the round id. Payloads carry ids
and facts: parties appear as opaque references (``party_refs``), never with their names, phone
or ID numbers.

A case born from a ticket announces itself with ``case.opened`` (v1, consumed by intake and
notify since the skeleton); a case registered at a committee's desk (a walk-in, a court, police
or petition-bureau referral, a dispute found in a screening round) with ``case.registered``,
whose ticket is optional. Every later event carries ``CaseEventData``. ``case.closed`` ends every
case, whatever the outcome (performed, referred, failed, withdrawn, declined), so a consumer
that closes the ticket needs one handler.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.topics import MEDIATION_CASES
from pingan_common.events.values import Category, Payload, RiskLevel

CaseSource = Literal[
    "ticket",  # a dispute ticket from intake (12345, 110, grid report …)
    "walk_in",  # 来访: registered at a committee's reception desk by a mediator
    "court",  # 诉前调解: referred by the court before filing
    "police",  # 公调对接: referred by the police station
    "petition",  # referred by the petition bureau (信访局)
    "screening",  # found in a proactive screening round (排查)
    "task",  # a dispatch task a unit converted into a case
]
# The dispute kinds (intake's dispute subcategories); mediation keeps their labels (cases.kinds),
# dispatch names one when a unit converts a task into a case.
DisputeKind = Literal[
    "family",
    "domestic_support",
    "neighbour",
    "wage_arrears",
    "property_management",
    "land",
    "demolition",
    "medical",
    "traffic_compensation",
    "consumer",
    "damage_compensation",
    "debt",
    "rental",
    "general",
]
CaseLevel = Literal["village", "township", "county"]
CaseOutcome = Literal["performed", "agreed", "referred", "failed", "withdrawn", "declined"]
ReferralRoute = Literal["litigation", "arbitration", "administrative"]  # 诉讼 / 仲裁 / 行政裁决
SessionOutcome = Literal["progress", "failed", "adjourned"]


class CaseOpenedData(Payload):
    case_id: UUID
    case_number: str
    ticket_id: UUID
    ticket_number: str
    category: Category
    committee_code: str
    committee_name: str
    area_code: str
    opened_at: datetime
    due_at: datetime
    # Added after v1 was published; optional so that v1 stays compatible.
    source: CaseSource | None = Field(default=None, description="Where the case came from")
    level: CaseLevel | None = Field(
        default=None, description="The level the rules decided", examples=["village"]
    )
    dispute_kind: str | None = Field(default=None, description="The case's dispute kind code")


class CaseOpened(EventEnvelope):
    """Mediation opened a dispute case (调解案件) for a ticket and gave it to a people's
    mediation committee (人民调解委员会), with the deadline for the mediation."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.opened.v1"] = "pingan.mediation.case.opened.v1"
    data: CaseOpenedData


RiskSignalReason = Literal[
    "repeated_failure",  # two failed sessions on one case
    "threat_in_session",  # a threat recorded in a session record
    "violence_in_session",  # violence recorded in a session record
    "term_breached",  # a term of the agreement not performed by its due date
    "prior_violence",  # a party with a recorded history of violence
]


class CaseRiskSignalData(Payload):
    """A sign that a civil dispute may turn into a crime (民转刑). Parties are named by
    opaque references, never by their personal data."""

    case_id: UUID
    case_number: str
    ticket_id: UUID | None = Field(default=None, description="The ticket behind the case, if any")
    area_code: str = Field(description="The case's area (village or township code)")
    dispute_kind: str = Field(examples=["neighbour"])
    reason: RiskSignalReason
    evidence: str = Field(
        max_length=500, description="What was recorded, in words, without personal data"
    )
    level_hint: RiskLevel = Field(description="The level mediation suggests; riskassess decides")
    party_refs: list[str] = Field(
        default_factory=list, description="Opaque party references (stable per party and case)"
    )
    failed_sessions: int = Field(default=0, ge=0)
    raised_at: datetime


class CaseRiskSignal(EventEnvelope):
    """Mediation saw a 民转刑 sign on a case (repeated failure, a threat or violence in a
    session, a breached agreement term, a party with prior violence); riskassess turns it into
    a warning."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.risk_signal.v1"] = "pingan.mediation.case.risk_signal.v1"
    data: CaseRiskSignalData


class CaseRegisteredData(Payload):
    """A case registered at a committee's desk: the ticket, if any, is optional."""

    case_id: UUID
    case_number: str
    ticket_id: UUID | None = None
    ticket_number: str | None = None
    source: CaseSource
    referral_ref: str | None = Field(
        default=None, description="The referring body's file number (court, police, bureau)"
    )
    dispute_kind: str = Field(examples=["neighbour"])
    dispute_label: str = Field(examples=["邻里纠纷"])
    level: CaseLevel = Field(examples=["village"])
    committee_code: str
    committee_name: str
    area_code: str
    amount: float | None = Field(default=None, ge=0, description="The sum in dispute, yuan")
    people_involved: int = Field(ge=1)
    party_refs: list[str] = Field(default_factory=list)
    registered_by: str
    registered_at: datetime
    # Added after v1 was published; optional so that v1 stays compatible.
    task_id: UUID | None = Field(
        default=None, description="The dispatch task converted into this case (source 'task')"
    )


class CaseRegistered(EventEnvelope):
    """A mediator registered a dispute case (登记): a walk-in (来访), a referral from the court
    (诉前调解), the police (公调对接) or the petition bureau, or a dispute found in screening."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.registered.v1"] = "pingan.mediation.case.registered.v1"
    data: CaseRegisteredData


class CaseEventData(Payload):
    """What every case event after its opening carries: which case, where, who acted, when."""

    case_id: UUID
    case_number: str
    ticket_id: UUID | None = Field(default=None, description="The ticket behind the case, if any")
    ticket_number: str | None = None
    committee_code: str = Field(description="The committee or center that holds the case now")
    area_code: str
    state: str = Field(description="The case's state after the event")
    actor: str = Field(description="'system' or the staff member's id")
    occurred_at: datetime


class CaseAcceptedData(CaseEventData):
    level: CaseLevel = Field(examples=["village"])
    due_at: datetime = Field(description="When the mediation should be concluded")
    court_referred: bool = False


class CaseAccepted(EventEnvelope):
    """The committee accepted the case (受理); the conclusion clock runs from now."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.accepted.v1"] = "pingan.mediation.case.accepted.v1"
    data: CaseAcceptedData


DeclineReason = Literal["in_court", "outside_scope", "already_handled", "other"]


class CaseDeclinedData(CaseEventData):
    reason_code: DeclineReason
    reason: str


class CaseDeclined(EventEnvelope):
    """The committee declined the case (不予受理) with a reason: already before a court or an
    arbitration body, outside people's mediation, …"""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.declined.v1"] = "pingan.mediation.case.declined.v1"
    data: CaseDeclinedData


class CaseMediatorAssignedData(CaseEventData):
    mediator_id: str
    mediator_name: str
    mediator_unit_code: str
    role: Literal["mediator", "leader"] = Field(
        default="mediator", description="leader = 领导包案: a leader took the case"
    )
    chosen_by: Literal["rules", "staff"] = "rules"
    reason: str = Field(description="Why this mediator, in words")


class CaseMediatorAssigned(EventEnvelope):
    """A mediator was given the case (by area, dispute kind and load, or by staff's choice), or
    a leader took it personally (领导包案)."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.mediator_assigned.v1"] = (
        "pingan.mediation.case.mediator_assigned.v1"
    )
    data: CaseMediatorAssignedData


class CaseSessionScheduledData(CaseEventData):
    session_id: UUID
    session_no: int = Field(ge=1)
    place: str
    starts_at: datetime
    mediator_id: str | None = None
    # Added after v1 was published; optional so that v1 stays compatible (an older event tells
    # no party: notify then sends the mediator's in-app notice only).
    notify_party_refs: list[str] = Field(
        default_factory=list,
        description=(
            "The parties to text the session notice (those with a phone), by their opaque "
            "reference; notify reads each one's number from mediation at send time"
        ),
        examples=[["P1", "P2"]],
    )


class CaseSessionScheduled(EventEnvelope):
    """A mediation session (调解会) was scheduled, with its place and time."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.session_scheduled.v1"] = (
        "pingan.mediation.case.session_scheduled.v1"
    )
    data: CaseSessionScheduledData


class CaseSessionHeldData(CaseEventData):
    session_id: UUID
    session_no: int = Field(ge=1)
    outcome: SessionOutcome
    attendance: int = Field(ge=0, description="How many people attended")
    threat_recorded: bool = False
    violence_recorded: bool = False
    failed_sessions: int = Field(ge=0, description="Failed sessions on the case so far")


class CaseSessionHeld(EventEnvelope):
    """A session was held and its record (调解笔录) written: progress, failed, or adjourned."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.session_held.v1"] = "pingan.mediation.case.session_held.v1"
    data: CaseSessionHeldData


class AgreementTerm(Payload):
    term_no: int = Field(ge=1)
    obligor_ref: str = Field(description="The party who must perform it (opaque reference)")
    amount: float | None = Field(default=None, ge=0, description="Yuan, if the term is a sum")
    due_on: date


class CaseAgreementReachedData(CaseEventData):
    agreement_id: UUID
    signed_at: datetime
    terms: list[AgreementTerm]
    total_amount: float = Field(ge=0)
    confirmation_due_on: date = Field(
        description="Last day to apply jointly to the court for 司法确认 (30 days)"
    )


class CaseAgreementReached(EventEnvelope):
    """The parties and the mediator signed a mediation agreement (调解协议书): it binds from
    now; the committee follows each term's performance; 司法确认 may be asked within 30 days."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.agreement_reached.v1"] = (
        "pingan.mediation.case.agreement_reached.v1"
    )
    data: CaseAgreementReachedData


class CaseFailedData(CaseEventData):
    reason: str
    failed_sessions: int = Field(ge=0)


class CaseFailed(EventEnvelope):
    """Mediation failed (调解不成): the parties could not agree."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.failed.v1"] = "pingan.mediation.case.failed.v1"
    data: CaseFailedData


class CaseReferredData(CaseEventData):
    route: ReferralRoute
    receiving_body: str = Field(examples=["青山县人民法院"])
    note: str | None = None


class CaseReferred(EventEnvelope):
    """A failed case was referred on: to litigation (诉讼), arbitration (仲裁) or an
    administrative ruling (行政裁决), with the receiving body."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.referred.v1"] = "pingan.mediation.case.referred.v1"
    data: CaseReferredData


class CaseEscalatedData(CaseEventData):
    from_level: CaseLevel = Field(examples=["village"])
    to_level: CaseLevel = Field(examples=["township"])
    from_committee_code: str
    reason: str


class CaseEscalated(EventEnvelope):
    """The case went up a level (village → township → county, 小事不出村、大事不出乡、难事不出县):
    the level failed or declared it beyond its reach."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.escalated.v1"] = "pingan.mediation.case.escalated.v1"
    data: CaseEscalatedData


class CaseExtendedData(CaseEventData):
    previous_due_at: datetime
    due_at: datetime
    reason: str


class CaseExtended(EventEnvelope):
    """The conclusion deadline was extended once, with a reason."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.extended.v1"] = "pingan.mediation.case.extended.v1"
    data: CaseExtendedData


class CaseDeadlineData(CaseEventData):
    due_at: datetime
    mediator_id: str | None = None


class CaseDeadlineWarning(EventEnvelope):
    """Three weeks of the month to conclude have passed (预警)."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.deadline_warning.v1"] = (
        "pingan.mediation.case.deadline_warning.v1"
    )
    data: CaseDeadlineData


class CaseOverdue(EventEnvelope):
    """The case was not concluded by its deadline (超期)."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.overdue.v1"] = "pingan.mediation.case.overdue.v1"
    data: CaseDeadlineData


class CaseTermData(CaseEventData):
    agreement_id: UUID
    term_no: int = Field(ge=1)
    obligor_ref: str
    amount: float | None = None
    due_on: date


class CaseTermDue(EventEnvelope):
    """An agreement term falls due today: the mediator checks its performance (履行回访)."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.term_due.v1"] = "pingan.mediation.case.term_due.v1"
    data: CaseTermData


class CaseTermBreached(EventEnvelope):
    """An agreement term's due date passed without a recorded performance: a follow-up is
    opened and a 民转刑 signal raised."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.term_breached.v1"] = (
        "pingan.mediation.case.term_breached.v1"
    )
    data: CaseTermData


class CaseFollowupRecordedData(CaseEventData):
    followup_id: UUID
    term_no: int | None = Field(default=None, description="The term visited, if one")
    performed: bool
    all_terms_performed: bool


class CaseFollowupRecorded(EventEnvelope):
    """A follow-up visit on the agreement's performance (履行回访) was recorded."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.followup_recorded.v1"] = (
        "pingan.mediation.case.followup_recorded.v1"
    )
    data: CaseFollowupRecordedData


WithdrawalCause = Literal["applicant", "ticket_retracted", "ticket_merged"]


class CaseWithdrawnData(CaseEventData):
    cause: WithdrawalCause
    reason: str


class CaseWithdrawn(EventEnvelope):
    """The applicant withdrew (撤回), or the ticket behind a case not yet started was
    retracted or merged into another."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.withdrawn.v1"] = "pingan.mediation.case.withdrawn.v1"
    data: CaseWithdrawnData


class CaseClosedData(CaseEventData):
    outcome: CaseOutcome
    summary: str = Field(description="The outcome in words, for the ticket and the citizen")
    level: CaseLevel = Field(examples=["village"])
    mediator_id: str | None = None


class CaseClosed(EventEnvelope):
    """The case is closed (结案) with its outcome: the agreement performed, referred on, failed,
    withdrawn or declined. Intake closes the ticket; notify sends the citizen the survey."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.case.closed.v1"] = "pingan.mediation.case.closed.v1"
    data: CaseClosedData


ScreeningLevel = Literal["village", "township", "county", "campaign"]


class ScreeningRoundOpenedData(Payload):
    round_id: UUID
    level: ScreeningLevel
    area_code: str
    period_start: date
    period_end: date
    assignee_units: list[str] = Field(description="Committees / grids that must report")
    opened_at: datetime


class ScreeningRoundOpened(EventEnvelope):
    """A proactive screening round (矛盾纠纷排查) opened: village weekly, township fortnightly,
    county monthly, or a campaign before a sensitive date."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.screening.round_opened.v1"] = (
        "pingan.mediation.screening.round_opened.v1"
    )
    data: ScreeningRoundOpenedData


class ScreeningRoundReportedData(Payload):
    round_id: UUID
    report_id: UUID
    unit_code: str
    area_code: str
    disputes_found: int = Field(ge=0)
    hazards_found: int = Field(ge=0)
    cases_registered: list[UUID] = Field(default_factory=list)
    reported_by: str
    reported_at: datetime


class ScreeningRoundReported(EventEnvelope):
    """A unit reported its screening form for a round: disputes found, hazards, or nothing."""

    topic: ClassVar[str] = MEDIATION_CASES
    type: Literal["pingan.mediation.screening.round_reported.v1"] = (
        "pingan.mediation.screening.round_reported.v1"
    )
    data: ScreeningRoundReportedData


EVENTS: tuple[type[EventEnvelope], ...] = (
    CaseOpened,
    CaseRegistered,
    CaseAccepted,
    CaseDeclined,
    CaseMediatorAssigned,
    CaseSessionScheduled,
    CaseSessionHeld,
    CaseAgreementReached,
    CaseFailed,
    CaseReferred,
    CaseEscalated,
    CaseExtended,
    CaseDeadlineWarning,
    CaseOverdue,
    CaseTermDue,
    CaseTermBreached,
    CaseFollowupRecorded,
    CaseWithdrawn,
    CaseClosed,
    CaseRiskSignal,
    ScreeningRoundOpened,
    ScreeningRoundReported,
)
