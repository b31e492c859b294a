"""``Idempotency-Key`` on ticket creation (``POST /v1/tickets`` and Open311 requests), through
the shared claims of ``pingan_common.idempotency``: a retry with the same key and body answers
with the first registration; the same key with another body is a 422."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.idempotency import IdempotentRequest
from pingan_intake.models import Ticket
from pingan_intake.registration.events import Registration
from pingan_intake.registration.schemas import TicketCreate
from pingan_intake.tickets.lookup import master_of
from pingan_intake.timeline.entries import timeline_of

SCOPE = "ticket.create"


def create_request(
    key: str | None, principal: Principal, body: TicketCreate
) -> IdempotentRequest | None:
    """None without a key. The hash is of the body's JSON as intake always hashed it, so the
    keys carried over from the tables before the shared one (migration 0003) still match."""
    return IdempotentRequest.of(key, scope=SCOPE, principal=principal, body=body.model_dump_json())


async def earlier_registration(session: AsyncSession, ticket_id: str) -> Registration:
    """The registration a retry answers: the first request's ticket, committed before."""
    ticket = await session.get(Ticket, UUID(ticket_id))
    assert ticket is not None, "a claim commits with its ticket"
    return Registration(
        ticket,
        await timeline_of(session, ticket.id),
        created=False,
        master=await master_of(session, ticket),
    )
