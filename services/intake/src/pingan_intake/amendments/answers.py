"""Direct answers (直接答复): the operator answers a consultation, usually from the knowledge base;
``ticket.answered`` then ``ticket.closed`` (resolution ``answered``), and the calls merged into it
close with it.

Allowed for consultation tickets (group ``consultation`` or disposition ``answer``). Another
ticket may be answered only with ``force`` — the operator judged the call a question after all
(a misclassification) — which is recorded; extreme threats and police matters never, force or
not: they must be handled.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.events import CategoryGroup, Disposition
from pingan_common.events.intake import TicketAnswered, TicketAnsweredData
from pingan_common.problems import Conflict, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_intake.amendments.recording import lock_open_ticket, record_amendment
from pingan_intake.knowledge.base import default_knowledge_base
from pingan_intake.models import Ticket
from pingan_intake.police import linkage as police
from pingan_intake.tickets.closing import close_at_intake, close_merged_tickets
from pingan_intake.tickets.event_data import ticket_event, ticket_fields
from pingan_intake.timeline.entries import intake_entry


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
    await lock_open_ticket(session, ticket, principal, "answered")
    if ticket.status == "merged":
        raise Conflict(f"ticket {ticket.ticket_number} is merged; answer its master ticket")
    _check_answerable(ticket, force)
    entry = _knowledge_entry(knowledge_entry_id)
    record_amendment(
        session, ticket, "answer", text, principal.subject, now, knowledge_entry_id=entry
    )
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
        **ticket_fields(ticket, principal.subject, now), answer=text, knowledge_entry_id=entry
    )
    await runtime.publish(session, ticket_event(TicketAnswered, data, ticket, at=now))
    publish = partial(runtime.publish, session)
    await close_at_intake(publish, ticket, "answered", text, actor=principal.subject, now=now)
    await close_merged_tickets(
        session, publish, ticket, outcome=text, actor=principal.subject, now=now
    )


def _is_consultation(ticket: Ticket) -> bool:
    return ticket.category_group == CategoryGroup.CONSULTATION or Disposition.ANSWER in (
        ticket.dispositions or []
    )


def _check_answerable(ticket: Ticket, force: bool) -> None:
    if ticket.category_group == CategoryGroup.EXTREME_THREAT or police.is_police_matter(ticket):
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
