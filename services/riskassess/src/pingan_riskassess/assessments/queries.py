"""What an assessment's detail reads besides its row: drawn experts, hearings, mitigations."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_riskassess.assessments.procedure import missing
from pingan_riskassess.assessments.schemas import DrawnExpert
from pingan_riskassess.models import (
    Assessment,
    AssessmentExpert,
    AssessmentHearing,
    Expert,
    Mitigation,
)


async def mitigations(session: AsyncSession, assessment_id: UUID) -> list[Mitigation]:
    rows = await session.scalars(
        select(Mitigation).where(Mitigation.assessment_id == assessment_id).order_by(Mitigation.id)
    )
    return list(rows)


async def drawn_experts(session: AsyncSession, assessment_id: UUID) -> list[DrawnExpert]:
    rows = (
        await session.execute(
            select(AssessmentExpert, Expert)
            .join(Expert, Expert.id == AssessmentExpert.expert_id)
            .where(AssessmentExpert.assessment_id == assessment_id)
            .order_by(AssessmentExpert.position)
        )
    ).all()
    return [
        DrawnExpert(
            expert_id=expert.id,
            name=expert.name,
            field=expert.field,
            organisation=expert.organisation,
            position=drawn.position,
            seed=drawn.seed,
            scores=drawn.scores,
            opinion=drawn.opinion,
        )
        for drawn, expert in rows
    ]


async def hearings(session: AsyncSession, assessment_id: UUID) -> list[AssessmentHearing]:
    rows = await session.scalars(
        select(AssessmentHearing)
        .where(AssessmentHearing.assessment_id == assessment_id)
        .order_by(AssessmentHearing.held_on, AssessmentHearing.id)
    )
    return list(rows)


async def procedure_missing(session: AsyncSession, assessment: Assessment) -> list[str]:
    experts = await drawn_experts(session, assessment.id)
    return missing(
        assessment.procedure,
        scored_experts=sum(e.scores is not None for e in experts),
        hearing_kinds=[h.kind for h in await hearings(session, assessment.id)],
    )
