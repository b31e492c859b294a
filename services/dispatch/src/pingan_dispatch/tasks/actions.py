"""The task transitions: one function per action, each a state change + timeline + event.

The caller has locked the task row and checked the lifecycle rules (``lifecycle.check``);
these functions apply the action. Domain refusals that depend on the request's content
(an extension too long, an unknown unit) raise ``ActionInvalid`` (422).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from pingan_common.events.dispatch import (
    TaskAccepted,
    TaskAcceptedData,
    TaskCallbackRecorded,
    TaskCallbackRecordedData,
    TaskCancelled,
    TaskCancelledData,
    TaskClosed,
    TaskClosedData,
    TaskExtensionDecided,
    TaskExtensionDecidedData,
    TaskExtensionRequested,
    TaskExtensionRequestedData,
    TaskReassigned,
    TaskReassignedData,
    TaskReopened,
    TaskReopenedData,
    TaskReplied,
    TaskRepliedData,
    TaskReturned,
    TaskReturnedData,
    TaskReviewed,
    TaskReviewedData,
    TaskReviewRejected,
    TaskReviewRejectedData,
)
from pingan_common.lifecycle import ActionInvalid
from pingan_dispatch.models import Task, TaskAssignment
from pingan_dispatch.routing.engine import RoutingDecision
from pingan_dispatch.sla.deadlines import ExtensionRefused, extend
from pingan_dispatch.sla.workdays import default_calendar
from pingan_dispatch.tasks import lifecycle
from pingan_dispatch.tasks.schemas import (
    AssignBody,
    CallbackBody,
    CancelBody,
    ExtensionDecisionBody,
    ExtensionRequestBody,
    FlagBody,
    ReassignBody,
    ReopenBody,
    ReplyBody,
    ReturnBody,
    ReviewBody,
)
from pingan_dispatch.tasks.work import (
    Work,
    assign,
    county_decision,
    current_deadlines,
    current_spell,
    deadline_details,
    deadlines_from,
    decision_details,
    flag,
    give_to_unit,
    manual_decision,
    route,
    set_deadlines,
    sla_limits,
    unit_exists,
)

BOUNCE_REASON = "退单/改派已达3次，由县指挥中心兜底办理"
UNSATISFIED_REASON = "回访不满意，重办"


async def do_assign(work: Work, task: Task, body: AssignBody) -> None:
    if body.sla_class is not None:
        task.sla_class = body.sla_class
    if body.unit_code is None:
        decision = await route(work, task)
    else:
        await _require_unit(work, body.unit_code)
        decision = await manual_decision(
            work.session, body.unit_code, body.reason or "派单员指定", body.co_unit_codes
        )
    await assign(work, task, decision)


async def do_accept(work: Work, task: Task, _body: object = None) -> None:
    assert task.accept_due_at is not None
    previous = task.state
    task.state = "accepted"
    task.accepted_at = work.now
    spell = await _spell(work, task)
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
    spell = await _spell(work, task)
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
    await _require_unit(work, body.unit_code)
    if body.unit_code == task.unit_code:
        raise ActionInvalid("the task is already with this unit", "body.unit_code")
    previous_state, previous_unit = task.state, task.unit_code
    task.reassign_count += 1
    task.previous_unit_code = previous_unit
    (await _spell(work, task)).ended_at = work.now
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


async def do_request_extension(work: Work, task: Task, body: ExtensionRequestBody) -> None:
    _validated_extension(work, task, body.requested_due_at)
    assert task.due_at is not None
    task.extension_request = {
        "requested_due_at": body.requested_due_at.isoformat(),
        "reason": body.reason,
        "requested_by": work.actor,
        "requested_at": work.now.isoformat(),
    }
    work.record(
        task,
        "request-extension",
        task.state,
        {"requested_due_at": body.requested_due_at, "reason": body.reason},
    )
    await work.publish(
        task,
        TaskExtensionRequested,
        TaskExtensionRequestedData(
            **work.fields(task),
            current_due_at=task.due_at,
            requested_due_at=body.requested_due_at,
            reason=body.reason,
        ),
    )


async def do_decide_extension(work: Work, task: Task, body: ExtensionDecisionBody) -> None:
    request = task.extension_request
    assert request is not None
    details: dict = {"approved": body.approved, "comment": body.comment}
    if body.approved:
        new_due = body.due_at or datetime.fromisoformat(request["requested_due_at"])
        deadlines = _validated_extension(work, task, new_due)
        set_deadlines(task, deadlines)
        task.extension_count += 1
        (await _spell(work, task)).due_at = deadlines.due_at
        details |= deadline_details(task)
    task.extension_request = None
    assert task.due_at is not None
    work.record(task, "decide-extension", task.state, details)
    await work.publish(
        task,
        TaskExtensionDecided,
        TaskExtensionDecidedData(
            **work.fields(task), approved=body.approved, due_at=task.due_at, comment=body.comment
        ),
    )


def _validated_extension(work: Work, task: Task, new_due: datetime):  # type: ignore[no-untyped-def]
    try:
        return extend(
            current_deadlines(task),
            new_due,
            now=work.now,
            limits=sla_limits(task),
            calendar=default_calendar(),
        )
    except ExtensionRefused as refused:
        raise ActionInvalid(str(refused), "body.requested_due_at") from refused


async def do_reply(work: Work, task: Task, body: ReplyBody) -> None:
    assert task.due_at is not None and task.unit_code is not None
    previous = task.state
    task.state = "replied"
    task.replied_at = work.now
    task.reply = body.model_dump(mode="json") | {"unit_code": task.unit_code}
    task.extension_request = None
    if task.unit_code not in task.handled_by:
        task.handled_by = [*task.handled_by, task.unit_code]
    (await _spell(work, task)).replied_at = work.now
    on_time = work.now <= task.due_at
    work.record(task, "reply", previous, {"result": body.result, "on_time": on_time})
    await work.publish(
        task,
        TaskReplied,
        TaskRepliedData(
            **work.fields(task),
            result=body.result,
            measures=body.measures,
            attachments=body.attachments,
            on_time=on_time,
        ),
    )


async def do_review(work: Work, task: Task, body: ReviewBody) -> None:
    previous = task.state
    task.state = lifecycle.after_review(task.kind, body.accepted)
    task.reviewed_at = work.now
    details = {"accepted": body.accepted, "comment": body.comment}
    if not body.accepted:
        # The citizen judged the reply that was sent back: their answer no longer applies.
        task.pending_callback = None
        work.record(task, "review", previous, details)
        await work.publish(
            task,
            TaskReviewRejected,
            TaskReviewRejectedData(**work.fields(task), reason=body.comment or "审核退回"),
        )
        return
    work.record(task, "review", previous, details)
    await work.publish(
        task, TaskReviewed, TaskReviewedData(**work.fields(task), comment=body.comment)
    )
    if task.state == "closed":
        await close(work, task)
    elif task.pending_callback is not None:
        pending, task.pending_callback = task.pending_callback, None
        await record_callback(
            work,
            task,
            CallbackBody(verdict=pending["verdict"], resolved=None, comment=pending.get("raw")),
            source="sms",
        )


async def do_callback(work: Work, task: Task, body: CallbackBody) -> None:
    await record_callback(work, task, body, source="operator")


async def record_callback(work: Work, task: Task, body: CallbackBody, *, source: str) -> None:
    task.callback_verdict = body.verdict
    task.callback_resolved = body.resolved
    spell = await _spell(work, task)
    spell.callback = body.verdict
    spell.resolved = body.resolved
    work.record(
        task,
        "callback",
        task.state,
        {"verdict": body.verdict, "resolved": body.resolved, "source": source},
    )
    await work.publish(
        task,
        TaskCallbackRecorded,
        TaskCallbackRecordedData(
            **work.fields(task),
            verdict=body.verdict,
            resolved=body.resolved,
            source=source,
            comment=body.comment,
        ),
    )
    if lifecycle.closes_on_callback(body.verdict):
        task.state = "closed"
        await close(work, task)
    else:
        await reopen(work, task, unit_code=None, reason=UNSATISFIED_REASON)


async def close(work: Work, task: Task) -> None:
    task.closed_at = work.now
    (await _spell(work, task)).closed_at = work.now
    work.record(task, "close", "reviewed" if task.kind == "ticket" else "replied")
    await work.publish(
        task,
        TaskClosed,
        TaskClosedData(
            **work.fields(task),
            kind=task.kind,
            alert_id=task.alert_id,
            result=(task.reply or {}).get("result"),
            verdict=task.callback_verdict,
            resolved=task.callback_resolved,
            handled_by=task.handled_by,
        ),
    )


async def do_reopen(work: Work, task: Task, body: ReopenBody) -> None:
    if body.unit_code is not None:
        await _require_unit(work, body.unit_code)
    await reopen(work, task, unit_code=body.unit_code, reason=body.reason)


async def reopen(work: Work, task: Task, *, unit_code: str | None, reason: str) -> None:
    """重办: the same or another unit, a fresh clock from now, a new spell for the KPIs."""
    previous_state, previous_unit = task.state, task.unit_code
    last = await _spell(work, task)
    last.reopened_count += 1
    last.ended_at = last.ended_at or work.now
    task.reopen_count += 1
    task.previous_unit_code = previous_unit
    for field in ("replied_at", "reply", "reviewed_at", "closed_at", "pending_callback"):
        setattr(task, field, None)
    task.callback_verdict = task.callback_resolved = None
    set_deadlines(task, deadlines_from(task, work.now))
    target = unit_code or previous_unit
    assert target is not None
    decision = await manual_decision(work.session, target, reason, list(task.co_unit_codes))
    await give_to_unit(work, task, decision)
    assert task.accept_due_at and task.due_at
    work.record(
        task,
        "reopen",
        previous_state,
        {"reason": reason, "previous_unit_code": previous_unit, "unit_code": target}
        | deadline_details(task),
    )
    await work.publish(
        task,
        TaskReopened,
        TaskReopenedData(
            **work.fields(task),
            previous_unit_code=previous_unit,
            reason=reason,
            reopen_count=task.reopen_count,
            accept_due_at=task.accept_due_at,
            due_at=task.due_at,
        ),
    )


async def do_flag(work: Work, task: Task, body: FlagBody) -> None:
    await flag(work, task, flagged=body.flagged, reason=body.reason, source="leader")


async def do_cancel(work: Work, task: Task, body: CancelBody) -> None:
    await cancel(work, task, reason=body.reason, comment=body.comment)


async def cancel(work: Work, task: Task, *, reason: str, comment: str | None) -> None:
    previous = task.state
    task.state = "cancelled"
    task.cancelled_at = work.now
    task.extension_request = None
    # A withdrawn or merged matter counts against no unit in the KPIs.
    await work.session.execute(
        update(TaskAssignment).where(TaskAssignment.task_id == task.id).values(cancelled=True)
    )
    work.record(task, "cancel", previous, {"reason": reason, "comment": comment})
    await work.publish(
        task,
        TaskCancelled,
        TaskCancelledData(**work.fields(task), reason=reason, comment=comment),
    )


async def _spell(work: Work, task: Task) -> TaskAssignment:
    spell = await current_spell(work.session, task)
    assert spell is not None, "a task past assignment always has a spell"
    return spell


async def _require_unit(work: Work, unit_code: str) -> None:
    if not await unit_exists(work.session, unit_code):
        raise ActionInvalid(f"unit {unit_code} is not in the directory", "body.unit_code")


APPLY = {
    "assign": do_assign,
    "accept": do_accept,
    "return": do_return,
    "reassign": do_reassign,
    "request-extension": do_request_extension,
    "decide-extension": do_decide_extension,
    "reply": do_reply,
    "review": do_review,
    "callback": do_callback,
    "reopen": do_reopen,
    "flag": do_flag,
    "cancel": do_cancel,
}
