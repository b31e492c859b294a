"""Notify's REST API under /v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import ColumnElement, false, or_, select, true

from pingan_common.auth import Principal, Role, require
from pingan_common.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, fetch_page
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_notify.models import Delivery
from pingan_notify.schemas import DeliveryRead

router = APIRouter(prefix="/v1", tags=["deliveries"])

Staff = Annotated[Principal, Depends(require(*Role))]


@router.get(
    "/deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(400, 401, 403),
    summary="Deliveries you may see; filter by ticket (correlation id) or recipient",
)
async def list_deliveries(
    principal: Staff,
    runtime: RuntimeDep,
    correlation_id: str | None = None,
    recipient: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[DeliveryRead]:
    query = select(Delivery).where(_addressed_to(principal))
    if correlation_id is not None:
        query = query.where(Delivery.correlation_id == correlation_id)
    if recipient is not None:
        query = query.where(Delivery.recipient == recipient)
    async with runtime.transaction() as session:
        return await fetch_page(
            session,
            query,
            id_column=Delivery.id,
            cursor=cursor,
            limit=limit,
            item=DeliveryRead.model_validate,
        )


def _addressed_to(principal: Principal) -> ColumnElement[bool]:
    """County-wide staff see every delivery; others their unit's and their role's in their area.

    Role recipients name the area of the matter (``leader@<grid code>``): a role holder covers
    every area under its own, as area scoping does everywhere else.
    """
    if principal.is_county_wide:
        return true()
    mine = [
        Delivery.recipient.startswith(f"{role}@{prefix}", autoescape=True)
        for role in principal.roles
        for prefix in principal.area_prefixes
    ]
    if principal.unit_code:
        mine.append(Delivery.recipient == principal.unit_code)
    return or_(false(), *mine)
