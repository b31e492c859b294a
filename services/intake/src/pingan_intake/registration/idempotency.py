"""``Idempotency-Key`` on ticket creation: a retry with the same key and body answers with the
first registration; the same key with another body is a 422."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.problems import ProblemError
from pingan_common.runtime import Runtime
from pingan_intake.models import IdempotencyKey, Ticket
from pingan_intake.registration.events import Registration
from pingan_intake.tickets.lookup import master_of
from pingan_intake.timeline.entries import timeline_of

# Text, not the dialect's insert(): ON CONFLICT statements are compiled again on every call
# (no cache key), which costs more than the insert itself at hundreds a second.
_REMEMBER_KEY = text(
    "INSERT INTO idempotency_keys (principal, key, request_hash, ticket_id, created_at)"
    " VALUES (:principal, :key, :request_hash, :ticket_id, :created_at)"
    " ON CONFLICT (principal, key) DO NOTHING RETURNING id"
)


class LostIdempotencyRace(Exception):
    """Another request with the same key committed first; its ticket is the answer."""


def idempotency_key_reused() -> ProblemError:
    """The one answer to a retry whose body differs from the first request's."""
    return ProblemError(
        422,
        "Idempotency-Key reused",
        "this Idempotency-Key was already used with a different request",
        errors=[{"field": "header.Idempotency-Key", "message": "reused", "type": "reused"}],
    )


async def earlier_ticket(
    session: AsyncSession, principal: Principal, key: str, request_hash: str
) -> Ticket | None:
    row = await session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.principal == principal.subject, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise idempotency_key_reused()
    return await session.get(Ticket, row.ticket_id)


async def remember_key(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    key: str,
    request_hash: str,
    ticket: Ticket,
) -> None:
    inserted = await session.scalar(
        _REMEMBER_KEY,
        {
            "principal": principal.subject,
            "key": key,
            "request_hash": request_hash,
            "ticket_id": ticket.id,
            "created_at": runtime.now(),
        },
    )
    if inserted is None:
        raise LostIdempotencyRace


async def earlier_registration(
    runtime: Runtime, principal: Principal, key: str, request_hash: str
) -> Registration | None:
    async with runtime.transaction(one_snapshot=True) as session:
        ticket = await earlier_ticket(session, principal, key, request_hash)
        if ticket is None:
            return None
        return await registration_of(session, ticket)


async def registration_of(session: AsyncSession, ticket: Ticket) -> Registration:
    """An earlier registration as a retry answers it."""
    return Registration(
        ticket,
        await timeline_of(session, ticket.id),
        created=False,
        master=await master_of(session, ticket),
    )
