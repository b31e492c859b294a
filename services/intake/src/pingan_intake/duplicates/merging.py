"""Joining a master and leaving it: the registration gate's automatic merge, an operator's merge
(并单) and split (拆单), and a merged caller's retraction.

A merged ticket stays a ticket of its own (its caller, its number, its timeline) with
``master_ticket_id`` set; the master carries the matter, its one task and the caller count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_visible
from pingan_common.events.intake import (
    TicketMerged,
    TicketMergedData,
    TicketSplit,
    TicketSplitData,
)
from pingan_common.problems import Conflict, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_intake.duplicates.rules import NOT_A_MASTER_STATUSES
from pingan_intake.models import Ticket, TicketMerge, TimelineEntry
from pingan_intake.state import intake_state
from pingan_intake.tickets.event_data import registered_data, ticket_event, ticket_fields
from pingan_intake.tickets.lookup import lock_pair, lock_with_master, locked_ticket
from pingan_intake.timeline.entries import intake_entry

# The actor of what intake decides by itself (the gate's merge).
SYSTEM = "system"


def join(
    session: AsyncSession,
    ticket: Ticket,
    master: Ticket,
    *,
    automatic: bool,
    reason: str,
    similarity: float | None,
    actor: str,
    now: datetime,
) -> TimelineEntry:
    """Make ``ticket`` one more caller on ``master``; returns the ticket's timeline entry."""
    master.caller_count += 1
    master.updated_at = now
    ticket.status = "merged"
    ticket.master_ticket_id = master.id
    ticket.updated_at = now
    session.add(
        TicketMerge(
            ticket_id=ticket.id,
            master_ticket_id=master.id,
            automatic=automatic,
            reason=reason,
            similarity=similarity,
            merged_by=actor,
            merged_at=now,
        )
    )
    how = "自动并单" if automatic else "人工并单"
    details = {
        "master_ticket_id": str(master.id),
        "master_ticket_number": master.ticket_number,
        "caller_count": master.caller_count,
        "automatic": automatic,
        "reason": reason,
    }
    own = intake_entry(
        ticket,
        now,
        "merged",
        f"{how}：并入 {master.ticket_number}，共 {master.caller_count} 位来电人（{reason}）",
        details,
    )
    session.add_all(
        [
            own,
            intake_entry(
                master,
                now,
                "caller_added",
                f"{how}：{ticket.ticket_number} 并入本工单，共 {master.caller_count} 位来电人",
                {**details, "ticket_id": str(ticket.id)},
            ),
        ]
    )
    return own


async def _leave(
    session: AsyncSession, ticket: Ticket, master: Ticket, *, actor: str, reason: str, now: datetime
) -> None:
    """Undo ``join``: the ticket stands alone again, the master has one caller fewer."""
    master.caller_count = max(1, master.caller_count - 1)
    master.updated_at = now
    ticket.master_ticket_id = None
    ticket.status = "registered"
    ticket.updated_at = now
    link = await session.scalar(
        select(TicketMerge)
        .where(TicketMerge.ticket_id == ticket.id, TicketMerge.split_at.is_(None))
        .order_by(TicketMerge.id.desc())
        .limit(1)
    )
    if link is not None:
        link.split_at, link.split_by, link.split_reason = now, actor, reason


async def _locked_master(session: AsyncSession, ticket: Ticket) -> Ticket:
    """A merged ticket's master, row-locked; the foreign key guarantees it exists."""
    assert ticket.master_ticket_id is not None
    master = await locked_ticket(session, ticket.master_ticket_id)
    assert master is not None
    return master


def merged_data(
    ticket: Ticket, master: Ticket, *, actor: str, reason: str, automatic: bool, now: datetime
) -> TicketMergedData:
    return TicketMergedData(
        **ticket_fields(ticket, actor, now),
        master_ticket_id=master.id,
        master_ticket_number=master.ticket_number,
        caller_count=master.caller_count,
        reason=reason,
        automatic=automatic,
    )


async def merge_by_operator(
    session: AsyncSession,
    runtime: Runtime,
    *,
    ticket: Ticket,
    master: Ticket,
    reason: str,
    principal: Principal,
) -> None:
    """An operator's 并单: ``ticket`` becomes one more caller on ``master``'s matter."""
    now = runtime.now()
    ensure_visible(principal, ticket.area_code, "ticket", ticket.ticket_number)
    ensure_visible(principal, master.area_code, "ticket", master.ticket_number)
    if ticket.id == master.id:
        raise UnprocessableEntity(
            "a ticket cannot be merged into itself",
            [{"field": "body.master", "message": "same ticket", "type": "same_ticket"}],
        )
    await lock_pair(session, ticket.id, master.id)
    for row in (ticket, master):
        await session.refresh(row)
    _check_mergeable(ticket, master)
    join(
        session,
        ticket,
        master,
        automatic=False,
        reason=reason,
        similarity=None,
        actor=principal.subject,
        now=now,
    )
    data = merged_data(
        ticket, master, actor=principal.subject, reason=reason, automatic=False, now=now
    )
    await runtime.publish(session, ticket_event(TicketMerged, data, ticket, at=now))


def _check_mergeable(ticket: Ticket, master: Ticket) -> None:
    if ticket.status == "merged":
        raise Conflict(f"ticket {ticket.ticket_number} is already merged; split it first")
    if ticket.status == "closed":
        raise Conflict(f"ticket {ticket.ticket_number} is closed")
    if ticket.caller_count > 1:
        raise Conflict(
            f"ticket {ticket.ticket_number} is itself the master of {ticket.caller_count - 1} "
            "merged tickets; merge those into the new master one by one, or split them first"
        )
    if master.status in NOT_A_MASTER_STATUSES:
        raise Conflict(
            f"ticket {master.ticket_number} is {master.status} and cannot take more callers"
        )


async def split_by_operator(
    session: AsyncSession,
    runtime: Runtime,
    *,
    ticket: Ticket,
    reason: str,
    principal: Principal,
) -> None:
    """Undo a wrong merge: the ticket is its own matter again, published in full."""
    now = runtime.now()
    ensure_visible(principal, ticket.area_code, "ticket", ticket.ticket_number)
    await lock_with_master(session, ticket)
    if ticket.status != "merged" or ticket.master_ticket_id is None:
        raise Conflict(f"ticket {ticket.ticket_number} is not merged into another ticket")
    master = await _locked_master(session, ticket)
    await _leave(session, ticket, master, actor=principal.subject, reason=reason, now=now)
    details = {"master_ticket_id": str(master.id), "reason": reason}
    session.add_all(
        [
            intake_entry(
                ticket, now, "split", f"拆单：从 {master.ticket_number} 拆出（{reason}）", details
            ),
            intake_entry(
                master,
                now,
                "caller_removed",
                f"拆单：{ticket.ticket_number} 已拆出，剩 {master.caller_count} 位来电人",
                {**details, "ticket_id": str(ticket.id), "caller_count": master.caller_count},
            ),
        ]
    )
    data = TicketSplitData(
        **registered_data(ticket, intake_state(runtime).settings.phone_hash_key).model_dump(),
        split_from_ticket_id=master.id,
        reason=reason,
        split_by=principal.subject,
        split_at=now,
    )
    await runtime.publish(session, ticket_event(TicketSplit, data, ticket, at=now))


async def detach_from_master(
    session: AsyncSession, ticket: Ticket, *, actor: str, reason: str, now: datetime
) -> None:
    """A merged caller withdrew (撤单): the master keeps the matter with one caller fewer."""
    master = await _locked_master(session, ticket)
    await _leave(session, ticket, master, actor=actor, reason=reason, now=now)
    session.add(
        intake_entry(
            master,
            now,
            "caller_removed",
            f"来电人撤单：{ticket.ticket_number} 撤回，剩 {master.caller_count} 位来电人",
            {"ticket_id": str(ticket.id), "caller_count": master.caller_count},
        )
    )
