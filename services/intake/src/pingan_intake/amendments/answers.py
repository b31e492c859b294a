"""What happens to a ticket after registration at intake: 撤单, 补充 and a direct answer (直接答复).

- Retraction: the caller withdraws (with a reason); ``ticket.retracted`` then ``ticket.closed``
  (resolution ``retracted``). Not on a closed ticket. A merged caller's retraction detaches them
  from the master, whose matter stays open for the other callers; a master that still has other
  callers can't be retracted (409): the matter is theirs too.
- Supplement: more facts or attachments from the caller, ``ticket.updated``. On a merged ticket
  the supplement also goes to the master, because the master carries the only task.
- Answer: the operator answers a consultation, usually from the knowledge base;
  ``ticket.answered`` then ``ticket.closed`` (resolution ``answered``). Allowed for consultation
  tickets (group ``consultation`` or disposition ``answer``). Another ticket may be answered only
  with ``force`` — the operator judged the call a question after all (a misclassification) —
  which is recorded; extreme threats and police matters never, force or not: they must be handled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area
from pingan_common.events import Attachment, EventEnvelope
from pingan_common.events.intake import (
    PoliceFeedback,
    TicketAnswered,
    TicketAnsweredData,
    TicketClosed,
    TicketClosedData,
    TicketResolution,
    TicketRetracted,
    TicketRetractedData,
    TicketUpdated,
    TicketUpdatedData,
)
from pingan_common.problems import Conflict, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_intake.duplicates.gate import detach_from_master, intake_entry, lock_with_master
from pingan_intake.knowledge.base import default_knowledge_base
from pingan_intake.models import Ticket, TicketAmendment
from pingan_intake.police import linkage as police
from pingan_intake.registration.pipeline import find_ticket

Publish = Callable[[EventEnvelope], Awaitable[None]]
CONSULTATION_GROUP = "consultation"
THREAT_GROUP = "extreme_threat"
ANSWER_DISPOSITION = "answer"


async def retract(
    session: AsyncSession, runtime: Runtime, *, ticket: Ticket, reason: str, principal: Principal
) -> None:
    now = runtime.now()
    await _lock_open_ticket(session, ticket, principal, "retracted")
    if ticket.caller_count > 1:
        raise Conflict(
            f"{ticket.caller_count - 1} other callers are merged into ticket "
            f"{ticket.ticket_number}; the matter stays open for them (split them off first if "
            "they are separate matters)"
        )
    if ticket.status == "merged":
        await detach_from_master(session, ticket, actor=principal.subject, reason=reason, now=now)
    _record(session, ticket, "retraction", reason, principal.subject, now)
    session.add(intake_entry(ticket, now, "retracted", f"来电人撤单：{reason}", {"reason": reason}))
    data = TicketRetractedData(**_base(ticket, principal.subject, now), reason=reason)
    await runtime.publish(session, _event(TicketRetracted, data, ticket, now))
    outcome = f"来电人撤单：{reason}"
    await close_ticket(
        partial(runtime.publish, session),
        ticket,
        "retracted",
        outcome,
        actor=principal.subject,
        now=now,
    )


async def supplement(
    session: AsyncSession,
    runtime: Runtime,
    *,
    ticket: Ticket,
    text: str,
    attachments: list[Attachment],
    principal: Principal,
) -> None:
    now = runtime.now()
    await _lock_open_ticket(session, ticket, principal, "supplemented")
    await _add_supplement(session, runtime, ticket, text, attachments, principal.subject, now)
    if ticket.status == "merged" and ticket.master_ticket_id is not None:
        master = await find_ticket(session, str(ticket.master_ticket_id))
        relayed = f"（来自并单工单 {ticket.ticket_number}）{text}"
        await _add_supplement(
            session, runtime, master, relayed, attachments, principal.subject, now
        )


async def _add_supplement(
    session: AsyncSession,
    runtime: Runtime,
    ticket: Ticket,
    text: str,
    attachments: list[Attachment],
    actor: str,
    now: datetime,
) -> None:
    """Record the supplement on the ticket, in its timeline, and publish ``ticket.updated``."""
    files = [a.model_dump() for a in attachments]
    ticket.updated_at = now
    _record(session, ticket, "supplement", text, actor, now, attachments=files)
    summary = f"来电人补充：{text}" + (f"（附件 {len(files)} 个）" if files else "")
    session.add(intake_entry(ticket, now, "supplemented", summary, {"attachments": files}))
    data = TicketUpdatedData(**_base(ticket, actor, now), supplement=text, attachments=attachments)
    await runtime.publish(session, _event(TicketUpdated, data, ticket, now))


async def answer(
    session: AsyncSession,
    runtime: Runtime,
    *,
    ticket: Ticket,
    text: str,
    knowledge_entry_id: str | None,
    force: bool,
    principal: Principal,
) -> None:
    now = runtime.now()
    await _lock_open_ticket(session, ticket, principal, "answered")
    if ticket.status == "merged":
        raise Conflict(f"ticket {ticket.ticket_number} is merged; answer its master ticket")
    _check_answerable(ticket, force)
    entry = _knowledge_entry(knowledge_entry_id)
    _record(session, ticket, "answer", text, principal.subject, now, knowledge_entry_id=entry)
    source = f"（依据知识库 {entry}）" if entry else ""
    session.add(
        intake_entry(
            ticket,
            now,
            "answered",
            f"直接答复{source}：{text}",
            {"knowledge_entry_id": entry, "forced": force and not _is_consultation(ticket)},
        )
    )
    data = TicketAnsweredData(
        **_base(ticket, principal.subject, now), answer=text, knowledge_entry_id=entry
    )
    await runtime.publish(session, _event(TicketAnswered, data, ticket, now))
    publish = partial(runtime.publish, session)
    await close_ticket(publish, ticket, "answered", text, actor=principal.subject, now=now)
    await close_merged_tickets(
        session, publish, ticket, outcome=text, actor=principal.subject, now=now
    )


def _is_consultation(ticket: Ticket) -> bool:
    return ticket.category_group == CONSULTATION_GROUP or ANSWER_DISPOSITION in (
        ticket.dispositions or []
    )


def _check_answerable(ticket: Ticket, force: bool) -> None:
    if ticket.category_group == THREAT_GROUP or police.is_police_matter(ticket):
        raise Conflict(
            f"ticket {ticket.ticket_number} is a threat or police matter; it must be handled, "
            "not answered at intake"
        )
    if not _is_consultation(ticket) and not force:
        raise Conflict(
            f"ticket {ticket.ticket_number} is not a consultation ({ticket.category_label}); "
            "reclassify it, or answer with force=true if the call was only a question",
        )


def _knowledge_entry(entry_id: str | None) -> str | None:
    if entry_id is None:
        return None
    if default_knowledge_base().get(entry_id) is None:
        raise UnprocessableEntity(
            f"knowledge base entry {entry_id} does not exist",
            [{"field": "body.knowledge_entry_id", "message": "unknown entry", "type": "unknown"}],
        )
    return entry_id


async def _lock_open_ticket(
    session: AsyncSession, ticket: Ticket, principal: Principal, action: str
) -> None:
    """Every amendment: by staff of the ticket's area, under the ticket's (and master's) lock,
    on a ticket not yet closed."""
    ensure_area(principal, ticket.area_code)
    await lock_with_master(session, ticket)
    if ticket.status == "closed":
        raise Conflict(f"ticket {ticket.ticket_number} is closed and cannot be {action}")


async def close_ticket(
    publish: Publish,
    ticket: Ticket,
    resolution: TicketResolution,
    outcome: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Close at intake: ``ticket.closed``, and the feedback 110 is owed for its transfers."""
    ticket.status = "closed"
    ticket.resolution = resolution
    ticket.closed_at = now
    ticket.updated_at = now
    closed = TicketClosedData(
        **_base(ticket, actor, now),
        channel=ticket.channel,
        resolution=resolution,
        outcome=outcome,
        external_ref=ticket.external_ref,
    )
    await publish(_event(TicketClosed, closed, ticket, now))
    if police.feedback_due(ticket):
        feedback = police.feedback_data(ticket, closed)
        await publish(_event(PoliceFeedback, feedback, ticket, now))


async def close_merged_tickets(
    session: AsyncSession,
    publish: Publish,
    master: Ticket,
    *,
    outcome: str,
    actor: str,
    now: datetime,
) -> int:
    """When a master closes, so do the calls merged into it (resolution ``merged``): each caller,
    and 110 for a transferred one, learns the outcome. Returns how many were closed.

    ``publish`` adds an event to the outbox of ``session``'s transaction: in a request
    ``partial(runtime.publish, session)``, in an event handler ``ctx.publish``."""
    merged = await session.scalars(
        select(Ticket)
        .where(Ticket.master_ticket_id == master.id, Ticket.status == "merged")
        .order_by(Ticket.id)
        .with_for_update()
    )
    count = 0
    for ticket in merged:
        text = f"已并入 {master.ticket_number} 一并办理：{outcome}"
        session.add(intake_entry(ticket, now, "closed", text, {"master_ticket_id": str(master.id)}))
        await close_ticket(publish, ticket, "merged", text, actor=actor, now=now)
        count += 1
    return count


def _record(
    session: AsyncSession,
    ticket: Ticket,
    kind: str,
    text: str,
    actor: str,
    now: datetime,
    *,
    attachments: list[dict] | None = None,
    knowledge_entry_id: str | None = None,
) -> None:
    session.add(
        TicketAmendment(
            ticket_id=ticket.id,
            kind=kind,
            text=text,
            attachments=attachments or [],
            knowledge_entry_id=knowledge_entry_id,
            actor=actor,
            at=now,
        )
    )


def _base(ticket: Ticket, actor: str, now: datetime) -> dict:
    return {
        "ticket_id": ticket.id,
        "ticket_number": ticket.ticket_number,
        "area_code": ticket.area_code,
        "actor": actor,
        "occurred_at": now,
    }


def _event(event_class, data, ticket: Ticket, now: datetime):  # type: ignore[no-untyped-def]
    return event_class.create(data, subject=str(ticket.id), correlationid=str(ticket.id), time=now)
