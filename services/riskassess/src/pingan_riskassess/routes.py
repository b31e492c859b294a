"""Riskassess's REST API under /v1."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from pingan_common.auth import Principal, require
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import scoped_get, scoped_page
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
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[AlertRead]:
    filters = {"ticket_id": ticket_id, "level": level, "state": state}
    return await scoped_page(
        runtime,
        Alert,
        principal=principal,
        filters=filters,
        cursor=cursor,
        limit=limit,
        item=AlertRead.model_validate,
    )


@router.get(
    "/alerts/{alert_id}",
    response_model=AlertRead,
    responses=problem_responses(401, 403, 404),
    summary="One risk alert",
)
async def get_alert(alert_id: UUID, principal: Staff, runtime: RuntimeDep) -> AlertRead:
    alert = await scoped_get(runtime, Alert, alert_id, principal=principal, what="alert")
    return AlertRead.model_validate(alert)
