"""Work queues: what the dispatchers must look at, and a unit's inbox, with counts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, require
from pingan_common.county_time import COUNTY_TZ
from pingan_common.problems import NotFound, UnprocessableEntity, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_dispatch.models import Task, Unit
from pingan_dispatch.tasks.lifecycle import CLOCK_STATES, OPEN_STATES, WITH_UNIT_STATES

router = APIRouter(prefix="/v1/queues", tags=["queues"])

Dispatchers = Annotated[Principal, Depends(require("dispatcher", "leader", "analyst", "admin"))]
UnitStaff = Annotated[
    Principal,
    Depends(require("handler", "grid_worker", "dispatcher", "leader", "analyst", "admin")),
]
ItemLimit = Annotated[int, Query(ge=0, le=200, description="Items listed per bucket")]


class QueueItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    ticket_number: str
    kind: str
    state: str
    summary: str
    category_label: str
    urgency: str
    unit_code: str | None
    accept_due_at: datetime | None
    due_at: datetime | None
    flagged: bool


class Bucket(BaseModel):
    count: int
    items: list[QueueItem] = Field(description="The most pressing first (earliest due)")


class DispatcherQueue(BaseModel):
    new_today: Bucket = Field(description="Created since midnight (county time), still open")
    unrouted: Bucket = Field(description="Not routed, routed by the fallback, or not located")
    returned: Bucket = Field(description="退单: back from a unit, waiting to be assigned")
    extension_requests: Bucket = Field(description="延期申请 waiting for a decision")
    awaiting_review: Bucket = Field(description="办结回复 waiting for 审核")
    due_soon: Bucket = Field(description="临期: past the warning line (80 %), not yet due")
    overdue: Bucket = Field(description="Past the handling deadline, not yet replied")
    escalated: Bucket = Field(description="升级督办 for the current due date, not yet replied")
    flagged: Bucket = Field(description="挂牌督办, open")


class UnitQueue(BaseModel):
    unit_code: str
    new: Bucket = Field(description="Assigned, not yet signed for (待签收)")
    in_progress: Bucket = Field(description="Signed for, being handled (办理中)")
    near_deadline: Bucket = Field(description="80 % of the time used, not yet due (临期)")
    overdue: Bucket = Field(description="Past the handling deadline (超期)")
    awaiting_review: Bucket = Field(description="Replied (办结回复), waiting for the 审核")
    flagged: Bucket = Field(description="Open tasks of this unit under 挂牌督办")
    flagged_count: int = Field(description="The same count as ``flagged`` (kept for clients)")


def dispatcher_buckets(now: datetime) -> dict[str, ColumnElement[bool]]:
    midnight = now.astimezone(COUNTY_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "new_today": and_(Task.created_at >= midnight, Task.state.in_(OPEN_STATES)),
        "unrouted": or_(
            Task.state == "created",
            and_(
                Task.state == "assigned",
                or_(Task.routing_fallback, not_(Task.location_resolved)),
            ),
        ),
        "returned": Task.state == "returned",
        "extension_requests": and_(
            Task.extension_request.is_not(None), Task.state.in_(OPEN_STATES)
        ),
        "awaiting_review": Task.state == "replied",
        "due_soon": and_(Task.state.in_(CLOCK_STATES), Task.warn_at <= now, Task.due_at >= now),
        "overdue": and_(Task.state.in_(CLOCK_STATES), Task.due_at < now),
        # The scanner records for which due date it escalated: an extension re-arms it.
        "escalated": and_(Task.state.in_(CLOCK_STATES), Task.escalated_due_at == Task.due_at),
        "flagged": and_(Task.flagged, Task.state.in_(OPEN_STATES)),
    }


def unit_buckets(unit_code: str, now: datetime) -> dict[str, ColumnElement[bool]]:
    mine = Task.unit_code == unit_code
    return {
        "new": and_(mine, Task.state == "assigned"),
        "in_progress": and_(mine, Task.state.in_(("accepted", "in_progress"))),
        "near_deadline": and_(
            mine, Task.state.in_(WITH_UNIT_STATES), Task.warn_at <= now, Task.due_at >= now
        ),
        "overdue": and_(mine, Task.state.in_(WITH_UNIT_STATES), Task.due_at < now),
        "awaiting_review": and_(mine, Task.state == "replied"),
        "flagged": and_(mine, Task.flagged, Task.state.in_(OPEN_STATES)),
    }


async def bucket(
    session: AsyncSession, condition: ColumnElement[bool], scope: ColumnElement[bool], limit: int
) -> Bucket:
    where = and_(condition, scope)
    count = await session.scalar(select(func.count()).select_from(Task).where(where))
    rows = await session.scalars(
        select(Task).where(where).order_by(Task.due_at.asc().nulls_first(), Task.id).limit(limit)
    )
    items = [QueueItem.model_validate(row) for row in rows]
    return Bucket(count=count or 0, items=items)


@router.get(
    "/dispatcher",
    response_model=DispatcherQueue,
    responses=problem_responses(401, 403),
    summary="The dispatchers' queues in your area, with counts",
)
async def dispatcher_queue(
    principal: Dispatchers, runtime: RuntimeDep, limit: ItemLimit = 20
) -> DispatcherQueue:
    now = runtime.now()
    scope = within_area(Task.area_code, principal)
    async with runtime.transaction(one_snapshot=True) as session:
        buckets = {
            name: await bucket(session, condition, scope, limit)
            for name, condition in dispatcher_buckets(now).items()
        }
    return DispatcherQueue(**buckets)


@router.get(
    "/unit",
    response_model=UnitQueue,
    responses=problem_responses(401, 403, 422),
    summary="Your unit's inbox",
)
async def my_unit_queue(
    principal: UnitStaff, runtime: RuntimeDep, limit: ItemLimit = 20
) -> UnitQueue:
    if not principal.unit_code:
        raise UnprocessableEntity("your account belongs to no unit; ask for /v1/queues/unit/{code}")
    return await unit_queue(principal.unit_code, principal, runtime, limit)


@router.get(
    "/unit/{unit_code}",
    response_model=UnitQueue,
    responses=problem_responses(401, 403, 404),
    summary="A unit's inbox: new, in progress, near the deadline, overdue, flagged",
)
async def unit_queue(
    unit_code: str, principal: UnitStaff, runtime: RuntimeDep, limit: ItemLimit = 20
) -> UnitQueue:
    now = runtime.now()
    async with runtime.transaction(one_snapshot=True) as session:
        unit = await session.get(Unit, unit_code)
        if unit is None:
            raise NotFound("unit", unit_code)
        if principal.unit_code != unit_code:
            ensure_area(principal, unit.area_code)
        everything = Task.unit_code == unit_code
        buckets = {
            name: await bucket(session, condition, everything, limit)
            for name, condition in unit_buckets(unit_code, now).items()
        }
    return UnitQueue(unit_code=unit_code, flagged_count=buckets["flagged"].count, **buckets)
