"""The runner of an operator's action on a ticket (merge, split, retract, supplement, answer).

Each action is one transaction: state change, timeline entries and events (outbox) together.
``Idempotency-Key`` makes a retried action answer with the ticket's state instead of acting
twice (a different body under the same key is a 422): one claim of ``pingan_common.idempotency``
in scope ``ticket.action`` for all five, the action and the ticket inside the hashed request, so a
key names one action on one ticket. A wrong state is a 409 problem.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_visible, require
from pingan_common.idempotency import IdempotentRequest, claim
from pingan_common.problems import problem_responses
from pingan_common.runtime import Runtime
from pingan_intake.models import Ticket, idempotency_records
from pingan_intake.tickets.lookup import find_ticket
from pingan_intake.tickets.presentation import timeline_out
from pingan_intake.tickets.schemas import TicketState
from pingan_intake.timeline.entries import timeline_of

Actor = Annotated[Principal, Depends(require("operator", "dispatcher", "admin"))]
SCOPE = "ticket.action"
ACTION_ERRORS = problem_responses(401, 403, 404, 409, 422)
Act = Callable[[AsyncSession, Ticket], Awaitable[None]]


async def run_action(
    runtime: Runtime,
    principal: Principal,
    ticket_ref: str,
    action: str,
    body: BaseModel,
    idempotency_key: str | None,
    act: Act,
    response: Response | None = None,
) -> TicketState:
    """``response``: for an action that creates something (201), answered 200 on a replay."""
    async with runtime.transaction() as session:
        ticket = await find_ticket(session, ticket_ref)
        ensure_visible(principal, ticket.area_code, "ticket", ticket_ref)
        keyed = _action_request(idempotency_key, principal, action, ticket, body)
        if keyed is None or await _first_time(session, runtime, keyed, ticket):
            await act(session, ticket)
            await session.flush()
        elif response is not None:
            response.status_code = 200
        return await _state(session, ticket)


def _action_request(
    key: str | None, principal: Principal, action: str, ticket: Ticket, body: BaseModel
) -> IdempotentRequest | None:
    """The action, the ticket and the body, hashed as intake always hashed them, so the keys
    carried over from the table before the shared one (migration 0003) still match."""
    request = f"{action}:{ticket.id}:{body.model_dump_json()}"
    return IdempotentRequest.of(key, scope=SCOPE, principal=principal, body=request)


async def _first_time(
    session: AsyncSession, runtime: Runtime, keyed: IdempotentRequest, ticket: Ticket
) -> bool:
    """True the first time; False for a retry of the same request, which must not act again.

    A concurrent first attempt holds the claim until it commits, so a retry waits for it and then
    answers the ticket as that attempt left it (reloaded: it was read before the wait).
    """
    earlier = await claim(
        session, idempotency_records, keyed, resource_id=ticket.id, now=runtime.now()
    )
    if earlier is None:
        return True
    await session.refresh(ticket)
    return False


async def _state(session: AsyncSession, ticket: Ticket) -> TicketState:
    timeline = await timeline_of(session, ticket.id)
    return TicketState(
        id=ticket.id,
        ticket_number=ticket.ticket_number,
        status=ticket.status,
        resolution=ticket.resolution,
        closed_at=ticket.closed_at,
        master_ticket_id=ticket.master_ticket_id,
        caller_count=ticket.caller_count,
        repeat_of_ticket_id=ticket.repeat_of_ticket_id,
        repeat_count=ticket.repeat_count,
        repeat_flag=ticket.repeat_flag,
        updated_at=ticket.updated_at,
        timeline=timeline_out(timeline),
    )
