"""Duplicates in the database: the registration gate (并单, 重复来电), operator merge and split.

The rules themselves are in ``duplicates.py``; this module finds the candidates, serialises
concurrent registrations of one matter, and writes the outcome.

Concurrency: two callers reporting one gas smell at the same moment must end with one master.
The gate takes a transaction-scoped advisory lock on (township, subcategory) before it looks for
a master, so the second registration waits for the first to commit and then sees its ticket
(READ COMMITTED gives each statement a fresh snapshot). Masters are then row-locked before their
caller count changes, as the operator's merge and split do.

The windows and thresholds come from ``IntakeSettings.duplicate_rules()`` (environment
``PINGAN_INTAKE_REPEAT_WINDOW_DAYS``, ``…_REPEAT_THIRD_CALL_COUNT``, ``…_REPEAT_SIMILARITY``,
``…_MERGE_WINDOW_HOURS``, ``…_MERGE_DISTANCE_M``, ``…_MERGE_SIMILARITY``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, ensure_area
from pingan_common.events.intake import (
    TicketMerged,
    TicketMergedData,
    TicketSplit,
    TicketSplitData,
)
from pingan_common.problems import Conflict, UnprocessableEntity
from pingan_common.runtime import Runtime
from pingan_intake.duplicates.rules import (
    NOT_A_MASTER_STATUSES,
    DuplicateRules,
    Matter,
    MergeMatch,
    auto_merge_excluded,
    best_merge,
    is_repeat_of,
    repeat_flag,
)
from pingan_intake.models import Ticket, TicketMerge, TimelineEntry, ticket_number_sequence
from pingan_intake.tickets.event_data import registered_data

SYSTEM = "system"
# Enough for any real cluster; bounds the work per registration whatever happens.
MAX_CANDIDATES = 200
_METRES_PER_DEGREE = 111_320.0
# What the rules read of an earlier ticket: columns, not ORM objects (cheaper to load).
_TICKETS = Ticket.__table__
_GATE_COLUMNS = (
    _TICKETS.c.id,
    _TICKETS.c.ticket_number,
    _TICKETS.c.description,
    _TICKETS.c.category_group,
    _TICKETS.c.category_code,
    _TICKETS.c.dispositions,
    _TICKETS.c.caller_phone,
    _TICKETS.c.grid_code,
    _TICKETS.c.township_code,
    _TICKETS.c.address,
    _TICKETS.c.lon,
    _TICKETS.c.lat,
    _TICKETS.c.registered_at,
    _TICKETS.c.status,
    _TICKETS.c.master_ticket_id,
)


@dataclass(frozen=True)
class DuplicateOutcome:
    merged_into: Ticket | None  # the master this new ticket was merged into (并单)
    repeat_of: Row[Any] | None  # the same caller's first ticket on this matter (重复来电)
    repeat_count: int  # this caller's calls on this matter in the window, incl. this one
    merge_reason: str = ""  # why it was merged, in words (for ticket.merged)
    # What the gate wrote to the new ticket's timeline (repeat call, merge), for the response.
    entries: tuple[TimelineEntry, ...] = field(default=())


def matter_of(ticket: Ticket | Row[Any]) -> Matter:
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
    session: AsyncSession,
    ticket: Ticket,
    now: datetime,
    *,
    rules: DuplicateRules,
    locked: bool = False,
) -> DuplicateOutcome:
    """Link a new ticket to the caller's earlier calls, and merge it into the master of its
    matter if there is one; all in the registering transaction.

    The ticket may still be pending (not flushed): everything is read first, then written, so
    that the registration needs one flush. Call it with autoflush off when the ticket is pending.
    ``locked``: the caller already holds the matter's lock (``next_number_and_lock``).
    """
    new = matter_of(ticket)
    mergeable = bool(ticket.category_code) and not auto_merge_excluded(new)
    if not mergeable and not ticket.caller_phone:
        return DuplicateOutcome(merged_into=None, repeat_of=None, repeat_count=1)
    if mergeable and not locked:
        await _lock_matter(session, ticket)
    related = await _related_tickets(session, ticket, rules, mergeable=mergeable)
    earlier = [
        t
        for t in related
        if _is_earlier_call(ticket, t, rules) and is_repeat_of(new, matter_of(t), rules)
    ]
    match = None
    if mergeable:
        candidates = [t for t in related if _is_same_kind_nearby_in_time(ticket, t, rules)]
        match = await _best_master(session, new, candidates, rules)
    master = await _locked_ticket(session, match.master_id) if match else None
    # Reads done: now the writes, which the registration flushes together.
    entries = []
    repeat_of = earlier[0] if earlier else None
    repeat_count = len(earlier) + 1
    if repeat_of is not None:
        entries.append(_mark_repeat(session, ticket, repeat_of, repeat_count, rules, now))
    if match is None or master is None:
        return DuplicateOutcome(
            merged_into=None,
            repeat_of=repeat_of,
            repeat_count=repeat_count,
            entries=tuple(entries),
        )
    reason = match.reason(ticket.category_label)
    joined = await _join(
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
        merged_into=master,
        repeat_of=repeat_of,
        repeat_count=repeat_count,
        merge_reason=reason,
        entries=(*entries, joined),
    )


def merged_event_data(ticket: Ticket, outcome: DuplicateOutcome, now: datetime) -> TicketMergedData:
    master = outcome.merged_into
    if master is None:
        raise ValueError("merged_event_data needs an outcome with merged_into set")
    return _merged_data(
        ticket, master, actor=SYSTEM, reason=outcome.merge_reason, automatic=True, now=now
    )


def matter_lock_key(ticket: Ticket) -> str | None:
    """The advisory lock that serialises registrations of one kind of matter in one township,
    or None when the ticket can't be merged (nothing to serialise)."""
    if not ticket.category_code or auto_merge_excluded(matter_of(ticket)):
        return None
    return f"pingan_intake.duplicates:{ticket.township_code or '-'}:{ticket.category_code}"


async def next_number_and_lock(session: AsyncSession, ticket: Ticket) -> int:
    """The next ticket-number sequence value and, for a mergeable matter, the matter's lock,
    held until commit: one round trip for both.

    A statement of its own: the duplicate lookup that follows must take its snapshot after the
    lock is granted, or it would miss the ticket the lock holder just committed."""
    key = matter_lock_key(ticket)
    if key is None:
        return await session.scalar(select(ticket_number_sequence.next_value()))
    row = await session.execute(
        select(
            ticket_number_sequence.next_value(),
            func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key"), 0)),
        ),
        {"key": key},
    )
    return row.one()[0]


async def _lock_matter(session: AsyncSession, ticket: Ticket) -> None:
    """Serialise registrations of one kind of matter in one township until commit."""
    key = matter_lock_key(ticket)
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def _related_tickets(
    session: AsyncSession, ticket: Ticket, rules: DuplicateRules, *, mergeable: bool
) -> list[Row[Any]]:
    """In one round trip (each one counts at hundreds of registrations a second): the open
    tickets of the same kind in the township within the merge window near enough to be one
    place, and the caller's tickets within the repeat window. Both halves are index range
    scans bounded by time; oldest first."""
    by_phone = bool(ticket.caller_phone)
    has_point = ticket.lon is not None and ticket.lat is not None
    query = _related_query(mergeable, by_phone, ticket.township_code is not None, has_point)
    params: dict[str, Any] = {"id": ticket.id, "limit": 2 * MAX_CANDIDATES}
    if mergeable:
        params |= {
            "code": ticket.category_code,
            "township": ticket.township_code,
            "merge_from": ticket.registered_at - rules.merge_window,
            "merge_to": ticket.registered_at + rules.merge_window,
            "grid": ticket.grid_code,
        }
        if has_point:
            params |= _box(ticket.lon, ticket.lat, rules.merge_distance_m)  # type: ignore[arg-type]
    if by_phone:
        params |= {
            "phone": ticket.caller_phone,
            "repeat_from": ticket.registered_at - rules.repeat_window,
            "repeat_to": ticket.registered_at,
        }
    rows = await session.execute(query, params)
    return list(reversed(rows.all()))


def _box(lon: float, lat: float, metres: float) -> dict[str, float]:
    """A lon/lat box a little larger than ``metres`` around the point (never too small)."""
    d_lat = 1.1 * metres / _METRES_PER_DEGREE
    d_lon = d_lat / max(0.1, math.cos(math.radians(lat)))
    return {
        "lon_min": lon - d_lon,
        "lon_max": lon + d_lon,
        "lat_min": lat - d_lat,
        "lat_max": lat + d_lat,
    }


@cache
def _related_query(
    mergeable: bool, by_phone: bool, township_known: bool, has_point: bool
) -> Select[Any]:
    """Built once per shape, so a registration only binds values."""
    c = _TICKETS.c
    wanted = []
    if mergeable:
        same_township = (
            c.township_code == bindparam("township")
            if township_known
            else c.township_code.is_(None)
        )
        wanted.append(
            and_(
                c.category_code == bindparam("code"),
                same_township,
                c.registered_at >= bindparam("merge_from"),
                c.registered_at <= bindparam("merge_to"),
                c.status != "closed",
                _maybe_same_place(has_point),
            )
        )
    if by_phone:
        wanted.append(
            and_(
                c.caller_phone == bindparam("phone"),
                c.registered_at >= bindparam("repeat_from"),
                c.registered_at <= bindparam("repeat_to"),
            )
        )
    return (
        select(*_GATE_COLUMNS)
        .where(or_(*wanted), c.id != bindparam("id"))
        # Newest first, so a caller with hundreds of calls can't crowd out today's matters.
        .order_by(c.registered_at.desc(), c.id.desc())
        .limit(bindparam("limit"))
    )


def _maybe_same_place(has_point: bool):  # type: ignore[no-untyped-def]
    """A superset of ``duplicates.same_place`` the database can test: it keeps the lookup small
    however many tickets of one kind a township has, and the rules then decide exactly."""
    c = _TICKETS.c
    same_grid = and_(c.grid_code.is_not(None), c.grid_code == bindparam("grid"))
    other_than_point = or_(same_grid, c.address.is_not(None))
    if not has_point:
        return other_than_point
    in_box = and_(
        c.lon.between(bindparam("lon_min"), bindparam("lon_max")),
        c.lat.between(bindparam("lat_min"), bindparam("lat_max")),
    )
    return or_(in_box, and_(or_(c.lon.is_(None), c.lat.is_(None)), other_than_point))


def _is_earlier_call(ticket: Ticket, other: Row[Any], rules: DuplicateRules) -> bool:
    return (
        bool(ticket.caller_phone)
        and other.caller_phone == ticket.caller_phone
        and ticket.registered_at - rules.repeat_window
        <= other.registered_at
        <= ticket.registered_at
    )


def _is_same_kind_nearby_in_time(ticket: Ticket, other: Row[Any], rules: DuplicateRules) -> bool:
    return (
        other.category_code == ticket.category_code
        and other.township_code == ticket.township_code
        and abs(other.registered_at - ticket.registered_at) <= rules.merge_window
        and other.status != "closed"
    )


async def _best_master(
    session: AsyncSession, new: Matter, candidates: list[Row[Any]], rules: DuplicateRules
) -> MergeMatch | None:
    """Candidates may be masters or tickets merged into one; older masters are fetched."""
    matters = [matter_of(t) for t in candidates]
    masters = {m.id: m for m in matters if m.master_id is None}
    missing = {m.master_id for m in matters if m.master_id and m.master_id not in masters}
    if missing:
        older = await session.execute(select(*_GATE_COLUMNS).where(_TICKETS.c.id.in_(missing)))
        masters.update((t.id, matter_of(t)) for t in older)
    return best_merge(new, matters, masters, rules)


def _mark_repeat(
    session: AsyncSession,
    ticket: Ticket,
    first: Row[Any],
    count: int,
    rules: DuplicateRules,
    now: datetime,
) -> TimelineEntry:
    """Link the call to the caller's first; returns the new ticket's timeline entry."""
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
    own = intake_entry(
        ticket,
        now,
        "repeat_call",
        f"{prominent}重复来电：来电人 {days} 天内第 {count} 次反映此事项"
        f"（首次工单 {first.ticket_number}）",
        details,
    )
    session.add_all(
        [
            own,
            intake_entry(
                first,
                now,
                "repeat_call",
                f"{prominent}来电人再次来电（第 {count} 次），新工单 {ticket.ticket_number}",
                {**details, "ticket_id": str(ticket.id)},
            ),
        ]
    )
    return own


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


def intake_entry(
    ticket: Ticket | Row[Any], at: datetime, step: str, summary: str, details: dict
) -> TimelineEntry:
    """A timeline entry written by intake itself (merges, splits, repeat calls, amendments)."""
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
        intake_entry(
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
        **registered_data(ticket, phone_hash_key).model_dump(),
        split_from_ticket_id=master.id,
        reason=reason,
        split_by=actor,
        split_at=now,
    )


def _event(event_class, data, ticket: Ticket, now: datetime):  # type: ignore[no-untyped-def]
    return event_class.create(data, subject=str(ticket.id), correlationid=str(ticket.id), time=now)
