"""Duplicates in the database: the registration gate (并单, 重复来电), operator merge and split.

The rules themselves are in ``duplicates.py``; this module finds the candidates, serialises
concurrent registrations of one matter, and writes the outcome.

Concurrency: two callers reporting one gas smell at the same moment must end with one master.
The gate takes a transaction-scoped advisory lock on (township, subcategory) before it looks for
a master, so the second registration waits for the first to commit and then sees its ticket
(READ COMMITTED gives each statement a fresh snapshot). Masters are then row-locked before their
caller count changes, as the operator's merge and split do.

Settings (environment, same prefix as the other intake settings; defaults in brackets):
``PINGAN_INTAKE_REPEAT_WINDOW_DAYS`` [30], ``PINGAN_INTAKE_REPEAT_THIRD_CALL_COUNT`` [3],
``PINGAN_INTAKE_REPEAT_SIMILARITY`` [0.45], ``PINGAN_INTAKE_MERGE_WINDOW_HOURS`` [6],
``PINGAN_INTAKE_MERGE_DISTANCE_M`` [300], ``PINGAN_INTAKE_MERGE_SIMILARITY`` [0.2].
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from uuid import UUID

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area, mask_name, mask_phone
from pingan_common.events import CallerSummary
from pingan_common.events.intake import (
    TicketMerged,
    TicketMergedData,
    TicketSplit,
    TicketSplitData,
)
from pingan_common.problems import Conflict, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_intake.duplicates import (
    NOT_A_MASTER_STATUSES,
    DuplicateRules,
    Matter,
    MergeMatch,
    auto_merge_excluded,
    best_merge,
    is_repeat_of,
    repeat_flag,
)
from pingan_intake.event_values import category_of, location_of
from pingan_intake.models import Ticket, TicketMerge, TimelineEntry

SYSTEM = "system"
# Enough for any real cluster; bounds the work per registration whatever happens.
MAX_CANDIDATES = 200


class DuplicateSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_INTAKE_", extra="ignore")

    repeat_window_days: float = 30
    repeat_third_call_count: int = 3
    repeat_similarity: float = 0.45
    merge_window_hours: float = 6
    merge_distance_m: float = 300
    merge_similarity: float = 0.2

    def rules(self) -> DuplicateRules:
        return DuplicateRules(
            repeat_window=timedelta(days=self.repeat_window_days),
            third_call_count=self.repeat_third_call_count,
            repeat_similarity=self.repeat_similarity,
            merge_window=timedelta(hours=self.merge_window_hours),
            merge_distance_m=self.merge_distance_m,
            merge_similarity=self.merge_similarity,
        )


@cache
def configured_rules() -> DuplicateRules:
    """Read from the environment on first use, then kept for the process."""
    return DuplicateSettings().rules()


@dataclass(frozen=True)
class DuplicateOutcome:
    merged_into: Ticket | None  # the master this new ticket was merged into (并单)
    repeat_of: Ticket | None  # the same caller's earlier ticket on this matter (重复来电)
    repeat_count: int  # this caller's calls on this matter in the window, incl. this one
    merge_reason: str = ""  # why it was merged, in words (for ticket.merged)


def matter_of(ticket: Ticket) -> Matter:
    return Matter(
        id=ticket.id,
        description=ticket.description,
        category_group=ticket.category_group,
        category_code=ticket.category_code,
        dispositions=tuple(ticket.dispositions or ()),
        caller_phone=ticket.caller_phone,
        grid_code=ticket.grid_code,
        address=ticket.address,
        lon=ticket.lon,
        lat=ticket.lat,
        registered_at=ticket.registered_at,
        status=ticket.status,
        master_id=ticket.master_ticket_id,
    )


# --- the registration gate ----------------------------------------------------------------------


async def duplicates_gate(
    session: AsyncSession, ticket: Ticket, now: datetime, *, rules: DuplicateRules | None = None
) -> DuplicateOutcome:
    """Link a just-flushed ticket to the caller's earlier calls, and merge it into the master of
    its matter if there is one; all in the registering transaction."""
    rules = rules or configured_rules()
    new = matter_of(ticket)
    mergeable = bool(ticket.category_code) and not auto_merge_excluded(new)
    if not mergeable and not ticket.caller_phone:
        return DuplicateOutcome(merged_into=None, repeat_of=None, repeat_count=1)
    if mergeable:
        await _lock_matter(session, ticket)
    related = await _related_tickets(session, ticket, rules, mergeable=mergeable)
    earlier = [
        t
        for t in related
        if _is_earlier_call(ticket, t, rules) and is_repeat_of(new, matter_of(t), rules)
    ]
    repeat_of = earlier[0] if earlier else None
    repeat_count = len(earlier) + 1
    if repeat_of is not None:
        _mark_repeat(session, ticket, repeat_of, repeat_count, rules, now)
    match = None
    if mergeable:
        candidates = [t for t in related if _is_same_kind_nearby_in_time(ticket, t, rules)]
        match = await _best_master(session, new, candidates, rules)
    if match is None:
        return DuplicateOutcome(merged_into=None, repeat_of=repeat_of, repeat_count=repeat_count)
    master = await _locked_ticket(session, match.master_id)
    reason = match.reason(ticket.category_label)
    await _join(
        session,
        ticket,
        master,
        automatic=True,
        reason=reason,
        similarity=match.similarity,
        actor=SYSTEM,
        now=now,
    )
    return DuplicateOutcome(
        merged_into=master, repeat_of=repeat_of, repeat_count=repeat_count, merge_reason=reason
    )


def merged_event_data(ticket: Ticket, outcome: DuplicateOutcome, now: datetime) -> TicketMergedData:
    master = outcome.merged_into
    if master is None:
        raise ValueError("merged_event_data needs an outcome with merged_into set")
    return _merged_data(
        ticket, master, actor=SYSTEM, reason=outcome.merge_reason, automatic=True, now=now
    )


async def _lock_matter(session: AsyncSession, ticket: Ticket) -> None:
    """Serialise registrations of one kind of matter in one township until commit.

    A statement of its own: the lookup that follows must take its snapshot after the lock is
    granted, or it would miss the ticket the lock holder just committed."""
    key = f"pingan_intake.duplicates:{ticket.township_code or '-'}:{ticket.category_code}"
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def _related_tickets(
    session: AsyncSession, ticket: Ticket, rules: DuplicateRules, *, mergeable: bool
) -> list[Ticket]:
    """In one round trip (each one counts at hundreds of registrations a second): the open
    tickets of the same kind in the township within the merge window, and the caller's tickets
    within the repeat window. Both halves are index range scans bounded by time."""
    wanted = []
    if mergeable:
        same_township = (
            Ticket.township_code == ticket.township_code
            if ticket.township_code
            else Ticket.township_code.is_(None)
        )
        wanted.append(
            and_(
                Ticket.category_code == ticket.category_code,
                same_township,
                Ticket.registered_at >= ticket.registered_at - rules.merge_window,
                Ticket.registered_at <= ticket.registered_at + rules.merge_window,
                Ticket.status != "closed",
            )
        )
    if ticket.caller_phone:
        wanted.append(
            and_(
                Ticket.caller_phone == ticket.caller_phone,
                Ticket.registered_at >= ticket.registered_at - rules.repeat_window,
                Ticket.registered_at <= ticket.registered_at,
            )
        )
    rows = await session.scalars(
        select(Ticket)
        .where(or_(*wanted), Ticket.id != ticket.id)
        # Newest first, so a caller with hundreds of calls can't crowd out today's matters.
        .order_by(Ticket.registered_at.desc(), Ticket.id.desc())
        .limit(2 * MAX_CANDIDATES)
    )
    return list(reversed(rows.all()))


def _is_earlier_call(ticket: Ticket, other: Ticket, rules: DuplicateRules) -> bool:
    return (
        bool(ticket.caller_phone)
        and other.caller_phone == ticket.caller_phone
        and ticket.registered_at - rules.repeat_window
        <= other.registered_at
        <= ticket.registered_at
    )


def _is_same_kind_nearby_in_time(ticket: Ticket, other: Ticket, rules: DuplicateRules) -> bool:
    return (
        other.category_code == ticket.category_code
        and other.township_code == ticket.township_code
        and abs(other.registered_at - ticket.registered_at) <= rules.merge_window
        and other.status != "closed"
    )


async def _best_master(
    session: AsyncSession, new: Matter, candidates: list[Ticket], rules: DuplicateRules
) -> MergeMatch | None:
    """Candidates may be masters or tickets merged into one; older masters are fetched."""
    matters = [matter_of(t) for t in candidates]
    masters = {m.id: m for m in matters if m.master_id is None}
    missing = {m.master_id for m in matters if m.master_id and m.master_id not in masters}
    if missing:
        older = await session.scalars(select(Ticket).where(Ticket.id.in_(missing)))
        masters.update((t.id, matter_of(t)) for t in older)
    return best_merge(new, matters, masters, rules)


def _mark_repeat(
    session: AsyncSession,
    ticket: Ticket,
    first: Ticket,
    count: int,
    rules: DuplicateRules,
    now: datetime,
) -> None:
    ticket.repeat_of_ticket_id = first.id
    ticket.repeat_count = count
    ticket.repeat_flag = repeat_flag(count, rules)
    days = int(rules.repeat_window.total_seconds() // 86400)
    prominent = "【重点关注】" if ticket.repeat_flag == "third_call" else ""
    details = {
        "repeat_of_ticket_id": str(first.id),
        "repeat_count": count,
        "repeat_flag": ticket.repeat_flag,
    }
    session.add_all(
        [
            _entry(
                ticket,
                now,
                "repeat_call",
                f"{prominent}重复来电：来电人 {days} 天内第 {count} 次反映此事项"
                f"（首次工单 {first.ticket_number}）",
                details,
            ),
            _entry(
                first,
                now,
                "repeat_call",
                f"{prominent}来电人再次来电（第 {count} 次），新工单 {ticket.ticket_number}",
                {**details, "ticket_id": str(ticket.id)},
            ),
        ]
    )


# --- joining and leaving a master ----------------------------------------------------------------


async def _locked_ticket(session: AsyncSession, ticket_id: UUID) -> Ticket:
    return await session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _join(
    session: AsyncSession,
    ticket: Ticket,
    master: Ticket,
    *,
    automatic: bool,
    reason: str,
    similarity: float | None,
    actor: str,
    now: datetime,
) -> None:
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
    details = {"master_ticket_id": str(master.id), "automatic": automatic, "reason": reason}
    session.add_all(
        [
            _entry(
                ticket, now, "merged", f"{how}：并入 {master.ticket_number}（{reason}）", details
            ),
            _entry(
                master,
                now,
                "caller_added",
                f"{how}：{ticket.ticket_number} 并入本工单，共 {master.caller_count} 位来电人",
                {**details, "ticket_id": str(ticket.id), "caller_count": master.caller_count},
            ),
        ]
    )


async def _leave(
    session: AsyncSession, ticket: Ticket, master: Ticket, *, actor: str, reason: str, now: datetime
) -> None:
    """Undo ``_join``: the ticket stands alone again, the master has one caller fewer."""
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


def _merged_data(
    ticket: Ticket, master: Ticket, *, actor: str, reason: str, automatic: bool, now: datetime
) -> TicketMergedData:
    return TicketMergedData(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        area_code=ticket.area_code,
        actor=actor,
        occurred_at=now,
        master_ticket_id=master.id,
        master_ticket_number=master.ticket_number,
        caller_count=master.caller_count,
        reason=reason,
        automatic=automatic,
    )


def _entry(ticket: Ticket, at: datetime, step: str, summary: str, details: dict) -> TimelineEntry:
    return TimelineEntry(
        ticket_id=ticket.id, at=at, step=step, service="intake", summary=summary, details=details
    )


# --- operator merge and split ---------------------------------------------------------------------


async def lock_pair(session: AsyncSession, first_id: UUID, second_id: UUID) -> None:
    """Row-lock two tickets in id order, so two operators never deadlock each other."""
    await session.execute(
        select(Ticket.id)
        .where(or_(Ticket.id == first_id, Ticket.id == second_id))
        .order_by(Ticket.id)
        .with_for_update()
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
    ensure_area(principal, ticket.area_code)
    ensure_area(principal, master.area_code)
    if ticket.id == master.id:
        raise UnprocessableEntity(
            "a ticket cannot be merged into itself",
            [{"field": "body.master", "message": "same ticket", "type": "same_ticket"}],
        )
    await lock_pair(session, ticket.id, master.id)
    for row in (ticket, master):
        await session.refresh(row)
    _check_mergeable(ticket, master)
    await _join(
        session,
        ticket,
        master,
        automatic=False,
        reason=reason,
        similarity=None,
        actor=principal.subject,
        now=now,
    )
    data = _merged_data(
        ticket, master, actor=principal.subject, reason=reason, automatic=False, now=now
    )
    await runtime.publish(session, _event(TicketMerged, data, ticket, now))


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


async def lock_with_master(session: AsyncSession, ticket: Ticket) -> None:
    """Row-lock a ticket and, when merged, its master, in id order, and reload the ticket."""
    while True:
        master_id = ticket.master_ticket_id
        await lock_pair(session, ticket.id, master_id or ticket.id)
        await session.refresh(ticket)
        if ticket.master_ticket_id == master_id:
            return
        # Merged or split meanwhile: lock the new master too (locks held stay harmless).


async def split_by_operator(
    session: AsyncSession,
    runtime: Runtime,
    *,
    ticket: Ticket,
    reason: str,
    principal: Principal,
) -> Ticket:
    """Undo a wrong merge: the ticket is its own matter again, published in full."""
    now = runtime.now()
    ensure_area(principal, ticket.area_code)
    await lock_with_master(session, ticket)
    if ticket.status != "merged" or ticket.master_ticket_id is None:
        raise Conflict(f"ticket {ticket.ticket_number} is not merged into another ticket")
    master = await _locked_ticket(session, ticket.master_ticket_id)
    await _leave(session, ticket, master, actor=principal.subject, reason=reason, now=now)
    details = {"master_ticket_id": str(master.id), "reason": reason}
    session.add_all(
        [
            _entry(
                ticket, now, "split", f"拆单：从 {master.ticket_number} 拆出（{reason}）", details
            ),
            _entry(
                master,
                now,
                "caller_removed",
                f"拆单：{ticket.ticket_number} 已拆出，剩 {master.caller_count} 位来电人",
                {**details, "ticket_id": str(ticket.id), "caller_count": master.caller_count},
            ),
        ]
    )
    data = _split_data(
        ticket,
        master,
        runtime.settings.phone_hash_key,  # type: ignore[attr-defined]
        reason=reason,
        actor=principal.subject,
        now=now,
    )
    await runtime.publish(session, _event(TicketSplit, data, ticket, now))
    return master


async def detach_from_master(
    session: AsyncSession, ticket: Ticket, *, actor: str, reason: str, now: datetime
) -> Ticket:
    """A merged caller withdrew (撤单): the master keeps the matter with one caller fewer."""
    assert ticket.master_ticket_id is not None
    master = await _locked_ticket(session, ticket.master_ticket_id)
    await _leave(session, ticket, master, actor=actor, reason=reason, now=now)
    session.add(
        _entry(
            master,
            now,
            "caller_removed",
            f"来电人撤单：{ticket.ticket_number} 撤回，剩 {master.caller_count} 位来电人",
            {"ticket_id": str(ticket.id), "caller_count": master.caller_count},
        )
    )
    return master


def _split_data(
    ticket: Ticket, master: Ticket, phone_hash_key: str, *, reason: str, actor: str, now: datetime
) -> TicketSplitData:
    return TicketSplitData(
        ticket_id=ticket.id,
        ticket_number=ticket.ticket_number,
        channel=ticket.channel,
        description=ticket.description,
        category=category_of(ticket),
        urgency=ticket.urgency,
        disposition=ticket.disposition,
        dispositions=ticket.dispositions,
        risk_level=ticket.risk_level,
        location=location_of(ticket),
        area_code=ticket.area_code,
        caller=CallerSummary(
            name_masked=mask_name(ticket.caller_name),
            phone_masked=mask_phone(ticket.caller_phone),
            phone_hash=_phone_hash(ticket.caller_phone, phone_hash_key),
        ),
        reported_at=ticket.reported_at,
        registered_at=ticket.registered_at,
        registered_by=ticket.registered_by,
        external_ref=ticket.external_ref,
        external_received_at=ticket.external_received_at,
        attachments=ticket.attachments or [],
        repeat_of_ticket_id=ticket.repeat_of_ticket_id,
        repeat_count=ticket.repeat_count,
        split_from_ticket_id=master.id,
        reason=reason,
        split_by=actor,
        split_at=now,
    )


def _phone_hash(phone: str | None, key: str) -> str | None:
    # Must equal tickets._phone_hash: consumers match callers across events by this value.
    if not phone:
        return None
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


def _event(event_class, data, ticket: Ticket, now: datetime):  # type: ignore[no-untyped-def]
    return event_class.create(data, subject=str(ticket.id), correlationid=str(ticket.id), time=now)
