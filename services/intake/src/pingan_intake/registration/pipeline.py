"""Registering a ticket: ``register_ticket`` answers a request (who may submit, the
``Idempotency-Key``, one transaction); ``register`` is the registration itself, stage by stage."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.idempotency import claim
from pingan_common.ids import new_id
from pingan_common.runtime import Runtime
from pingan_intake.models import idempotency_records
from pingan_intake.registration.classify import classify
from pingan_intake.registration.duplicates_gate import duplicates_gate
from pingan_intake.registration.events import Registration, publish_events
from pingan_intake.registration.idempotency import create_request, earlier_registration
from pingan_intake.registration.locate import locate
from pingan_intake.registration.persist import persist
from pingan_intake.registration.schemas import TicketCreate
from pingan_intake.registration.validate import Submission, check_submitter, validate
from pingan_intake.state import intake_state


async def register(session: AsyncSession, runtime: Runtime, submission: Submission) -> Registration:
    """Each stage once, in this order, in the caller's transaction; a refusal in any stage
    (problem response) rolls the whole registration back."""
    state = intake_state(runtime)
    settings = state.settings
    submission = validate(submission, max_skew_seconds=settings.reported_at_max_skew_seconds)
    located = locate(submission, state.places)
    classified = classify(located)
    screened = await duplicates_gate(session, classified, state.duplicate_rules)
    stored = await persist(session, screened, number_prefix=settings.ticket_number_prefix)
    return await publish_events(session, runtime, stored)


async def register_ticket(
    runtime: Runtime, *, body: TicketCreate, principal: Principal, idempotency_key: str | None
) -> Registration:
    """With a key, the claim is the transaction's first write and carries the new ticket's id: a
    retry (or a duplicate that waited for the first to commit) answers the first ticket."""
    check_submitter(principal, body.channel)
    keyed = create_request(idempotency_key, principal, body)
    ticket_id, now = new_id(), runtime.now()
    async with runtime.transaction() as session:
        if keyed is not None:
            earlier = await claim(
                session, idempotency_records, keyed, resource_id=ticket_id, now=now
            )
            if earlier is not None:
                return await earlier_registration(session, earlier)
        submission = Submission(body, principal, received_at=now, ticket_id=ticket_id)
        return await register(session, runtime, submission)
