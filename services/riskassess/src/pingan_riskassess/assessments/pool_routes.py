"""The expert pool (专家库) and an assessment's evidence over REST: experts registered in the
pool, drawn for a matter with the conflicted left out, their scores, and the consultation and
hearing records. Each step is in the assessment's history and on ``riskassess.assessments.v1``.

Only a registered (not yet concluded) assessment takes draws, scores and hearings: what the
conclusion rests on does not change after it.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, require
from pingan_common.events.riskassess_assessments import (
    ExpertScored,
    ExpertScoredData,
    ExpertsDrawn,
    ExpertsDrawnData,
    HearingRecorded,
    HearingRecordedData,
)
from pingan_common.idempotency import IdempotencyKeyHeader, IdempotentRequest, claim
from pingan_common.lifecycle import AggregateWork
from pingan_common.pagination import RowId
from pingan_common.problems import Conflict, NotFound, UnprocessableEntity, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_riskassess.assessments import queries
from pingan_riskassess.assessments.experts import Candidate, draw
from pingan_riskassess.assessments.routes import ASSESSMENTS, Analyst, Staff
from pingan_riskassess.assessments.schemas import (
    DrawBody,
    DrawRead,
    ExpertCreate,
    ExpertRead,
    ExpertScoreBody,
    HearingCreate,
    HearingRead,
)
from pingan_riskassess.models import (
    Assessment,
    AssessmentExpert,
    AssessmentHearing,
    Expert,
    idempotency_records,
)

router = APIRouter(prefix="/v1", tags=["stability assessments"])

PoolManager = Annotated[Principal, Depends(require("analyst", "admin"))]


@router.post(
    "/experts",
    response_model=ExpertRead,
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
    summary="Register an expert in the pool (专家库) with the interests that bar them",
)
async def register_expert(
    body: ExpertCreate,
    principal: PoolManager,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ExpertRead:
    now = runtime.now()
    keyed = IdempotentRequest.of(
        idempotency_key, scope="expert.create", principal=principal, body=body
    )
    async with runtime.transaction() as session:
        expert = Expert(
            **body.model_dump(), active=True, created_by=principal.subject, created_at=now
        )
        session.add(expert)
        await session.flush()  # the identity column gives the id only on insert
        if keyed is not None:
            # The claim comes after the insert (it needs the id); a duplicate that raced us
            # waits on the claim, then drops its own row and answers with the first expert.
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=expert.id, now=now
            )
            if earlier is not None:
                await session.delete(expert)
                response.status_code = 200
                found = await session.get(Expert, int(earlier))
                assert found is not None
                return ExpertRead.model_validate(found)
        return ExpertRead.model_validate(expert)


@router.get(
    "/experts",
    response_model=list[ExpertRead],
    responses=problem_responses(401, 403),
    summary="The expert pool, by field",
)
async def list_experts(
    principal: Staff, runtime: RuntimeDep, field: str | None = None
) -> list[ExpertRead]:
    async with runtime.transaction() as session:
        query = select(Expert).where(Expert.active).order_by(Expert.id)
        if field is not None:
            query = query.where(Expert.field == field)
        return [ExpertRead.model_validate(e) for e in await session.scalars(query)]


async def _registered(
    session: AsyncSession, assessment_id: UUID, principal: Principal
) -> Assessment:
    """The assessment, locked, visible to the caller and still taking evidence."""
    assessment = await session.get(Assessment, assessment_id, with_for_update=True)
    if assessment is None:
        raise NotFound("assessment", str(assessment_id))
    ASSESSMENTS.ensure_visible(principal, assessment)
    if assessment.state != "registered":
        raise Conflict(
            f"an assessment that is {assessment.state} takes no more experts, scores or hearings",
            type_="invalid-transition",
            state=assessment.state,
        )
    return assessment


@router.post(
    "/assessments/{assessment_id}/experts/draw",
    response_model=DrawRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Draw experts from the pool, conflicts of interest excluded (reproducible seed)",
)
async def draw_experts(
    assessment_id: UUID, body: DrawBody, principal: Analyst, runtime: RuntimeDep
) -> DrawRead:
    now = runtime.now()
    seed = body.seed or secrets.token_hex(8)
    async with runtime.transaction() as session:
        assessment = await _registered(session, assessment_id, principal)
        pool = [
            Candidate(
                expert_id=e.id,
                organisation=e.organisation,
                interests=tuple(e.interests),
                conflict_assessment_ids=tuple(e.conflict_assessment_ids),
                active=e.active,
            )
            for e in await session.scalars(select(Expert))
        ]
        already = [e.expert_id for e in await queries.drawn_experts(session, assessment.id)]
        result = draw(
            pool,
            assessment_id=assessment.id,
            parties=assessment.parties,
            count=body.count,
            seed=seed,
            already_drawn=already,
        )
        if not result.drawn:
            message = "no eligible expert is left in the pool for this matter"
            raise UnprocessableEntity(
                message, errors=[{"field": "body.count", "message": message, "type": "value_error"}]
            )
        for offset, expert_id in enumerate(result.drawn):
            session.add(
                AssessmentExpert(
                    assessment_id=assessment.id,
                    expert_id=expert_id,
                    position=len(already) + offset + 1,
                    seed=seed,
                    drawn_at=now,
                )
            )
        work = AggregateWork(ASSESSMENTS, session, runtime.outbox, now, principal.subject)
        details = {
            "seed": seed,
            "count": body.count,
            "drawn": result.drawn,
            "excluded": result.excluded,
            "eligible": result.eligible,
            "already_drawn": already,
        }
        work.record(assessment, "draw_experts", assessment.state, details)
        await work.publish(
            assessment,
            ExpertsDrawn,
            ExpertsDrawnData(
                assessment_id=assessment.id,
                area_code=assessment.area_code,
                actor=principal.subject,
                occurred_at=now,
                expert_ids=result.drawn,
                excluded_ids=result.excluded,
                seed=seed,
                pool_size=len(result.eligible),
            ),
        )
        await session.flush()
        return DrawRead(
            seed=seed,
            drawn=result.drawn,
            excluded=result.excluded,
            eligible=result.eligible,
            experts=await queries.drawn_experts(session, assessment.id),
        )


@router.put(
    "/assessments/{assessment_id}/experts/{expert_id}/scores",
    response_model=ExpertRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Record a drawn expert's scores on 合法性/合理性/可行性/可控性",
)
async def score(
    assessment_id: UUID,
    expert_id: RowId,
    body: ExpertScoreBody,
    principal: Analyst,
    runtime: RuntimeDep,
) -> ExpertRead:
    now = runtime.now()
    async with runtime.transaction() as session:
        assessment = await _registered(session, assessment_id, principal)
        drawn = await session.get(AssessmentExpert, (assessment.id, expert_id))
        if drawn is None:
            raise NotFound("drawn expert", str(expert_id))
        scores = body.model_dump(exclude={"opinion"})
        drawn.scores = scores
        drawn.opinion = body.opinion
        drawn.scored_at = now
        work = AggregateWork(ASSESSMENTS, session, runtime.outbox, now, principal.subject)
        work.record(
            assessment, "score", assessment.state, {"expert_id": expert_id, "scores": scores}
        )
        await work.publish(
            assessment,
            ExpertScored,
            ExpertScoredData(
                assessment_id=assessment.id,
                area_code=assessment.area_code,
                actor=principal.subject,
                occurred_at=now,
                expert_id=expert_id,
                scores=scores,
            ),
        )
        expert = await session.get(Expert, expert_id)
        assert expert is not None
        return ExpertRead.model_validate(expert)


@router.post(
    "/assessments/{assessment_id}/hearings",
    response_model=HearingRead,
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Record a consultation or hearing (听证/座谈/征求意见/公示), opinions for and against",
)
async def record_hearing(
    assessment_id: UUID,
    body: HearingCreate,
    principal: Analyst,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HearingRead:
    now = runtime.now()
    # The assessment is part of what is hashed: one key on another matter is another request.
    keyed = IdempotentRequest.of(
        idempotency_key,
        scope="hearing.create",
        principal=principal,
        body={"assessment_id": str(assessment_id), **body.model_dump(mode="json")},
    )
    if body.in_favour + body.against > max(body.attendees, 0) and body.kind != "public_notice":
        message = "more opinions than attendees"
        raise UnprocessableEntity(
            message, errors=[{"field": "body.against", "message": message, "type": "value_error"}]
        )
    async with runtime.transaction() as session:
        assessment = await _registered(session, assessment_id, principal)
        hearing = AssessmentHearing(
            assessment_id=assessment.id,
            **body.model_dump(),
            recorded_by=principal.subject,
            created_at=now,
        )
        session.add(hearing)
        await session.flush()  # the id, for the claim; nothing is published before it
        if keyed is not None:
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=hearing.id, now=now
            )
            if earlier is not None:
                await session.delete(hearing)
                response.status_code = 200
                found = await session.get(AssessmentHearing, int(earlier))
                assert found is not None
                return HearingRead.model_validate(found)
        work = AggregateWork(ASSESSMENTS, session, runtime.outbox, now, principal.subject)
        work.record(assessment, "hearing", assessment.state, body.model_dump(mode="json"))
        await work.publish(
            assessment,
            HearingRecorded,
            HearingRecordedData(
                assessment_id=assessment.id,
                area_code=assessment.area_code,
                actor=principal.subject,
                occurred_at=now,
                kind=body.kind,
                held_on=body.held_on,
                attendees=body.attendees,
                in_favour=body.in_favour,
                against=body.against,
            ),
        )
        return HearingRead.model_validate(hearing)
