"""REST bodies of the dispatch API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pingan_common.events.mediation import DisputeKind
from pingan_common.events.values import Attachment, CallbackVerdict

ReturnReason = Literal["not_our_remit", "wrong_area", "insufficient_info", "duplicate", "other"]
Stage = Literal["ok", "warning", "overdue", "escalated"]


class HistoryEntryOut(BaseModel):
    at: datetime
    action: str
    actor: str
    from_state: str | None
    to_state: str
    details: dict


class DeadlinesOut(BaseModel):
    clock_started_at: datetime | None = Field(
        description="The handling clock runs from the first assignment (or the last reopen)"
    )
    accept_due_at: datetime | None = Field(description="签收 deadline of the current unit")
    due_at: datetime | None = Field(description="办结 deadline, after any extension")
    original_due_at: datetime | None
    warn_at: datetime | None = Field(description="80% of the handling time used (预警)")
    escalate_at: datetime | None = Field(description="督办 if still not replied by then")
    sla_rule: str | None = Field(examples=["SLA-ORDINARY"])
    sla_policy_version: str | None
    stage: Stage | None = Field(description="Where the clock stands now; null when stopped")


class CountersOut(BaseModel):
    returns: int
    reassignments: int
    reopens: int
    extensions: int


class FlagOut(BaseModel):
    flagged: bool
    reason: str | None
    source: Literal["leader", "bounce_limit"] | None


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    kind: Literal["ticket", "verification"] = "ticket"
    alert_id: UUID | None = None
    ticket_id: UUID
    ticket_number: str
    state: str = Field(examples=["assigned"])
    summary: str
    category_group: str
    category_code: str | None
    category_label: str
    urgency: str
    sla_class: str | None = None
    area_code: str
    unit_code: str | None
    co_unit_codes: list[str]
    rule_id: str | None = Field(description="The routing rule that chose the unit")
    route_reason: str | None
    flagged: bool = False
    created_at: datetime
    assigned_at: datetime | None
    accept_due_at: datetime | None
    due_at: datetime | None
    version: int = Field(description="Send as If-Match to make an action conditional")
    history: list[HistoryEntryOut] = Field(default_factory=list)


class TaskDetail(TaskRead):
    previous_unit_code: str | None
    handled_by: list[str]
    rules_version: str | None
    routing_fallback: bool
    deadlines: DeadlinesOut
    flag: FlagOut
    counters: CountersOut
    reply: dict | None
    callback_verdict: str | None
    callback_resolved: bool | None
    pending_callback: dict | None = Field(
        description="A survey answer that came before the review; applied when it is accepted"
    )
    extension_request: dict | None
    allowed_actions: list[str] = Field(
        description="What the caller may do to the task now", examples=[["accept", "return"]]
    )


# --- action bodies ------------------------------------------------------------------------------


class AssignBody(BaseModel):
    """Assign a task that has no unit (unrouted, or returned): to a unit, or by the rules."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"unit_code": "331199002-ZZ", "reason": "事发地在东城街道，按属地派单"},
                {"unit_code": None, "reason": "按规则重新派单"},
            ]
        }
    )

    unit_code: str | None = Field(
        default=None, description="Leave out to let the routing rules choose"
    )
    co_unit_codes: list[str] = Field(default_factory=list, description="协办 units")
    reason: str | None = Field(default=None, max_length=500)
    sla_class: Literal["complex", "consultation", "help"] | None = Field(
        default=None, description="Set before the clock starts: complex = 15 working days"
    )


class ReassignBody(BaseModel):
    """改派: give the task to another unit, overriding the routing, with a reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"unit_code": "331199-D-CG", "reason": "占道经营属综合执法局职责"}]
        }
    )

    unit_code: str
    co_unit_codes: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=1, max_length=500)


class AcceptBody(BaseModel):
    """签收: the unit signs for the task. No fields needed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{}]})

    comment: str | None = Field(default=None, max_length=500)


class ReturnBody(BaseModel):
    """退单: before sign-in, or within 2 working days of assignment, with a reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason_code": "not_our_remit", "reason": "该路段路灯归县城管局管理"}]
        }
    )

    reason_code: ReturnReason
    reason: str = Field(min_length=1, max_length=500)


class ExtensionRequestBody(BaseModel):
    """延期申请: a new due date, at most 10 working days beyond the original one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "requested_due_at": "2026-12-04T17:00:00+08:00",
                    "reason": "需协调供电公司更换线路，材料到货需一周",
                }
            ]
        }
    )

    requested_due_at: datetime
    reason: str = Field(min_length=1, max_length=500)


class ExtensionDecisionBody(BaseModel):
    """The dispatcher approves (optionally with another date) or rejects the request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"approved": True, "comment": "同意延期"},
                {"approved": False, "comment": "可先临时处置，不同意延期"},
            ]
        }
    )

    approved: bool
    due_at: datetime | None = Field(
        default=None, description="Approve a different date than requested"
    )
    comment: str | None = Field(default=None, max_length=500)


class ReplyBody(BaseModel):
    """办结回复: what was found and done."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "result": "已更换人民路路灯灯泡及线路，现已恢复照明",
                    "measures": "安排专人每周巡查",
                    "attachments": [],
                }
            ]
        }
    )

    result: str = Field(min_length=1, max_length=2000)
    measures: str | None = Field(default=None, max_length=2000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class ReviewBody(BaseModel):
    """审核: accept the reply, or send it back to the unit with a reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"accepted": True},
                {"accepted": False, "comment": "回复未说明处理结果，请补充现场照片"},
            ]
        }
    )

    accepted: bool
    comment: str | None = Field(default=None, max_length=500)


class CallbackBody(BaseModel):
    """回访: the citizen's verdict. 满意/基本满意 close the task; 不满意 reopens it (重办)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"verdict": "satisfied", "resolved": True},
                {"verdict": "unsatisfied", "resolved": False, "comment": "路灯仍然不亮"},
            ]
        }
    )

    verdict: CallbackVerdict
    resolved: bool | None = Field(default=None, description="Does the citizen say it is solved")
    comment: str | None = Field(default=None, max_length=500)


class ReopenBody(BaseModel):
    """重办 a closed task, with the same unit or another, and a fresh clock."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "群众再次来电反映问题未解决"}]}
    )

    unit_code: str | None = Field(default=None, description="Leave out for the same unit")
    reason: str = Field(min_length=1, max_length=500)


class FlagBody(BaseModel):
    """挂牌督办 by a leader (``flagged`` false lifts it)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"flagged": True, "reason": "群众反复来电，挂牌督办"}]}
    )

    flagged: bool = True
    reason: str = Field(min_length=1, max_length=500)


class CancelBody(BaseModel):
    """Cancel a task (a duplicate, or another reason)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "duplicate", "comment": "与另一工单重复"}]}
    )

    reason: Literal["duplicate", "other"]
    comment: str | None = Field(default=None, max_length=500)


class ConvertToCaseBody(BaseModel):
    """转调解: the task is a dispute between parties; mediation registers a case for it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"dispute_kind": "neighbour", "reason": "现场核实为邻里宅基地界址纠纷，需调解"}
            ]
        }
    )

    dispute_kind: DisputeKind = Field(description="The dispute kind for the case")
    reason: str = Field(min_length=2, max_length=500, description="Why it is a dispute, in words")
