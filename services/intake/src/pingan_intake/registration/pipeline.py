"""Registering a ticket: ``register_ticket`` answers a request (who may submit, the
``Idempotency-Key``, one transaction); ``register`` is the registration itself, stage by stage."""

from __future__ import annotations

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.ids import new_id
from pingan_common.runtime import Runtime
from pingan_intake.registration.classify import classify
from pingan_intake.registration.duplicates_gate import duplicates_gate
from pingan_intake.registration.events import Registration, publish_events
from pingan_intake.registration.idempotency import (
    LostIdempotencyRace,
    earlier_registration,
    earlier_ticket,
    registration_of,
    remember_key,
)
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
    check_submitter(principal, body.channel)
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    try:
        async with runtime.transaction() as session:
            if idempotency_key:
                # In the registering transaction: a retry costs one lookup, a first try too.
                earlier = await earlier_ticket(session, principal, idempotency_key, request_hash)
                if earlier is not None:
                    return await registration_of(session, earlier)
            submission = Submission(body, principal, received_at=runtime.now(), ticket_id=new_id())
            registration = await register(session, runtime, submission)
            if idempotency_key:
                await remember_key(
                    session, runtime, principal, idempotency_key, request_hash, registration.ticket
                )
        return registration
    except LostIdempotencyRace:
        first = await earlier_registration(runtime, principal, idempotency_key or "", request_hash)
        assert first is not None
        return first
