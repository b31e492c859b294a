"""``POST /v1/tickets``: every channel's registration (Open311 posts through its own routes)."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Response

from pingan_common.auth import Principal, require
from pingan_common.idempotency import IdempotencyKeyHeader
from pingan_common.problems import problem_responses
from pingan_common.runtime import RuntimeDep
from pingan_intake.registration.pipeline import register_ticket
from pingan_intake.registration.schemas import TicketCreate
from pingan_intake.tickets.presentation import ticket_read
from pingan_intake.tickets.schemas import TicketRead

router = APIRouter(prefix="/v1", tags=["tickets"])

Submitter = Annotated[
    Principal,
    Depends(require("operator", "grid_worker", "dispatcher", "admin", allow_api_key=True)),
]


@router.post(
    "/tickets",
    status_code=201,
    response_model=TicketRead,
    responses=problem_responses(400, 401, 403, 413, 422),
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
        registration.ticket, registration.timeline, clear=False, master=registration.master
    )
