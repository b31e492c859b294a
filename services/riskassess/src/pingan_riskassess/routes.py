"""Riskassess's REST API under /v1."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from pingan_common.auth import Principal, ensure_area, require
from pingan_common.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, fetch_page
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_riskassess.models import Alert
from pingan_riskassess.schemas import AlertRead

router = APIRouter(prefix="/v1", tags=["alerts"])

Staff = Annotated[
    Principal,
    Depends(require("analyst", "leader", "dispatcher", "grid_worker", "admin")),
]


@router.get(
    "/alerts",
    response_model=Page[AlertRead],
    responses=problem_responses(400, 401, 403),
    summary="Risk alerts in your area; filter by ticket, level or state",
)
async def list_alerts(
    principal: Staff,
    runtime: RuntimeDep,
    ticket_id: UUID | None = None,
    level: str | None = None,
    state: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[AlertRead]:
    query = select(Alert).where(within_area(Alert.area_code, principal))
    for column, value in ((Alert.ticket_id, ticket_id), (Alert.level, level), (Alert.state, state)):
        if value is not None:
            query = query.where(column == value)
    async with runtime.transaction() as session:
        return await fetch_page(
            session,
            query,
            id_column=Alert.id,
            cursor=cursor,
            limit=limit,
            item=AlertRead.model_validate,
        )


@router.get(
    "/alerts/{alert_id}",
    response_model=AlertRead,
    responses=problem_responses(401, 403, 404),
    summary="One mediation alert",
)
async def get_alert(alert_id: UUID, principal: Staff, runtime: RuntimeDep) -> AlertRead:
    async with runtime.transaction() as session:
        alert = await session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert", str(alert_id))
    ensure_area(principal, alert.area_code)
    return AlertRead.model_validate(alert)
