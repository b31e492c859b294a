"""Alerts over REST: list, read with history and allowed actions, one POST per transition.

No ``from __future__ import annotations`` here: the action routes are built in a loop and
FastAPI must see each route's real body class in its signature.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, require
from pingan_common.lifecycle import etag
from pingan_common.lifecycle import perform as lifecycle_perform
from pingan_common.lifecycle.routes import ActionRoute, add_action_routes
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_common.scoping import scoped_page
from pingan_riskassess.alerts.actions import APPLY
from pingan_riskassess.alerts.lifecycle import READING_ROLES
from pingan_riskassess.alerts.schemas import (
    AcknowledgeBody,
    AlertDetail,
    AlertRead,
    CloseBody,
    HandleBody,
    HistoryEntryOut,
    VerificationBody,
    VerifyBody,
)
from pingan_riskassess.alerts.visibility import ensure_readable, visible_alerts
from pingan_riskassess.alerts.work import ALERTS, AlertWork
from pingan_riskassess.models import Alert

router = APIRouter(prefix="/v1", tags=["alerts"])

Staff = Annotated[Principal, Depends(require(*READING_ROLES))]


@router.get(
    "/alerts",
    response_model=Page[AlertRead],
    responses=problem_responses(400, 401, 403),
    summary="Risk alerts in your area; filter by ticket, level, state or subject",
)
async def list_alerts(
    principal: Staff,
    runtime: RuntimeDep,
    ticket_id: UUID | None = None,
    level: str | None = None,
    state: str | None = None,
    subject_kind: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[AlertRead]:
    filters = {"ticket_id": ticket_id, "level": level, "state": state, "subject_kind": subject_kind}
    return await scoped_page(
        runtime,
        Alert,
        principal=principal,
        filters=filters,
        cursor=cursor,
        limit=limit,
        item=AlertRead.model_validate,
        visible=visible_alerts(principal),
    )


@router.get(
    "/alerts/{alert_id}",
    response_model=AlertDetail,
    responses=problem_responses(401, 403, 404),
    summary="One risk alert: level, signals with evidence, history, allowed actions",
)
async def get_alert(
    alert_id: UUID, principal: Staff, runtime: RuntimeDep, response: Response
) -> AlertDetail:
    now = runtime.now()
    async with runtime.transaction(one_snapshot=True) as session:
        alert = await session.get(Alert, alert_id)
        if alert is None:
            raise NotFound("alert", str(alert_id))
        ALERTS.ensure_visible(principal, alert)
        ensure_readable(principal, alert)
        detail = await _detail(session, alert, principal, now)
    response.headers["ETag"] = etag(detail.version)
    return detail


async def _detail(
    session: AsyncSession, alert: Alert, principal: Principal, now: datetime
) -> AlertDetail:
    history = await ALERTS.history(session, alert.id)
    base = AlertRead.model_validate(alert).model_dump()
    return AlertDetail(
        **base,
        verification_requested_at=alert.verification_requested_at,
        verification_task_id=alert.verification_task_id,
        verification_report=alert.verification_report,
        notes=alert.notes,
        verified_at=alert.verified_at,
        measures=alert.measures,
        handled_at=alert.handled_at,
        closed_at=alert.closed_at,
        close_reason=alert.close_reason,
        history=[HistoryEntryOut.model_validate(h) for h in history],
        allowed_actions=ALERTS.allowed_actions(alert, principal, now),
    )


async def perform(
    runtime: Runtime,
    alert_id: UUID,
    action: str,
    principal: Principal,
    body: Any,
    if_match: str | None,
) -> AlertDetail:
    async def apply(work: AlertWork, alert: Alert) -> None:
        await APPLY[action](work, alert, body)

    return await lifecycle_perform(
        runtime,
        ALERTS,
        alert_id,
        action,
        principal,
        apply=apply,
        respond=_detail,
        work=AlertWork,
        if_match=if_match,
    )


ACTION_ROUTES: list[ActionRoute] = [
    ("acknowledge", AcknowledgeBody, "签收预警: the leader on duty or an analyst acknowledges"),
    ("request-verification", VerificationBody, "核查: ask dispatch for a verification task"),
    ("verify", VerifyBody, "核查结论: confirmed or a false alarm, with notes"),
    ("handle", HandleBody, "处置: what was done about a confirmed alert"),
    ("close", CloseBody, "Close a handled alert or a false alarm"),
]


add_action_routes(
    router,
    path="/alerts/{alert_id}",
    id_name="alert_id",
    actions=ACTION_ROUTES,
    caller=Staff,
    detail=AlertDetail,
    perform=perform,
    name_prefix="alert",
)
