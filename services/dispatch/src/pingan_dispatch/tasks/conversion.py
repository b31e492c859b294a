"""转调解: the handling unit finds the task is a dispute and converts it into a mediation case.

The task ends in ``to_mediation``: its spells are set aside like a cancelled task's, so it
counts against no unit (neither failed nor overdue), and the clock stops. Two events: the
conversion itself, which mediation turns into a case on the same ticket, and ``task.cancelled``
with reason ``to_mediation``, which tells intake the task holds the ticket no longer (the
ticket then closes when the case does).
"""

from __future__ import annotations

from sqlalchemy import update

from pingan_common.events.dispatch import (
    TaskCancelled,
    TaskCancelledData,
    TaskConvertedToCase,
    TaskConvertedToCaseData,
)
from pingan_common.events.values import Category, CategoryGroup, Urgency
from pingan_dispatch.models import Task, TaskAssignment
from pingan_dispatch.tasks.schemas import ConvertToCaseBody
from pingan_dispatch.tasks.work import Work


async def do_convert_to_case(work: Work, task: Task, body: ConvertToCaseBody) -> None:
    previous = task.state
    fields = work.fields(task)  # before the state change: the unit that converted it
    task.state = "to_mediation"
    task.cancelled_at = work.now
    task.extension_request = None
    await work.session.execute(
        update(TaskAssignment).where(TaskAssignment.task_id == task.id).values(cancelled=True)
    )
    work.record(
        task,
        "convert-to-case",
        previous,
        {"dispute_kind": body.dispute_kind, "reason": body.reason},
    )
    await work.publish(
        task,
        TaskConvertedToCase,
        TaskConvertedToCaseData(
            **fields,
            dispute_kind=body.dispute_kind,
            reason=body.reason,
            summary=task.summary,
            category=Category(
                group=CategoryGroup(task.category_group),
                code=task.category_code,
                label=task.category_label,
            ),
            urgency=Urgency(task.urgency),
            township_code=task.township_code,
            village_code=task.village_code,
        ),
    )
    await work.publish(
        task,
        TaskCancelled,
        TaskCancelledData(**fields, reason="to_mediation", comment=f"转调解：{body.reason}"),
    )
