"""Webhook subscriptions under /v1/webhooks/subscriptions (admin only, within the admin's area).

A subscription's ``area_prefix`` says whose events it receives; an admin creates, reads and
changes only subscriptions inside their own scope (one without a prefix receives the whole
county's and is the county's admins' alone). Outside it a subscription is answered as missing,
so a township's admin cannot learn that another township's exists.

The secret is write-only: reads show its last four characters. A POST with an
``Idempotency-Key`` that was used before answers with the subscription it created then (the
shared claims of ``pingan_common.idempotency``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, Role, ensure_area, require
from pingan_common.idempotency import IdempotencyKeyHeader, IdempotentRequest, claim
from pingan_common.ids import new_id
from pingan_common.pagination import Page
from pingan_common.problems import NotFound, UnprocessableEntity, problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_notify.models import WebhookSubscription, idempotency_records
from pingan_notify.state import NotifyState, NotifyStateDep
from pingan_notify.webhooks.schemas import (
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
)
from pingan_notify.webhooks.targets import refused_url

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


@router.post(
    "/subscriptions",
    response_model=SubscriptionRead,
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_subscription(
    body: SubscriptionCreate,
    principal: Admin,
    runtime: RuntimeDep,
    state: NotifyStateDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> SubscriptionRead:
    now = runtime.now()
    subscription_id = new_id()
    keyed = IdempotentRequest.of(
        idempotency_key, scope="webhook.create", principal=principal, body=body
    )
    _check_target(str(body.url), state)
    ensure_area(principal, body.area_prefix)
    async with runtime.transaction() as session:
        if keyed is not None:
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=subscription_id, now=now
            )
            if earlier is not None:
                response.status_code = 200
                return SubscriptionRead.of(await _get(session, UUID(earlier), principal))
        row = WebhookSubscription(
            id=subscription_id,
            name=body.name,
            url=str(body.url),
            secret=body.secret,
            event_types=body.event_types,
            area_prefix=body.area_prefix,
            active=body.active,
            created_by=principal.subject,
            created_at=now,
            updated_at=now,
            breaker_state="closed",
            consecutive_failures=0,
        )
        session.add(row)
        await session.flush()
        result = SubscriptionRead.of(row)
    state.subscriptions.invalidate()
    return result


@router.get(
    "/subscriptions",
    response_model=Page[SubscriptionRead],
    responses=problem_responses(401, 403),
)
async def list_subscriptions(admin: Admin, runtime: RuntimeDep) -> Page[SubscriptionRead]:
    async with runtime.transaction() as session:
        rows = await session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
        return Page(
            items=[SubscriptionRead.of(row) for row in rows if admin.covers_area(row.area_prefix)]
        )


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404),
)
async def get_subscription(
    subscription_id: UUID, admin: Admin, runtime: RuntimeDep
) -> SubscriptionRead:
    async with runtime.transaction() as session:
        return SubscriptionRead.of(await _get(session, subscription_id, admin))


@router.patch(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def update_subscription(
    subscription_id: UUID,
    body: SubscriptionUpdate,
    admin: Admin,
    runtime: RuntimeDep,
    state: NotifyStateDep,
) -> SubscriptionRead:
    async with runtime.transaction() as session:
        row = await _get(session, subscription_id, admin)
        changes = body.model_dump(exclude_unset=True)
        if "area_prefix" in changes:
            ensure_area(admin, changes["area_prefix"])
        if changes.pop("retire_previous_secret", False):
            row.previous_secret = None
        if changes.get("secret") and changes["secret"] != row.secret:
            row.previous_secret = row.secret
        if "url" in changes and changes["url"] is not None:
            changes["url"] = str(changes["url"])
            _check_target(changes["url"], state)
        for name, value in changes.items():
            if value is not None or name == "area_prefix":
                setattr(row, name, value)
        if "url" in changes:
            # A new endpoint starts with a closed circuit.
            row.breaker_state, row.consecutive_failures, row.breaker_opened_at = "closed", 0, None
        row.updated_at = runtime.now()
        result = SubscriptionRead.of(row)
    state.subscriptions.invalidate()
    return result


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    responses=problem_responses(401, 403, 404),
    summary="Delete a subscription; its queued deliveries are dead-lettered when due",
)
async def delete_subscription(
    subscription_id: UUID, admin: Admin, runtime: RuntimeDep, state: NotifyStateDep
) -> None:
    async with runtime.transaction() as session:
        await session.delete(await _get(session, subscription_id, admin))
    state.subscriptions.invalidate()


def _check_target(url: str, state: NotifyState) -> None:
    why = refused_url(url, allow_private=state.settings.webhook_allow_private_targets)
    if why is not None:
        raise UnprocessableEntity(
            f"webhooks go to public addresses only: {why}",
            errors=[{"field": "body.url", "message": why, "type": "refused_target"}],
        )


async def _get(
    session: AsyncSession, subscription_id: UUID, admin: Principal
) -> WebhookSubscription:
    row = await session.get(WebhookSubscription, subscription_id)
    if row is None or not admin.covers_area(row.area_prefix):
        raise NotFound("webhook subscription", subscription_id)
    return row
