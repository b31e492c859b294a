"""The runner of an operator's action on a ticket (merge, split, retract, supplement, answer).

Each action is one transaction: state change, timeline entries and events (outbox) together.
``Idempotency-Key`` makes a retried action answer with the ticket's state instead of acting
twice (a different body under the same key is a 422). A wrong state is a 409 problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, require
from pingan_common.problems import problem_responses
from pingan_common.runtime import Runtime
from pingan_intake.models import Ticket, TicketActionKey
from pingan_intake.registration.idempotency import idempotency_key_reused
from pingan_intake.tickets.lookup import find_ticket
from pingan_intake.tickets.presentation import timeline_out
from pingan_intake.tickets.schemas import TicketState
from pingan_intake.timeline.entries import timeline_of

Actor = Annotated[Principal, Depends(require("operator", "dispatcher", "admin"))]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key answers with the ticket instead of acting twice",
    ),
]
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
        ensure_area(principal, ticket.area_code)
        first_time = True
        if idempotency_key:
            first_time = await _claim_key(
                session, runtime, principal, idempotency_key, action, ticket, body
            )
        if first_time:
            await act(session, ticket)
            await session.flush()
        elif response is not None:
            response.status_code = 200
        return await _state(session, ticket)


async def _claim_key(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    key: str,
    action: str,
    ticket: Ticket,
    body: BaseModel,
) -> bool:
    """True the first time; False for a retry of the same request, which must not act again.

    A concurrent first attempt holds the key's row until it commits, so a retry waits for it.
    """
    request_hash = hashlib.sha256(
        f"{action}:{ticket.id}:{body.model_dump_json()}".encode()
    ).hexdigest()
    table = TicketActionKey.__table__
    inserted = await session.scalar(
        insert(table)
        .values(
            principal=principal.subject,
            key=key,
            action=action,
            request_hash=request_hash,
            ticket_id=ticket.id,
            created_at=runtime.now(),
        )
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(table.c.id)
    )
    if inserted is not None:
        return True
    earlier = await session.scalar(
        select(TicketActionKey).where(
            TicketActionKey.principal == principal.subject, TicketActionKey.key == key
        )
    )
    if earlier is None or earlier.request_hash != request_hash:
        raise idempotency_key_reused()
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
