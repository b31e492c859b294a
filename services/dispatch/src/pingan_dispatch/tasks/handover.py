"""Who has the task: assignment, sign-in, return (退单), reassignment (改派) and re-routing.

Each hand-over ends the unit's spell (the KPIs count per spell) and, at the bounce limit, gives
the task to the county command center (兜底) and flags it.
"""

from __future__ import annotations

from pingan_common.events.dispatch import (
    TaskAccepted,
    TaskAcceptedData,
    TaskReassigned,
    TaskReassignedData,
    TaskReturned,
    TaskReturnedData,
)
from pingan_common.lifecycle import ActionInvalid
from pingan_dispatch.models import Task, TaskAssignment
from pingan_dispatch.routing.engine import RoutingDecision
from pingan_dispatch.tasks import lifecycle
from pingan_dispatch.tasks.schemas import (
    AssignBody,
    ReassignBody,
    ReturnBody,
)
from pingan_dispatch.tasks.work import (
    Work,
    assign,
    county_decision,
    current_spell,
    decision_details,
    flag,
    give_to_unit,
    manual_decision,
    route,
    unit_exists,
)

BOUNCE_REASON = "退单/改派已达3次，由县指挥中心兜底办理"


async def do_assign(work: Work, task: Task, body: AssignBody) -> None:
    if body.sla_class is not None:
        task.sla_class = body.sla_class
    if body.unit_code is None:
        decision = await route(work, task)
    else:
        await require_unit(work, body.unit_code)
        decision = await manual_decision(
            work.session, body.unit_code, body.reason or "派单员指定", body.co_unit_codes
        )
    await assign(work, task, decision)


async def do_accept(work: Work, task: Task, _body: object = None) -> None:
    assert task.accept_due_at is not None
    previous = task.state
    task.state = "accepted"
    task.accepted_at = work.now
    spell = await spell_of(work, task)
    spell.accepted_at = spell.accepted_at or work.now
    within = work.now <= task.accept_due_at
    work.record(task, "accept", previous, {"within_limit": within})
    await work.publish(
        task,
        TaskAccepted,
        TaskAcceptedData(
            **work.fields(task), accept_due_at=task.accept_due_at, within_limit=within
        ),
    )


async def do_return(work: Work, task: Task, body: ReturnBody) -> None:
    previous_state, returning_unit = task.state, task.unit_code
    assert returning_unit is not None
    task.return_count += 1
    task.previous_unit_code = returning_unit
    spell = await spell_of(work, task)
    spell.returned_count += 1
    spell.ended_at = work.now
    task.extension_request = None
    details = {"reason_code": body.reason_code, "reason": body.reason, "unit_code": returning_unit}
    if lifecycle.bounce_limit_reached(task.return_count, task.reassign_count):
        decision = await county_decision(work.session, BOUNCE_REASON)
        await give_to_unit(work, task, decision)
        sent_to = "county"
        details |= decision_details(decision)
    else:
        task.state = "returned"
        task.unit_code = None
        task.co_unit_codes = []
        sent_to = "dispatcher_queue"
    work.record(task, "return", previous_state, details | {"sent_to": sent_to})
    await work.publish(
        task,
        TaskReturned,
        TaskReturnedData(
            **work.fields(task),
            returned_by_unit_code=returning_unit,
            reason_code=body.reason_code,
            reason=body.reason,
            return_count=task.return_count,
            sent_to=sent_to,
        ),
    )
    if sent_to == "county":
        await flag(work, task, flagged=True, reason=BOUNCE_REASON, source="bounce_limit")


async def do_reassign(work: Work, task: Task, body: ReassignBody) -> None:
    await require_unit(work, body.unit_code)
    if body.unit_code == task.unit_code:
        raise ActionInvalid("the task is already with this unit", "body.unit_code")
    previous_state, previous_unit = task.state, task.unit_code
    task.reassign_count += 1
    task.previous_unit_code = previous_unit
    (await spell_of(work, task)).ended_at = work.now
    task.extension_request = None
    at_limit = lifecycle.bounce_limit_reached(task.return_count, task.reassign_count)
    if at_limit:
        decision = await county_decision(work.session, BOUNCE_REASON)
    else:
        decision = await manual_decision(
            work.session, body.unit_code, body.reason, body.co_unit_codes
        )
    await _hand_over(work, task, decision, previous_state, previous_unit, body.reason)
    if at_limit:
        await flag(work, task, flagged=True, reason=BOUNCE_REASON, source="bounce_limit")


async def reroute(work: Work, task: Task, reason: str) -> bool:
    """Route an unaccepted task again (e.g. after reclassification); True if its unit changed.

    Not a bounce: the unit did nothing wrong, so the reassign counter stays.
    """
    decision = await route(work, task)
    if decision.unit_code == task.unit_code:
        return False
    previous_state, previous_unit = task.state, task.unit_code
    task.previous_unit_code = previous_unit
    spell = await current_spell(work.session, task)
    if spell is not None:
        spell.ended_at = work.now
    await _hand_over(work, task, decision, previous_state, previous_unit, reason)
    return True


async def _hand_over(
    work: Work,
    task: Task,
    decision: RoutingDecision,
    previous_state: str,
    previous_unit: str | None,
    reason: str,
) -> None:
    await give_to_unit(work, task, decision)
    assert task.accept_due_at and task.due_at
    work.record(
        task,
        "reassign",
        previous_state,
        decision_details(decision) | {"previous_unit_code": previous_unit, "why": reason},
    )
    await work.publish(
        task,
        TaskReassigned,
        TaskReassignedData(
            **work.fields(task),
            previous_unit_code=previous_unit,
            unit_name=decision.unit_name,
            co_unit_codes=list(decision.co_unit_codes),
            # Why it moved (the dispatcher's words, or the reclassification) and how the
            # unit was chosen, when those differ.
            reason=reason if reason == decision.reason else f"{reason}；{decision.reason}",
            reassign_count=task.reassign_count,
            rule_id=None if decision.rule_id == "MANUAL" else decision.rule_id,
            accept_due_at=task.accept_due_at,
            due_at=task.due_at,
        ),
    )


async def spell_of(work: Work, task: Task) -> TaskAssignment:
    spell = await current_spell(work.session, task)
    assert spell is not None, "a task past assignment always has a spell"
    return spell


async def require_unit(work: Work, unit_code: str) -> None:
    if not await unit_exists(work.session, unit_code):
        raise ActionInvalid(f"unit {unit_code} is not in the directory", "body.unit_code")
