"""Dispatch's REST API under /v1."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select

from pingan_common.auth import Principal, ensure_area, require
from pingan_common.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from pingan_common.problems import NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import scoped_page, within_area
from pingan_dispatch.models import Task, TaskHistory
from pingan_dispatch.schemas import HistoryEntryOut, TaskRead

router = APIRouter(prefix="/v1", tags=["tasks"])

Staff = Annotated[
    Principal,
    Depends(
        require("operator", "dispatcher", "handler", "grid_worker", "analyst", "leader", "admin")
    ),
]


@router.get(
    "/tasks",
    response_model=Page[TaskRead],
    responses=problem_responses(400, 401, 403),
    summary="Tasks in your area, in creation order; filter by ticket, unit or state",
)
async def list_tasks(
    principal: Staff,
    runtime: RuntimeDep,
    ticket_id: UUID | None = None,
    unit_code: str | None = None,
    state: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[TaskRead]:
    visible = within_area(Task.area_code, principal)
    if principal.unit_code:
        visible = or_(visible, Task.unit_code == principal.unit_code)
    filters = {"ticket_id": ticket_id, "unit_code": unit_code, "state": state}
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
    response_model=TaskRead,
    responses=problem_responses(401, 403, 404),
    summary="A task with its history",
)
async def get_task(task_id: UUID, principal: Staff, runtime: RuntimeDep) -> TaskRead:
    async with runtime.transaction(one_snapshot=True) as session:
        task = await session.get(Task, task_id)
        if task is None:
            raise NotFound("task", str(task_id))
        if principal.unit_code != task.unit_code:
            ensure_area(principal, task.area_code)
        history = await session.scalars(
            select(TaskHistory).where(TaskHistory.task_id == task_id).order_by(TaskHistory.id)
        )
        read = TaskRead.model_validate(task)
        read.history = [HistoryEntryOut.model_validate(h, from_attributes=True) for h in history]
    return read
