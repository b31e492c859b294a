"""Intake's REST API under /v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy import and_, or_, select

from pingan_common.auth import Principal, Role, ensure_area, require
from pingan_common.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    cursor_field,
    decode_cursor,
    encode_cursor,
)
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_common.scoping import within_area
from pingan_intake.models import PersonalDataRead, Ticket
from pingan_intake.presentation import sees_full_phone, ticket_read, ticket_summary
from pingan_intake.schemas import TicketCreate, TicketRead, TicketSummary
from pingan_intake.tickets import find_ticket, register_ticket, timeline_of

router = APIRouter(prefix="/v1", tags=["tickets"])

Submitter = Annotated[
    Principal,
    Depends(require("operator", "grid_worker", "dispatcher", "admin", allow_api_key=True)),
]
Reader = Annotated[Principal, Depends(require(*Role, allow_api_key=True))]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key returns the first ticket instead of a new one",
    ),
]


@router.post(
    "/tickets",
    status_code=201,
    response_model=TicketRead,
    responses=problem_responses(400, 401, 403, 422),
    summary="Register a ticket from any channel",
)
async def create_ticket(
    body: TicketCreate,
    principal: Submitter,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketRead:
    registration = await register_ticket(
        runtime, body=body, principal=principal, idempotency_key=idempotency_key
    )
    structlog.contextvars.bind_contextvars(correlation_id=str(registration.ticket.id))
    if not registration.created:
        response.status_code = 200
    response.headers["Location"] = f"/v1/tickets/{registration.ticket.id}"
    return ticket_read(
        registration.ticket, registration.timeline, full_phone=sees_full_phone(principal)
    )


@router.get(
    "/tickets/{ticket_ref}",
    response_model=TicketRead,
    responses=problem_responses(401, 403, 404),
    summary="A ticket with its status and timeline, by id or ticket number",
)
async def get_ticket(ticket_ref: str, principal: Reader, runtime: RuntimeDep) -> TicketRead:
    full_phone = sees_full_phone(principal)
    async with runtime.transaction(one_snapshot=True) as session:
        ticket = await find_ticket(session, ticket_ref)
        ensure_area(principal, ticket.area_code)
        timeline = await timeline_of(session, ticket.id)
    if full_phone and ticket.caller_phone:
        # Its own short transaction: under the read snapshot, the foreign-key check would fail
        # whenever a consumer updated the ticket in the meantime.
        async with runtime.transaction() as session:
            session.add(
                PersonalDataRead(
                    ticket_id=ticket.id,
                    reader=principal.subject,
                    fields=["caller_phone"],
                    read_at=runtime.now(),
                )
            )
    return ticket_read(ticket, timeline, full_phone=full_phone)


@router.get(
    "/tickets",
    response_model=Page[TicketSummary],
    responses=problem_responses(400, 401, 403),
    summary="Tickets in your area, newest first",
)
async def list_tickets(
    principal: Reader,
    runtime: RuntimeDep,
    status: str | None = None,
    channel: str | None = None,
    category_group: str | None = None,
    area_code: Annotated[str | None, Query(pattern=r"^\d{6,14}$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[TicketSummary]:
    query = select(Ticket).order_by(Ticket.registered_at.desc(), Ticket.id.desc()).limit(limit + 1)
    query = query.where(within_area(Ticket.area_code, principal))
    for column, value in (
        (Ticket.status, status),
        (Ticket.channel, channel),
        (Ticket.category_group, category_group),
    ):
        if value is not None:
            query = query.where(column == value)
    if area_code:
        query = query.where(Ticket.area_code.startswith(area_code))
    position = decode_cursor(cursor)
    if position:
        at = cursor_field(position, "at", datetime.fromisoformat)
        last_id = cursor_field(position, "id", UUID)
        query = query.where(
            or_(Ticket.registered_at < at, and_(Ticket.registered_at == at, Ticket.id < last_id))
        )
    async with runtime.transaction() as session:
        tickets = list(await session.scalars(query))
    next_cursor = None
    if len(tickets) > limit:
        tickets = tickets[:limit]
        last = tickets[-1]
        next_cursor = encode_cursor({"at": last.registered_at.isoformat(), "id": str(last.id)})
    return Page(items=[ticket_summary(t) for t in tickets], next_cursor=next_cursor)
