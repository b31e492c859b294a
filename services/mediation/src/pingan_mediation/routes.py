"""Mediation's REST API under /v1."""

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
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[CaseRead]:
    query = select(Case).where(within_area(Case.area_code, principal))
    for column, value in (
        (Case.ticket_id, ticket_id),
        (Case.committee_code, committee_code),
        (Case.state, state),
    ):
        if value is not None:
            query = query.where(column == value)
    async with runtime.transaction() as session:
        return await fetch_page(
            session,
            query,
            id_column=Case.id,
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
    async with runtime.transaction() as session:
        case = await session.get(Case, case_id)
    if case is None:
        raise NotFound("case", str(case_id))
    ensure_area(principal, case.area_code)
    return CaseRead.model_validate(case)
