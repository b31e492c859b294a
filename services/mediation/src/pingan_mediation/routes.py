"""Mediation's REST API under /v1."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from pingan_common.auth import Principal, require
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import scoped_get, scoped_page
from pingan_mediation.models import Case
from pingan_mediation.schemas import CaseRead

router = APIRouter(prefix="/v1", tags=["cases"])

Staff = Annotated[
    Principal,
    Depends(require("mediator", "operator", "dispatcher", "analyst", "leader", "admin")),
]


@router.get(
    "/cases",
    response_model=Page[CaseRead],
    responses=problem_responses(400, 401, 403),
    summary="Mediation cases in your area; filter by ticket, committee or state",
)
async def list_cases(
    principal: Staff,
    runtime: RuntimeDep,
    ticket_id: UUID | None = None,
    committee_code: str | None = None,
    state: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[CaseRead]:
    filters = {"ticket_id": ticket_id, "committee_code": committee_code, "state": state}
    return await scoped_page(
        runtime,
        Case,
        principal=principal,
        filters=filters,
        cursor=cursor,
        limit=limit,
        item=CaseRead.model_validate,
    )


@router.get(
    "/cases/{case_id}",
    response_model=CaseRead,
    responses=problem_responses(401, 403, 404),
    summary="One mediation case",
)
async def get_case(case_id: UUID, principal: Staff, runtime: RuntimeDep) -> CaseRead:
    case = await scoped_get(runtime, Case, case_id, principal=principal, what="case")
    return CaseRead.model_validate(case)
