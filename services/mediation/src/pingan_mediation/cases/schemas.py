"""REST bodies of the case API: the registration, one body per action, and the case detail."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pingan_common.events.mediation import DeclineReason, ReferralRoute, SessionOutcome

PartyRole = Literal["applicant", "respondent", "other"]
RegistrationSource = Literal["walk_in", "court", "police", "petition", "screening", "task"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartyIn(_Body):
    role: PartyRole
    name: str = Field(min_length=1, max_length=100, examples=["张三"])
    phone: str | None = Field(default=None, max_length=40, examples=["13800138000"])
    id_number: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=200)
    prior_violence: bool = Field(
        default=False, description="A recorded history of violence (raises a 民转刑 signal)"
    )


class CaseCreate(_Body):
    """A case registered at the desk: a walk-in (来访) or a referral."""

    source: RegistrationSource = Field(examples=["walk_in"])
    referral_ref: str | None = Field(
        default=None, max_length=64, examples=["(2026)浙1199诉前调1234号"]
    )
    dispute_kind: str = Field(examples=["neighbour"])
    description: str = Field(
        min_length=4, max_length=4000, examples=["邻居装修致墙体开裂，协商未果"]
    )
    area_code: str = Field(
        pattern=r"^\d{6,12}$",
        description="Village or township the dispute is in",
        examples=["331199001001"],
    )
    amount: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=2, examples=[8000]
    )
    people_involved: int = Field(default=2, ge=1, le=100000)
    parties: list[PartyIn] = Field(min_length=2, max_length=50)
    ticket_id: UUID | None = Field(
        default=None, description="The ticket behind it, if there is one"
    )
    ticket_number: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _applicant_and_respondent(self) -> CaseCreate:
        roles = {party.role for party in self.parties}
        if not {"applicant", "respondent"} <= roles:
            raise ValueError("a case needs at least one applicant and one respondent")
        if self.source in ("court", "police", "petition") and not self.referral_ref:
            raise ValueError("a referral names the referring body's file number (referral_ref)")
        return self


class EmptyBody(_Body):
    pass


class AcceptBody(_Body):
    note: str | None = Field(default=None, max_length=500)


class DeclineBody(_Body):
    reason_code: DeclineReason = Field(examples=["in_court"])
    reason: str = Field(min_length=2, max_length=500, examples=["当事人已向法院起诉"])


class AssignBody(_Body):
    mediator_id: str | None = Field(
        default=None, description="Leave out to let the rules choose (area, kind, load)"
    )
    reason: str | None = Field(default=None, max_length=500)


class TakeLeadBody(_Body):
    note: str | None = Field(default=None, max_length=500)


class AddPartyBody(PartyIn):
    pass


class ScheduleSessionBody(_Body):
    place: str = Field(min_length=2, max_length=200, examples=["幸福社区调解室"])
    starts_at: datetime = Field(examples=["2026-12-03T09:30:00+08:00"])
    experts: list[str] = Field(default_factory=list, max_length=10, examples=[["社区民警王警官"]])


class RecordSessionBody(_Body):
    session_no: int | None = Field(
        default=None, ge=1, description="Default: the earliest scheduled"
    )
    outcome: SessionOutcome = Field(examples=["progress"])
    attendance: list[str] = Field(
        default_factory=list, max_length=50, examples=[["申请人", "被申请人"]]
    )
    record: str = Field(min_length=2, max_length=8000, examples=["双方陈述意见，同意下次继续协商"])
    threat_recorded: bool = False
    violence_recorded: bool = False


class TermIn(_Body):
    obligor_party: int = Field(ge=1, description="The party's number in the case (1-based)")
    description: str = Field(min_length=2, max_length=1000, examples=["赔偿墙体修复费用"])
    amount: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=2, examples=[5000]
    )
    due_on: date = Field(examples=["2026-12-20"])


class AgreementBody(_Body):
    facts: str = Field(min_length=2, max_length=4000, examples=["被申请人装修时致申请人墙体开裂"])
    terms: list[TermIn] = Field(min_length=1, max_length=30)
    signed_at: datetime | None = Field(default=None, description="Default: now")


class FailureBody(_Body):
    reason: str = Field(min_length=2, max_length=1000, examples=["双方分歧过大，调解不成"])


class EscalateBody(_Body):
    reason: str = Field(min_length=2, max_length=1000, examples=["涉及多户，超出村调委会能力"])


class ExtendBody(_Body):
    reason: str = Field(min_length=2, max_length=1000, examples=["需等待伤情鉴定结果"])


class ReferBody(_Body):
    route: ReferralRoute = Field(examples=["litigation"])
    receiving_body: str = Field(min_length=2, max_length=100, examples=["青山县人民法院"])
    note: str | None = Field(default=None, max_length=1000)


class FollowupBody(_Body):
    term_no: int | None = Field(default=None, ge=1)
    performed: bool
    note: str = Field(min_length=2, max_length=2000, examples=["已当面确认赔偿款到账"])
    visited_at: datetime | None = None


class CloseBody(_Body):
    summary: str | None = Field(default=None, max_length=1000)


class WithdrawBody(_Body):
    reason: str = Field(min_length=2, max_length=500, examples=["双方已自行和解"])


# --- reads -----------------------------------------------------------------------------------


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    case_number: str = Field(examples=["TJ20261123000001"])
    ticket_id: UUID | None
    ticket_number: str | None
    source: str = Field(examples=["ticket"])
    referral_ref: str | None
    state: str = Field(examples=["registered"])
    dispute_type: str | None
    dispute_label: str
    description: str
    amount: Decimal | None
    people_involved: int
    level: str = Field(examples=["village"])
    level_rule: str | None
    committee_code: str
    committee_name: str
    area_code: str
    mediator_id: str | None
    mediator_name: str | None
    leader_id: str | None = Field(description="领导包案: the leader who took the case")
    leader_name: str | None
    opened_at: datetime
    accepted_at: datetime | None
    due_at: datetime
    court_referred: bool
    extension_count: int
    failed_sessions: int
    confirmation_due_on: date | None
    outcome: str | None
    outcome_summary: str | None
    closed_at: datetime | None
    satisfaction: str | None = Field(
        default=None, description="The citizen's survey answer (回访) once the ticket closed"
    )
    version: int


class PartyOut(BaseModel):
    number: int
    ref: str
    role: str
    name: str
    phone: str | None
    id_number: str | None
    address: str | None
    prior_violence: bool
    masked: bool


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    session_no: int
    state: str
    place: str
    starts_at: datetime
    experts: list[str]
    outcome: str | None
    attendance: list[str]
    record: str | None
    threat_recorded: bool
    violence_recorded: bool
    held_at: datetime | None


class TermOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    term_no: int
    obligor_ref: str
    description: str
    amount: Decimal | None
    due_on: date
    state: str
    settled_at: datetime | None


class FollowupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    term_no: int | None
    performed: bool
    note: str
    visited_at: datetime
    recorded_by: str


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    actor: str
    from_state: str | None
    to_state: str
    details: dict


class CaseDetail(CaseRead):
    parties: list[PartyOut]
    sessions: list[SessionOut]
    terms: list[TermOut]
    followups: list[FollowupOut]
    timeline: list[HistoryEntryOut]
    allowed_actions: list[str] = Field(examples=[["accept", "decline", "withdraw"]])
