"""The SLA clock over REST: a deadline preview, and (admins) one scanner pass now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from pingan_common.auth import Principal, require
from pingan_common.problems import UnprocessableEntity, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_dispatch.sla.deadlines import compute_deadlines
from pingan_dispatch.sla.policy import default_policy
from pingan_dispatch.sla.scanner import run_pass
from pingan_dispatch.sla.workdays import default_calendar

router = APIRouter(prefix="/v1", tags=["sla"])

Staff = Annotated[Principal, Depends(require())]
Admin = Annotated[Principal, Depends(require("admin"))]


class DeadlinePreview(BaseModel):
    start: datetime
    rule: str = Field(examples=["SLA-ORDINARY"])
    rule_note: str
    policy_version: str
    accept_due_at: datetime = Field(description="签收 deadline")
    due_at: datetime = Field(description="办结 deadline")
    warn_at: datetime = Field(description="预警: 80% of the handling time used")
    escalate_at: datetime = Field(description="督办 if still not replied")
    provisional_calendar: bool = Field(
        description="True when a date involved lies in a year whose 调休 is not yet official"
    )


class ScannerRun(BaseModel):
    at: datetime
    published: dict[str, int] = Field(examples=[{"warning": 3, "overdue": 1}])
    silenced_warnings: int = Field(description="Warnings not sent because already overdue")


@router.get(
    "/sla/deadline",
    response_model=DeadlinePreview,
    responses=problem_responses(401, 422),
    summary="The deadlines a task would get if assigned at `start`",
)
async def preview_deadline(
    principal: Staff,
    start: datetime,
    urgency: Literal["urgent", "normal"] = "normal",
    category: Annotated[str | None, Query(description="Subcategory code, e.g. gas_leak")] = None,
    group: Annotated[str | None, Query(description="Category group, e.g. city_service")] = None,
    sla_class: Literal["complex", "consultation", "help"] | None = None,
) -> DeadlinePreview:
    if start.tzinfo is None:
        raise UnprocessableEntity(
            "start needs a time zone, e.g. 2026-11-23T16:00:00+08:00",
            errors=[{"field": "query.start", "message": "naive datetime", "type": "value_error"}],
        )
    policy, calendar = default_policy(), default_calendar()
    deadlines = compute_deadlines(
        policy,
        calendar,
        assigned_at=start,
        category_code=category,
        group=group,
        sla_class=sla_class,
        urgency=urgency,
    )
    limits = policy.limits_for(category, group, sla_class, urgency)
    moments = (start, deadlines.due_at, deadlines.escalate_at)
    return DeadlinePreview(
        start=deadlines.assigned_at,
        rule=deadlines.rule,
        rule_note=limits.rule_note,
        policy_version=deadlines.policy_version,
        accept_due_at=deadlines.accept_due_at,
        due_at=deadlines.due_at,
        warn_at=deadlines.warn_at,
        escalate_at=deadlines.escalate_at,
        provisional_calendar=any(calendar.is_provisional(m) for m in moments),
    )


@router.post(
    "/admin/scanner/run",
    response_model=ScannerRun,
    responses=problem_responses(401, 403),
    summary="Run one deadline-scanner pass now (at the service's clock)",
    tags=["admin"],
)
async def run_scanner(principal: Admin, runtime: RuntimeDep) -> ScannerRun:
    now = runtime.now()
    batch_size = getattr(runtime.settings, "scanner_batch_size", 500)
    result = await run_pass(runtime.sessions, runtime.outbox, now, batch_size=batch_size)
    return ScannerRun(at=now, published=result.published, silenced_warnings=result.silenced)
