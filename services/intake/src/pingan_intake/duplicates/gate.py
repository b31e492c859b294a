"""The registration gate for duplicates: is a new call a repeat by the same caller (重复来电), or
one more caller on a matter already open (并单)? The rules are in ``rules.py``; this module finds
the candidates, serialises concurrent registrations of one matter, and writes the outcome.

Two halves, two stages of the registration: ``judge`` reads and decides before the new ticket
exists; ``record`` writes the decision with the ticket (repeat link, joining the master), so the
registration's writes go to the database in one flush.

Concurrency: two callers reporting one gas smell at the same moment must end with one master.
``judge`` first takes a transaction-scoped advisory lock on (township, subcategory), so the second
registration waits for the first to commit and then sees its ticket (READ COMMITTED gives each
statement a fresh snapshot). Masters are then row-locked before their caller count changes, as
the operator's merge and split do.

The windows and thresholds come from ``IntakeSettings.duplicate_rules()`` (environment
``PINGAN_INTAKE_REPEAT_WINDOW_DAYS``, ``…_REPEAT_THIRD_CALL_COUNT``, ``…_REPEAT_SIMILARITY``,
``…_MERGE_WINDOW_HOURS``, ``…_MERGE_DISTANCE_M``, ``…_MERGE_SIMILARITY``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_intake.duplicates.merging import SYSTEM, join
from pingan_intake.duplicates.rules import (
    DuplicateRules,
    Matter,
    MergeMatch,
    auto_merge_excluded,
    best_merge,
    is_repeat_of,
    repeat_flag,
)
from pingan_intake.models import Ticket, TimelineEntry, ticket_number_sequence
from pingan_intake.tickets.lookup import locked_ticket
from pingan_intake.timeline.entries import intake_entry

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
    _TICKETS.c.place_key,
    _TICKETS.c.lon,
    _TICKETS.c.lat,
    _TICKETS.c.registered_at,
    _TICKETS.c.status,
    _TICKETS.c.master_ticket_id,
)


@dataclass(frozen=True)
class RepeatCall:
    first: Row[Any]  # the caller's first ticket on this matter
    count: int  # the caller's calls on the matter within the window, this one included
    flag: str | None
    window_days: int


@dataclass(frozen=True)
class MasterToJoin:
    master: Ticket  # row-locked until commit
    match: MergeMatch


@dataclass(frozen=True)
class Verdict:
    # The new ticket's number comes with the matter's lock: one round trip for both.
    sequence: int
    repeat: RepeatCall | None = None
    merge: MasterToJoin | None = None


@dataclass(frozen=True)
class DuplicateOutcome:
    merged_into: Ticket | None
    merge_reason: str = ""  # why it was merged, in words (for ticket.merged)
    # What the gate wrote to the new ticket's timeline (repeat call, merge), for the response.
    entries: tuple[TimelineEntry, ...] = ()


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
        township_code=ticket.township_code,
        place_key=ticket.place_key,
    )


async def judge(session: AsyncSession, new: Matter, rules: DuplicateRules) -> Verdict:
    """The caller's earlier calls on the matter and the master to join, if any; reads only.
    The matter's lock is held from here until the registering transaction commits."""
    mergeable = _mergeable(new)
    sequence = await _next_number_and_lock(session, new, mergeable=mergeable)
    if not mergeable and not new.caller_phone:
        return Verdict(sequence)
    related = await _related_tickets(session, new, rules, mergeable=mergeable)
    earlier = [
        t
        for t in related
        if _is_earlier_call(new, t, rules) and is_repeat_of(new, matter_of(t), rules)
    ]
    merge = None
    if mergeable:
        candidates = [t for t in related if _is_same_kind_nearby_in_time(new, t, rules)]
        match = await _best_master(session, new, candidates, rules)
        master = await locked_ticket(session, match.master_id) if match else None
        merge = MasterToJoin(master, match) if match and master is not None else None
    return Verdict(sequence, repeat=_repeat_call(earlier, rules), merge=merge)


def record(
    session: AsyncSession, ticket: Ticket, verdict: Verdict, now: datetime
) -> DuplicateOutcome:
    """Write the verdict with the new ticket: the repeat link, then joining the master."""
    entries = []
    if verdict.repeat is not None:
        entries.append(_mark_repeat(session, ticket, verdict.repeat, now))
    if verdict.merge is None:
        return DuplicateOutcome(merged_into=None, entries=tuple(entries))
    master, match = verdict.merge.master, verdict.merge.match
    reason = match.reason(ticket.category_label)
    joined = join(
        session,
        ticket,
        master,
        automatic=True,
        reason=reason,
        similarity=match.similarity,
        actor=SYSTEM,
        now=now,
    )
    return DuplicateOutcome(merged_into=master, merge_reason=reason, entries=(*entries, joined))


def _mergeable(matter: Matter) -> bool:
    return bool(matter.category_code) and not auto_merge_excluded(matter)


def _repeat_call(earlier: list[Row[Any]], rules: DuplicateRules) -> RepeatCall | None:
    if not earlier:
        return None
    count = len(earlier) + 1
    return RepeatCall(
        first=earlier[0],
        count=count,
        flag=repeat_flag(count, rules),
        window_days=int(rules.repeat_window.total_seconds() // 86400),
    )


async def _next_number_and_lock(session: AsyncSession, new: Matter, *, mergeable: bool) -> int:
    """The next ticket-number sequence value and, for a mergeable matter, the lock that
    serialises registrations of one kind of matter in one township, held until commit.

    A statement of its own: the duplicate lookup that follows must take its snapshot after the
    lock is granted, or it would miss the ticket the lock holder just committed."""
    if not mergeable:
        return (await session.execute(select(ticket_number_sequence.next_value()))).scalar_one()
    key = f"pingan_intake.duplicates:{new.township_code or '-'}:{new.category_code}"
    row = await session.execute(
        select(
            ticket_number_sequence.next_value(),
            func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key"), 0)),
        ),
        {"key": key},
    )
    return row.one()[0]


async def _related_tickets(
    session: AsyncSession, new: Matter, rules: DuplicateRules, *, mergeable: bool
) -> list[Row[Any]]:
    """In one round trip (each one counts at hundreds of registrations a second): the open
    tickets of the same kind in the township within the merge window near enough to be one
    place, and the caller's tickets within the repeat window. Both halves are index range
    scans bounded by time; oldest first."""
    by_phone = bool(new.caller_phone)
    has_point = new.lon is not None and new.lat is not None
    query = _related_query(mergeable, by_phone, new.township_code is not None, has_point)
    params: dict[str, Any] = {"id": new.id, "limit": 2 * MAX_CANDIDATES}
    if mergeable:
        params |= {
            "code": new.category_code,
            "township": new.township_code,
            "merge_from": new.registered_at - rules.merge_window,
            "merge_to": new.registered_at + rules.merge_window,
            "grid": new.grid_code,
        }
        if new.lon is not None and new.lat is not None:  # has_point, narrowed
            params |= _box(new.lon, new.lat, rules.merge_distance_m)
    if by_phone:
        params |= {
            "phone": new.caller_phone,
            "repeat_from": new.registered_at - rules.repeat_window,
            "repeat_to": new.registered_at,
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


def _maybe_same_place(has_point: bool) -> ColumnElement[bool]:
    """A superset of ``rules.same_place`` the database can test: it keeps the lookup small
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


def _is_earlier_call(new: Matter, other: Row[Any], rules: DuplicateRules) -> bool:
    return (
        bool(new.caller_phone)
        and other.caller_phone == new.caller_phone
        and new.registered_at - rules.repeat_window <= other.registered_at <= new.registered_at
    )


def _is_same_kind_nearby_in_time(new: Matter, other: Row[Any], rules: DuplicateRules) -> bool:
    return (
        other.category_code == new.category_code
        and other.township_code == new.township_code
        and abs(other.registered_at - new.registered_at) <= rules.merge_window
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
    session: AsyncSession, ticket: Ticket, repeat: RepeatCall, now: datetime
) -> TimelineEntry:
    """Link the call to the caller's first; returns the new ticket's timeline entry."""
    first, count = repeat.first, repeat.count
    ticket.repeat_of_ticket_id = first.id
    ticket.repeat_count = count
    ticket.repeat_flag = repeat.flag
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
        f"{prominent}重复来电：来电人 {repeat.window_days} 天内第 {count} 次反映此事项"
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
