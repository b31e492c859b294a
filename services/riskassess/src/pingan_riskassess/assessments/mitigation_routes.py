"""Mitigation tracking over REST: the mitigations of the caller's area (``?state=overdue`` is
the overdue list), one with its allowed actions, and the steps start and complete on the
engine. The overdue marking itself is the scanner's (``mitigations.mark_overdue``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.events.riskassess_assessments import (
    MitigationCompleted,
    MitigationCompletedData,
    MitigationEventData,
    MitigationStarted,
)
from pingan_common.lifecycle import AggregateWork, IfMatch
from pingan_common.lifecycle import perform as lifecycle_perform
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit, RowId, fetch_page
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_riskassess.assessments.mitigations import MITIGATIONS, event_data, is_late
from pingan_riskassess.assessments.routes import Staff
from pingan_riskassess.assessments.schemas import (
    MitigationComplete,
    MitigationDetail,
    MitigationRead,
    MitigationStart,
)
from pingan_riskassess.models import Mitigation

router = APIRouter(prefix="/v1", tags=["stability assessments"])


async def _detail(
    session: AsyncSession, m: Mitigation, principal: Principal, now: datetime
) -> MitigationDetail:
    return MitigationDetail(
        **MitigationRead.model_validate(m).model_dump(),
        allowed_actions=MITIGATIONS.allowed_actions(m, principal, now),
    )


@router.get(
    "/mitigations",
    response_model=Page[MitigationRead],
    responses=problem_responses(400, 401, 403),
    summary="Mitigations in your area; state=overdue lists those past their due date",
)
async def list_mitigations(
    principal: Staff,
    runtime: RuntimeDep,
    state: Literal["planned", "in_progress", "done", "overdue"] | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[MitigationRead]:
    query = select(Mitigation).where(within_area(Mitigation.area_code, principal))
    if state is not None:
        query = query.where(Mitigation.state == state)
    async with runtime.transaction() as session:
        # Mitigation ids are integers, not the UUIDv7 keys pages default to.
        return await fetch_page(
            session,
            query,
            id_column=Mitigation.id,
            cursor=cursor,
            limit=limit,
            item=MitigationRead.model_validate,
            parse=int,
        )


@router.get(
    "/mitigations/{mitigation_id}",
    response_model=MitigationDetail,
    responses=problem_responses(401, 403, 404),
    summary="One mitigation with its allowed actions",
)
async def get_mitigation(
    mitigation_id: RowId, principal: Staff, runtime: RuntimeDep
) -> MitigationDetail:
    async with runtime.transaction() as session:
        mitigation = await session.get(Mitigation, mitigation_id)
        if mitigation is None:
            raise NotFound("mitigation", str(mitigation_id))
        MITIGATIONS.ensure_visible(principal, mitigation)
        return await _detail(session, mitigation, principal, runtime.now())


@router.post(
    "/mitigations/{mitigation_id}/start",
    response_model=MitigationDetail,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="The owner started the mitigation (an overdue one stays overdue)",
)
async def start(
    mitigation_id: RowId,
    body: MitigationStart,
    principal: Staff,
    runtime: RuntimeDep,
    if_match: IfMatch = None,
) -> MitigationDetail:
    async def apply(work: AggregateWork[Mitigation], m: Mitigation) -> None:
        previous = m.state
        if m.state == "planned":
            m.state = "in_progress"
        m.started_at = work.now
        m.notes = body.notes or m.notes
        work.record(m, "start", previous, {"notes": body.notes})
        await work.publish(m, MitigationStarted, MitigationEventData(**event_data(work, m)))

    return await lifecycle_perform(
        runtime, MITIGATIONS, mitigation_id, "start", principal,
        apply=apply, respond=_detail, work=AggregateWork, if_match=if_match,
    )  # fmt: skip


@router.post(
    "/mitigations/{mitigation_id}/complete",
    response_model=MitigationDetail,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="The mitigation is done, with what was done (late if after its due date)",
)
async def complete(
    mitigation_id: RowId,
    body: MitigationComplete,
    principal: Staff,
    runtime: RuntimeDep,
    if_match: IfMatch = None,
) -> MitigationDetail:
    async def apply(work: AggregateWork[Mitigation], m: Mitigation) -> None:
        previous = m.state
        late = is_late(m, work.now) or previous == "overdue"
        m.state = "done"
        m.done = True
        m.completed_at = work.now
        m.notes = body.notes
        work.record(m, "complete", previous, {"notes": body.notes, "late": late})
        await work.publish(
            m,
            MitigationCompleted,
            MitigationCompletedData(**event_data(work, m), late=late, notes=body.notes),
        )

    return await lifecycle_perform(
        runtime, MITIGATIONS, mitigation_id, "complete", principal,
        apply=apply, respond=_detail, work=AggregateWork, if_match=if_match,
    )  # fmt: skip
