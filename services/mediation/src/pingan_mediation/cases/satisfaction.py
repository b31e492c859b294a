"""The citizen's verdict on a mediated ticket (回访): notify's survey for a case names the case's
id where a task's survey names the task, so the answer is recorded on the case it is about.
An answer about a dispatch task names no case here and is left to dispatch."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.notify import SurveyAnswered
from pingan_mediation.cases.work import CASES, Work
from pingan_mediation.models import Case


async def record_survey_answer(event: SurveyAnswered, ctx: HandlerContext) -> None:
    data = event.data
    case = await ctx.session.get(Case, data.task_id, with_for_update=True)
    if case is None:
        return  # a task's survey: dispatch records it
    work = Work(CASES, ctx.session, ctx.outbox, ctx.clock(), causation=event)
    details = {"verdict": data.verdict, "survey_id": data.survey_id}
    if case.satisfaction is not None:
        # Notify sends one answer per survey; a second survey's answer does not overwrite.
        work.record(case, "survey-answer-ignored", case.state, details)
        return
    case.satisfaction = data.verdict
    case.satisfaction_at = data.answered_at
    work.record(case, "survey-answer", case.state, details)
