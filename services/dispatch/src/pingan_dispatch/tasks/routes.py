"""Tasks over REST: list, read with timeline and allowed actions, and one POST per transition.

No ``from __future__ import annotations`` here: the action routes are built in a loop and
FastAPI must see each route's real body class in its signature.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, require
from pingan_common.lifecycle import etag
from pingan_common.lifecycle import perform as lifecycle_perform
from pingan_common.lifecycle.routes import ActionRoute, add_action_routes
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit
from pingan_common.problems import (
    NotFound,
    problem_responses,
)
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_common.scoping import scoped_page, within_area
from pingan_dispatch.models import Task, TaskHistory
from pingan_dispatch.sla.deadlines import stage_at
from pingan_dispatch.tasks import lifecycle
from pingan_dispatch.tasks.actions import APPLY
from pingan_dispatch.tasks.schemas import (
    AcceptBody,
    AssignBody,
    CallbackBody,
    CancelBody,
    ConvertToCaseBody,
    CountersOut,
    DeadlinesOut,
    ExtensionDecisionBody,
    ExtensionRequestBody,
    FlagBody,
    FlagOut,
    HistoryEntryOut,
    ReassignBody,
    ReopenBody,
    ReplyBody,
    ReturnBody,
    ReviewBody,
    TaskDetail,
    TaskRead,
)
from pingan_dispatch.tasks.work import TASKS, Work, current_deadlines

router = APIRouter(prefix="/v1", tags=["tasks"])

STAFF_ROLES = ("operator", "dispatcher", "handler", "grid_worker", "analyst", "leader", "admin")
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]


@router.get(
    "/tasks",
    response_model=Page[TaskRead],
    responses=problem_responses(400, 401, 403),
    summary="Tasks in your area or of your unit, in creation order, with filters",
)
async def list_tasks(
    principal: Staff,
    runtime: RuntimeDep,
    ticket_id: UUID | None = None,
    unit_code: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    flagged: bool | None = None,
    alert_id: UUID | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[TaskRead]:
    visible = within_area(Task.area_code, principal)
    if principal.unit_code:
        visible = or_(visible, Task.unit_code == principal.unit_code)
    filters = {
        "ticket_id": ticket_id,
        "unit_code": unit_code,
        "state": state,
        "kind": kind,
        "flagged": flagged,
        "alert_id": alert_id,
    }
    return await scoped_page(
        runtime,
        Task,
        principal=principal,
        filters=filters,
        cursor=cursor,
        limit=limit,
        item=TaskRead.model_validate,
        visible=visible,
    )


@router.get(
    "/tasks/{task_id}",
    response_model=TaskDetail,
    responses=problem_responses(401, 403, 404),
    summary="A task: state, unit, deadlines and stage, flag, counters, timeline, allowed actions",
)
async def get_task(
    task_id: UUID, principal: Staff, runtime: RuntimeDep, response: Response
) -> TaskDetail:
    detail = await read_task(runtime, task_id, principal)
    response.headers["ETag"] = etag(detail.version)
    return detail


async def read_task(runtime: Runtime, task_id: UUID, principal: Principal) -> TaskDetail:
    now = runtime.now()
    async with runtime.transaction(one_snapshot=True) as session:
        task = await session.get(Task, task_id)
        if task is None:
            raise NotFound("task", str(task_id))
        TASKS.ensure_visible(principal, task)
        history = await _history(session, task_id)
    return task_detail(task, history, principal, now)


async def _history(session: AsyncSession, task_id: UUID) -> list[TaskHistory]:
    return await TASKS.history(session, task_id)


def task_detail(
    task: Task, history: list[TaskHistory], principal: Principal, now: datetime
) -> TaskDetail:
    base = TaskRead.model_validate(task).model_dump(exclude={"history"})
    return TaskDetail(
        **base,
        history=[HistoryEntryOut.model_validate(h, from_attributes=True) for h in history],
        previous_unit_code=task.previous_unit_code,
        handled_by=task.handled_by,
        rules_version=task.rules_version,
        routing_fallback=task.routing_fallback,
        deadlines=DeadlinesOut(
            clock_started_at=task.clock_started_at,
            accept_due_at=task.accept_due_at,
            due_at=task.due_at,
            original_due_at=task.original_due_at,
            warn_at=task.warn_at,
            escalate_at=task.escalate_at,
            sla_rule=task.sla_rule,
            sla_policy_version=task.sla_policy_version,
            stage=_stage(task, now),
        ),
        flag=FlagOut(flagged=task.flagged, reason=task.flag_reason, source=task.flag_source),
        counters=CountersOut(
            returns=task.return_count,
            reassignments=task.reassign_count,
            reopens=task.reopen_count,
            extensions=task.extension_count,
        ),
        reply=task.reply,
        callback_verdict=task.callback_verdict,
        callback_resolved=task.callback_resolved,
        pending_callback=task.pending_callback,
        extension_request=task.extension_request,
        allowed_actions=TASKS.allowed_actions(task, principal, now),
    )


def _stage(task: Task, now: datetime) -> str | None:
    if task.state not in lifecycle.CLOCK_STATES or task.clock_started_at is None:
        return None
    return stage_at(current_deadlines(task), now)


async def perform(
    runtime: Runtime,
    task_id: UUID,
    action: str,
    principal: Principal,
    body: Any,
    if_match: str | None,
) -> TaskDetail:
    """Lock the task, check the rules, apply the action: one transaction, or nothing."""

    async def apply(work: Work, task: Task) -> None:
        await APPLY[action](work, task, body)

    return await lifecycle_perform(
        runtime,
        TASKS,
        task_id,
        action,
        principal,
        apply=apply,
        respond=_respond,
        work=Work,
        if_match=if_match,
    )


async def _respond(
    session: AsyncSession, task: Task, principal: Principal, now: datetime
) -> TaskDetail:
    return task_detail(task, await _history(session, task.id), principal, now)


ACTION_ROUTES: list[ActionRoute] = [
    ("assign", AssignBody, "派单: give an unrouted or returned task to a unit (or to the rules)"),
    ("accept", AcceptBody, "签收: the unit signs for the task"),
    ("return", ReturnBody, "退单: the unit sends a misrouted task back, with a reason"),
    ("reassign", ReassignBody, "改派: the dispatcher gives the task to another unit"),
    ("request-extension", ExtensionRequestBody, "延期申请: the unit asks for a later due date"),
    ("decide-extension", ExtensionDecisionBody, "延期审批: the dispatcher approves or rejects"),
    ("reply", ReplyBody, "办结回复: the unit reports the result"),
    ("review", ReviewBody, "审核: the dispatcher accepts the reply or sends it back"),
    ("callback", CallbackBody, "回访: record the citizen's verdict"),
    ("reopen", ReopenBody, "重办: reopen a closed task"),
    ("flag", FlagBody, "挂牌督办: a leader flags (or unflags) the task"),
    ("cancel", CancelBody, "Cancel the task"),
    ("convert-to-case", ConvertToCaseBody, "转调解: the unit converts a dispute into a case"),
]


add_action_routes(
    router,
    path="/tasks/{task_id}",
    id_name="task_id",
    actions=ACTION_ROUTES,
    caller=Staff,
    detail=TaskDetail,
    perform=perform,
    name_prefix="task",
)
