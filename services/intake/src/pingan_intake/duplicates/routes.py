"""REST for an operator's merge and split (并单/拆单), each a ticket action
(``tickets.actions``)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.idempotency import IdempotencyKeyHeader
from pingan_common.runtime import RuntimeDep
from pingan_intake.duplicates import merging
from pingan_intake.duplicates.schemas import MergeRequest
from pingan_intake.models import Ticket
from pingan_intake.tickets.actions import ACTION_ERRORS, Actor, run_action
from pingan_intake.tickets.lookup import find_ticket
from pingan_intake.tickets.schemas import ReasonRequest, TicketState

router = APIRouter(prefix="/v1")


@router.post(
    "/tickets/{ticket_ref}/merge",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["merges"],
    summary="Merge a ticket into a master ticket about the same matter (人工并单)",
)
async def merge_ticket(
    ticket_ref: str,
    body: MergeRequest,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        master = await find_ticket(session, body.master)
        await merging.merge_by_operator(
            session, runtime, ticket=ticket, master=master, reason=body.reason, principal=principal
        )

    return await run_action(runtime, principal, ticket_ref, "merge", body, idempotency_key, act)


@router.post(
    "/tickets/{ticket_ref}/split",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["merges"],
    summary="Split a wrongly merged ticket off its master (拆单)",
)
async def split_ticket(
    ticket_ref: str,
    body: ReasonRequest,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await merging.split_by_operator(
            session, runtime, ticket=ticket, reason=body.reason, principal=principal
        )

    return await run_action(runtime, principal, ticket_ref, "split", body, idempotency_key, act)
