"""The unit's handling: extension requests and decisions (延期), the reply (办结回复), and its
review (审核)."""

from __future__ import annotations

from datetime import datetime

from pingan_common.events.dispatch import (
    TaskExtensionDecided,
    TaskExtensionDecidedData,
    TaskExtensionRequested,
    TaskExtensionRequestedData,
    TaskReplied,
    TaskRepliedData,
    TaskReviewed,
    TaskReviewedData,
    TaskReviewRejected,
    TaskReviewRejectedData,
)
from pingan_common.lifecycle import ActionInvalid
from pingan_dispatch.models import Task
from pingan_dispatch.sla.deadlines import Deadlines, ExtensionRefused, extend
from pingan_dispatch.sla.workdays import default_calendar
from pingan_dispatch.tasks import lifecycle
from pingan_dispatch.tasks.handover import spell_of
from pingan_dispatch.tasks.outcome import close, record_callback
from pingan_dispatch.tasks.schemas import (
    CallbackBody,
    ExtensionDecisionBody,
    ExtensionRequestBody,
    ReplyBody,
    ReviewBody,
)
from pingan_dispatch.tasks.work import (
    Work,
    current_deadlines,
    deadline_details,
    set_deadlines,
    sla_limits,
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
        (await spell_of(work, task)).due_at = deadlines.due_at
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


def _validated_extension(work: Work, task: Task, new_due: datetime) -> Deadlines:
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
    (await spell_of(work, task)).replied_at = work.now
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
