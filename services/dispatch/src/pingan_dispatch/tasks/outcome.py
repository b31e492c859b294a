"""How a task ends or starts again: the citizen's callback (回访), closing, reopening (重办), a
leader's flag (挂牌督办) and cancellation."""

from __future__ import annotations

from sqlalchemy import update

from pingan_common.events.dispatch import (
    TaskCallbackRecorded,
    TaskCallbackRecordedData,
    TaskCancelled,
    TaskCancelledData,
    TaskClosed,
    TaskClosedData,
    TaskReopened,
    TaskReopenedData,
)
from pingan_dispatch.models import Task, TaskAssignment
from pingan_dispatch.tasks import lifecycle
from pingan_dispatch.tasks.handover import require_unit, spell_of
from pingan_dispatch.tasks.schemas import (
    CallbackBody,
    CancelBody,
    FlagBody,
    ReopenBody,
)
from pingan_dispatch.tasks.work import (
    Work,
    deadline_details,
    deadlines_from,
    flag,
    give_to_unit,
    manual_decision,
    set_deadlines,
)

UNSATISFIED_REASON = "回访不满意，重办"


async def do_callback(work: Work, task: Task, body: CallbackBody) -> None:
    await record_callback(work, task, body, source="operator")


async def record_callback(work: Work, task: Task, body: CallbackBody, *, source: str) -> None:
    task.callback_verdict = body.verdict
    task.callback_resolved = body.resolved
    spell = await spell_of(work, task)
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
    (await spell_of(work, task)).closed_at = work.now
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
        await require_unit(work, body.unit_code)
    await reopen(work, task, unit_code=body.unit_code, reason=body.reason)


async def reopen(work: Work, task: Task, *, unit_code: str | None, reason: str) -> None:
    """重办: the same or another unit, a fresh clock from now, a new spell for the KPIs."""
    previous_state, previous_unit = task.state, task.unit_code
    last = await spell_of(work, task)
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
