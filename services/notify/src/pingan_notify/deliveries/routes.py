"""Notify's delivery records under /v1/deliveries: list, read, replay."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlalchemy import ColumnElement, false, or_, select, true

from pingan_common.auth import Principal, Role, require
from pingan_common.events.notify import DeliveryQueued, DeliveryQueuedData
from pingan_common.pagination import DEFAULT_LIMIT, Page, PageLimit, fetch_page, where_given
from pingan_common.problems import Conflict, NotFound, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_notify.deliveries.announcements import row_announcement
from pingan_notify.deliveries.schemas import DeliveryRead
from pingan_notify.models import Delivery
from pingan_notify.state import NotifyStateDep

router = APIRouter(prefix="/v1", tags=["deliveries"])

Staff = Annotated[Principal, Depends(require(*Role))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]

Channel = Query(default=None, pattern="^(in_app|sms|webhook)$")
Status = Query(default=None, pattern="^(queued|sent|delivered|failed|dead_lettered)$")


@router.get(
    "/deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(400, 401, 403),
    summary="Deliveries you may see, filtered; oldest first",
)
async def list_deliveries(
    principal: Staff,
    runtime: RuntimeDep,
    channel: str | None = Channel,
    status: str | None = Status,
    recipient: str | None = None,
    ticket_id: UUID | None = None,
    correlation_id: str | None = Query(default=None, description="The ticket id, as text"),
    trigger_type: str | None = Query(default=None, examples=["pingan.dispatch.task.assigned.v1"]),
    created_from: AwareDatetime | None = None,
    created_to: AwareDatetime | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Page[DeliveryRead]:
    equal = {
        Delivery.channel: channel,
        Delivery.status: status,
        Delivery.recipient: recipient,
        Delivery.ticket_id: ticket_id,
        Delivery.correlation_id: correlation_id,
        Delivery.trigger_type: trigger_type,
    }
    query = where_given(select(Delivery).where(_addressed_to(principal)), equal)
    if created_from is not None:
        query = query.where(Delivery.created_at >= created_from)
    if created_to is not None:
        query = query.where(Delivery.created_at < created_to)
    async with runtime.transaction() as session:
        return await fetch_page(
            session,
            query,
            id_column=Delivery.id,
            cursor=cursor,
            limit=limit,
            item=DeliveryRead.model_validate,
        )


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryRead,
    responses=problem_responses(401, 403, 404),
)
async def get_delivery(delivery_id: UUID, principal: Staff, runtime: RuntimeDep) -> DeliveryRead:
    async with runtime.transaction() as session:
        row = await session.scalar(
            select(Delivery).where(Delivery.id == delivery_id, _addressed_to(principal))
        )
    if row is None:
        raise NotFound("delivery", delivery_id)
    return DeliveryRead.model_validate(row)


@router.post(
    "/deliveries/{delivery_id}/replay",
    response_model=DeliveryRead,
    status_code=202,
    responses=problem_responses(401, 403, 404, 409),
    summary="Send a delivery again (admin): the same event id, so receivers deduplicate",
    description=(
        "A dead-lettered delivery, or a sent webhook, is queued again with a fresh attempt "
        "budget. In-app items cannot be replayed, nor SMS that already reached the citizen."
    ),
)
async def replay_delivery(
    delivery_id: UUID, principal: Admin, runtime: RuntimeDep, state: NotifyStateDep
) -> DeliveryRead:
    now = runtime.now()
    async with runtime.transaction() as session:
        row = await session.scalar(
            select(Delivery)
            .where(Delivery.id == delivery_id, _addressed_to(principal))
            .with_for_update()
        )
        if row is None:  # or outside the admin's area: not there for them
            raise NotFound("delivery", delivery_id)
        _ensure_replayable(row)
        row.status = "queued"
        row.attempts = 0
        row.first_attempt_at = None
        row.next_attempt_at = None
        row.not_before = None
        row.due_at = now
        row.lease_until = None
        row.dead_lettered_at = None
        await runtime.publish(
            session, row_announcement(DeliveryQueued, DeliveryQueuedData, row, now, queued_at=now)
        )
        result = DeliveryRead.model_validate(row)
    state.nudge_worker()
    return result


def _ensure_replayable(row: Delivery) -> None:
    if row.channel == "in_app":
        raise Conflict("in-app deliveries are in the inbox already; nothing to replay")
    replayable = {"dead_lettered"} | ({"sent", "delivered"} if row.channel == "webhook" else set())
    if row.status not in replayable:
        raise Conflict(f"a {row.channel} delivery that is {row.status} cannot be replayed")


def _addressed_to(principal: Principal) -> ColumnElement[bool]:
    """County-wide staff see every delivery; others their unit's and their role's in their area.

    Role recipients name the area of the matter (``leader@<grid code>``): a role holder covers
    every area under its own, as area scoping does everywhere else. Citizens' SMS and webhooks
    are county-wide records.
    """
    if principal.is_county_wide:
        return true()
    mine = [
        Delivery.recipient.startswith(f"{role}@{prefix}", autoescape=True)
        for role in principal.roles
        for prefix in principal.area_prefixes
    ]
    mine.append(Delivery.recipient == principal.subject)
    if principal.unit_code:
        mine.append(Delivery.recipient == principal.unit_code)
    return or_(false(), *mine)
