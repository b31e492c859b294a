"""REST for the amendments — retraction, supplements, answers — each a ticket action
(``tickets.actions``)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.idempotency import IdempotencyKeyHeader
from pingan_common.runtime import RuntimeDep
from pingan_intake.amendments.answers import answer
from pingan_intake.amendments.retraction import retract
from pingan_intake.amendments.schemas import AnswerCreate, SupplementCreate
from pingan_intake.amendments.supplements import supplement
from pingan_intake.models import Ticket
from pingan_intake.tickets.actions import ACTION_ERRORS, Actor, run_action
from pingan_intake.tickets.schemas import ReasonRequest, TicketState

router = APIRouter(prefix="/v1")


@router.post(
    "/tickets/{ticket_ref}/retract",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["amendments"],
    summary="The caller withdraws the ticket (撤单); it closes as retracted",
)
async def retract_ticket(
    ticket_ref: str,
    body: ReasonRequest,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await retract(session, runtime, ticket=ticket, reason=body.reason, principal=principal)

    return await run_action(runtime, principal, ticket_ref, "retract", body, idempotency_key, act)


@router.post(
    "/tickets/{ticket_ref}/supplements",
    status_code=201,
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["amendments"],
    summary="Add the caller's follow-up information (补充) to an open ticket",
)
async def add_supplement(
    ticket_ref: str,
    body: SupplementCreate,
    principal: Actor,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await supplement(
            session,
            runtime,
            ticket=ticket,
            text=body.text,
            attachments=[a.as_event_value() for a in body.attachments],
            principal=principal,
        )

    return await run_action(
        runtime, principal, ticket_ref, "supplement", body, idempotency_key, act, response
    )


@router.post(
    "/tickets/{ticket_ref}/answer",
    response_model=TicketState,
    responses=ACTION_ERRORS,
    tags=["amendments"],
    summary="Answer a consultation at intake (直接答复); the ticket closes as answered",
)
async def answer_ticket(
    ticket_ref: str,
    body: AnswerCreate,
    principal: Actor,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TicketState:
    async def act(session: AsyncSession, ticket: Ticket) -> None:
        await answer(
            session,
            runtime,
            ticket=ticket,
            text=body.answer,
            knowledge_entry_id=body.knowledge_entry_id,
            force=body.force,
            principal=principal,
        )

    return await run_action(runtime, principal, ticket_ref, "answer", body, idempotency_key, act)
