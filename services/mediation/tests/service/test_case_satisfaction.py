"""The citizen's survey answer about a mediated ticket is recorded on its case (handler tier),
and counts in the measures' 满意率; an answer about a dispatch task is left alone."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import select

from pingan_common.events.notify import SurveyAnswered, SurveyAnsweredData
from pingan_mediation.models import Case, CaseHistory

NEIGHBOURS = {
    "description": "隔壁邻居装修把我家墙弄裂了，谈了几次谈不拢，想请社区调解",
    "group": "dispute",
    "code": "neighbour",
    "label": "邻里纠纷",
    "dispositions": ("mediation",),
}


def answer(about, ticket_id, verdict="satisfied"):  # type: ignore[no-untyped-def]
    return SurveyAnswered.create(
        SurveyAnsweredData(
            survey_id=uuid4(),
            ticket_id=ticket_id,
            ticket_number="QS20261123000001",
            task_id=about,
            verdict=verdict,
            raw_reply="1",
            answered_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        ),
        subject=str(about),
        correlationid=str(ticket_id),
    )


async def _case(handlers, make_ticket) -> Case:  # type: ignore[no-untyped-def]
    ticket = make_ticket(**NEIGHBOURS)
    await handlers.deliver(ticket)
    case = await handlers.session.scalar(select(Case))
    assert case is not None
    return case


async def test_the_survey_answer_about_a_case_is_recorded_on_the_case(handlers, make_ticket):
    case = await _case(handlers, make_ticket)

    assert await handlers.deliver(answer(case.id, case.ticket_id, "basically_satisfied")) == (
        "applied"
    )

    await handlers.session.refresh(case)
    assert case.satisfaction == "basically_satisfied"
    assert case.satisfaction_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    entry = await handlers.session.scalar(
        select(CaseHistory).where(CaseHistory.action == "survey-answer")
    )
    assert entry is not None and entry.details["verdict"] == "basically_satisfied"


async def test_a_second_survey_answer_does_not_overwrite_the_first(handlers, make_ticket):
    case = await _case(handlers, make_ticket)
    await handlers.deliver(answer(case.id, case.ticket_id, "satisfied"))

    await handlers.deliver(answer(case.id, case.ticket_id, "unsatisfied"))

    await handlers.session.refresh(case)
    assert case.satisfaction == "satisfied"


async def test_an_answer_about_a_dispatch_task_touches_no_case(handlers, make_ticket):
    case = await _case(handlers, make_ticket)

    assert await handlers.deliver(answer(uuid4(), case.ticket_id)) == "applied"

    await handlers.session.refresh(case)
    assert case.satisfaction is None
    assert await handlers.published(SurveyAnswered) == []
