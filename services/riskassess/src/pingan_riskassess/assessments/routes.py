"""Stability assessments over REST: register, list, read (with allowed actions), record
mitigations, conclude, decide through the gate. Events on ``riskassess.assessments.v1``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, ensure_visible, require
from pingan_common.events.riskassess import (
    AssessmentConcluded,
    AssessmentConcludedData,
    AssessmentDecided,
    AssessmentDecidedData,
    AssessmentRegistered,
    AssessmentRegisteredData,
)
from pingan_common.events.riskassess_assessments import MitigationEventData, MitigationPlanned
from pingan_common.idempotency import IdempotencyKeyHeader, IdempotentRequest, claim
from pingan_common.ids import new_id
from pingan_common.lifecycle import ActionInvalid, AggregateKind, AggregateWork, IfMatch
from pingan_common.lifecycle import perform as lifecycle_perform
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit
from pingan_common.problems import NotFound, UnprocessableEntity, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import scoped_page
from pingan_riskassess.assessments import queries
from pingan_riskassess.assessments.lifecycle import (
    ASSESSMENT_LIFECYCLE,
    AssessmentView,
    decision_refusal,
)
from pingan_riskassess.assessments.mitigations import MITIGATIONS, event_data
from pingan_riskassess.assessments.procedure import mean_scores
from pingan_riskassess.assessments.schemas import (
    AssessmentCreate,
    AssessmentDetail,
    AssessmentRead,
    ConcludeBody,
    DecideBody,
    HearingRead,
    MitigationCreate,
    MitigationRead,
)
from pingan_riskassess.models import (
    Assessment,
    AssessmentHistory,
    Mitigation,
    idempotency_records,
)

router = APIRouter(prefix="/v1", tags=["stability assessments"])

Staff = Annotated[Principal, Depends(require("analyst", "leader", "admin"))]
Analyst = Annotated[Principal, Depends(require("analyst", "admin"))]


def _visible(principal: Principal, assessment: Assessment) -> None:
    ensure_visible(principal, assessment.area_code, "assessment", str(assessment.id))


ASSESSMENTS = AggregateKind[Assessment, AssessmentView](
    name="assessment",
    model=Assessment,
    history_model=AssessmentHistory,
    history_key="assessment_id",
    lifecycle=ASSESSMENT_LIFECYCLE,
    view=lambda a, now: AssessmentView(state=a.state),
    correlation=lambda a: str(a.id),
    ensure_visible=_visible,
)


def _fields(work: AggregateWork[Assessment], a: Assessment) -> dict[str, Any]:
    return {
        "assessment_id": a.id,
        "title": a.title,
        "matter_kind": a.matter_kind,
        "area_code": a.area_code,
        "actor": work.actor,
        "occurred_at": work.now,
    }


_mitigations = queries.mitigations


async def _detail(
    session: AsyncSession, a: Assessment, principal: Principal, now: datetime
) -> AssessmentDetail:
    return AssessmentDetail(
        **AssessmentRead.model_validate(a).model_dump(),
        mitigations=[MitigationRead.model_validate(m) for m in await _mitigations(session, a.id)],
        experts=await queries.drawn_experts(session, a.id),
        hearings=[HearingRead.model_validate(h) for h in await queries.hearings(session, a.id)],
        procedure_missing=await queries.procedure_missing(session, a),
        allowed_actions=ASSESSMENTS.allowed_actions(a, principal, now),
    )


@router.post(
    "/assessments",
    response_model=AssessmentDetail,
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
    summary="Register a major matter for a stability risk assessment",
)
async def register_assessment(
    body: AssessmentCreate,
    principal: Analyst,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> AssessmentDetail:
    ensure_area(principal, body.area_code)
    now = runtime.now()
    assessment_id = new_id()
    keyed = IdempotentRequest.of(
        idempotency_key, scope="assessment.create", principal=principal, body=body
    )
    async with runtime.transaction() as session:
        if keyed is not None:
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=assessment_id, now=now
            )
            if earlier is not None:
                response.status_code = 200
                found = await session.get(Assessment, UUID(earlier))
                assert found is not None
                return await _detail(session, found, principal, now)
        assessment = Assessment(
            id=assessment_id,
            **body.model_dump(),
            state="registered",
            registered_by=principal.subject,
            created_at=now,
            updated_at=now,
        )
        session.add(assessment)
        await session.flush()
        work = AggregateWork(ASSESSMENTS, session, runtime.outbox, now, principal.subject)
        work.record(assessment, "register", None, body.model_dump())
        await work.publish(
            assessment,
            AssessmentRegistered,
            AssessmentRegisteredData(
                **_fields(work, assessment),
                procedure=body.procedure,
                affected_population=body.affected_population,
            ),
        )
        return await _detail(session, assessment, principal, now)


@router.get(
    "/assessments",
    response_model=Page[AssessmentRead],
    responses=problem_responses(400, 401, 403),
    summary="Assessments in your area",
)
async def list_assessments(
    principal: Staff,
    runtime: RuntimeDep,
    state: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[AssessmentRead]:
    return await scoped_page(
        runtime,
        Assessment,
        principal=principal,
        filters={"state": state},
        cursor=cursor,
        limit=limit,
        item=AssessmentRead.model_validate,
    )


@router.get(
    "/assessments/{assessment_id}",
    response_model=AssessmentDetail,
    responses=problem_responses(401, 403, 404),
    summary="One assessment with its mitigations and allowed actions",
)
async def get_assessment(
    assessment_id: UUID, principal: Staff, runtime: RuntimeDep
) -> AssessmentDetail:
    async with runtime.transaction() as session:
        assessment = await session.get(Assessment, assessment_id)
        if assessment is None:
            raise NotFound("assessment", str(assessment_id))
        _visible(principal, assessment)
        return await _detail(session, assessment, principal, runtime.now())


@router.post(
    "/assessments/{assessment_id}/mitigations",
    response_model=AssessmentDetail,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Record a mitigation (measure, owner, due date) before the decision",
)
async def add_mitigation(
    assessment_id: UUID, body: MitigationCreate, principal: Analyst, runtime: RuntimeDep
) -> AssessmentDetail:
    now = runtime.now()
    async with runtime.transaction() as session:
        assessment = await session.get(Assessment, assessment_id, with_for_update=True)
        if assessment is None:
            raise NotFound("assessment", str(assessment_id))
        _visible(principal, assessment)
        if body.due_date < now.date():
            message = "a mitigation's due date cannot be in the past"
            raise UnprocessableEntity(
                message,
                errors=[{"field": "body.due_date", "message": message, "type": "value_error"}],
            )
        mitigation = Mitigation(
            assessment_id=assessment.id,
            **body.model_dump(),
            done=False,
            area_code=assessment.area_code,
            state="planned",
            created_at=now,
            updated_at=now,
        )
        session.add(mitigation)
        work = AggregateWork(ASSESSMENTS, session, runtime.outbox, now, principal.subject)
        work.record(assessment, "mitigation", assessment.state, body.model_dump(mode="json"))
        await session.flush()
        tracking = AggregateWork(MITIGATIONS, session, runtime.outbox, now, principal.subject)
        tracking.record(mitigation, "plan", None, body.model_dump(mode="json"))
        await tracking.publish(
            mitigation, MitigationPlanned, MitigationEventData(**event_data(tracking, mitigation))
        )
        return await _detail(session, assessment, principal, now)


async def _conclude(work: AggregateWork[Assessment], a: Assessment, body: ConcludeBody) -> None:
    lacking = await queries.procedure_missing(work.session, a)
    if lacking:
        raise ActionInvalid(
            f"the {a.procedure} procedure still needs: {'; '.join(lacking)}", "procedure"
        )
    experts = await queries.drawn_experts(work.session, a.id)
    previous = a.state
    a.state = "concluded"
    a.conclusion = body.conclusion
    a.scores = mean_scores(e.scores for e in experts if e.scores is not None)
    work.record(a, "conclude", previous, {"conclusion": body.conclusion, "scores": a.scores})
    mitigations = await _mitigations(work.session, a.id)
    await work.publish(
        a,
        AssessmentConcluded,
        AssessmentConcludedData(
            **_fields(work, a),
            conclusion=body.conclusion,
            scores=a.scores,
            mitigations=len(mitigations),
        ),
    )


async def _decide(work: AggregateWork[Assessment], a: Assessment, body: DecideBody) -> None:
    mitigations = await _mitigations(work.session, a.id)
    refusal = decision_refusal(body.decision, a.conclusion, len(mitigations))
    if refusal is not None:
        raise ActionInvalid(refusal, "body.decision")
    previous = a.state
    a.state = "decided"
    a.decision = body.decision
    a.decision_reason = body.reason
    work.record(a, "decide", previous, {"decision": body.decision, "reason": body.reason})
    assert a.conclusion is not None
    await work.publish(
        a,
        AssessmentDecided,
        AssessmentDecidedData(
            **_fields(work, a),
            decision=body.decision,
            conclusion=a.conclusion,
            mitigation_due_dates=[m.due_date for m in mitigations],
        ),
    )


@router.post(
    "/assessments/{assessment_id}/conclude",
    response_model=AssessmentDetail,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Conclude high / medium / low risk with the experts' scores",
)
async def conclude(
    assessment_id: UUID,
    body: ConcludeBody,
    principal: Staff,
    runtime: RuntimeDep,
    if_match: IfMatch = None,
) -> AssessmentDetail:
    async def apply(work: AggregateWork[Assessment], a: Assessment) -> None:
        await _conclude(work, a, body)

    return await lifecycle_perform(
        runtime, ASSESSMENTS, assessment_id, "conclude", principal,
        apply=apply, respond=_detail, work=AggregateWork, if_match=if_match,
    )  # fmt: skip


@router.post(
    "/assessments/{assessment_id}/decide",
    response_model=AssessmentDetail,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="The decision, through the gate: refused unless low risk or mitigations recorded",
)
async def decide(
    assessment_id: UUID,
    body: DecideBody,
    principal: Staff,
    runtime: RuntimeDep,
    if_match: IfMatch = None,
) -> AssessmentDetail:
    async def apply(work: AggregateWork[Assessment], a: Assessment) -> None:
        await _decide(work, a, body)

    return await lifecycle_perform(
        runtime, ASSESSMENTS, assessment_id, "decide", principal,
        apply=apply, respond=_detail, work=AggregateWork, if_match=if_match,
    )  # fmt: skip
