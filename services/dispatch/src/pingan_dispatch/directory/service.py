"""The org directory: units in a hierarchy, staff, on-duty rosters (值班表).

Pure rules first (code formats, the default supervisor, cycles, what a change must satisfy),
then the database operations. Every change bumps the entry's version and publishes its
Directory*Changed event in the same transaction (``directory_publisher``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import any_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.county_time import COUNTY_TZ
from pingan_dispatch.models import Roster, StaffEntry, Unit

if TYPE_CHECKING:
    from pingan_dispatch.directory.publisher import DirectoryPublisher

COUNTY_COMMAND_CENTER = "331199-CC"
UNIT_CODE = re.compile(r"^(\d{6}|\d{9}|\d{12}|\d{14})-[A-Z][A-Z0-9]{0,7}(-[A-Z0-9]{1,8})?$")
USER_ID = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
# The role a staff member needs to take a duty on a roster.
DUTY_ROLES = {
    "leader": "leader",
    "dispatcher": "dispatcher",
    "handler": "handler",
    "analyst": "analyst",
}
MAX_SHIFT = timedelta(hours=24)
# Units that report straight to the county: everything else is supervised by its township.
COUNTY_SUPERVISED = frozenset({"department", "township_center"})


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


# --- pure rules ---------------------------------------------------------------------------------


def county_day(at: datetime) -> date:
    """The calendar day in the county at ``at``: rosters and 'today' are county days."""
    return at.astimezone(COUNTY_TZ).date()


def default_supervisor(
    kind: str, area_code: str, township_centers: Mapping[str, str]
) -> str | None:
    """Who supervises (督办) a unit unless an admin says otherwise: the command center for
    departments and township centers; the township's 综治中心 for everything below it."""
    if kind == "command_center":
        return None
    if kind in COUNTY_SUPERVISED or len(area_code) < 9:
        return COUNTY_COMMAND_CENTER
    return township_centers.get(area_code[:9], COUNTY_COMMAND_CENTER)


def creates_cycle(code: str, new_link: str | None, link_of: Mapping[str, str | None]) -> bool:
    """True if pointing ``code`` at ``new_link`` (parent or supervisor) closes a loop."""
    seen: set[str] = set()
    current = new_link
    while current is not None:
        if current == code or current in seen:
            return True
        seen.add(current)
        current = link_of.get(current)
    return False


@dataclass(frozen=True)
class UnitFacts:
    """What validation needs to know about the units a change refers to."""

    parent: Unit | None
    supervisor: Unit | None
    parent_of: Mapping[str, str | None]
    supervisor_of: Mapping[str, str | None]
    active_children: int


def unit_problems(code: str, fields: Mapping[str, Any], facts: UnitFacts) -> list[Problem]:
    """Everything wrong with setting unit ``code`` to ``fields``; [] when it may be saved."""
    problems: list[Problem] = []
    area, kind = fields["area_code"], fields["kind"]
    parent_code, supervisor_code = fields["parent_code"], fields["supervisor_code"]
    if not UNIT_CODE.match(code):
        problems.append(
            Problem("code", f"{code} is not a unit code like 331199001-ZZ or 331199-D-GA")
        )
    elif not code.startswith(f"{area}-"):
        problems.append(Problem("area_code", f"the code {code} must start with its area {area}-"))
    if parent_code is None:
        if kind != "command_center":
            problems.append(Problem("parent_code", "only the command center has no parent"))
    elif parent_code == code:
        problems.append(Problem("parent_code", "a unit cannot be its own parent"))
    elif facts.parent is None or not facts.parent.active:
        problems.append(Problem("parent_code", f"parent unit {parent_code} does not exist"))
    elif creates_cycle(code, parent_code, facts.parent_of):
        problems.append(Problem("parent_code", f"{parent_code} lies below {code}: a cycle"))
    elif not area.startswith(facts.parent.area_code):
        problems.append(
            Problem(
                "area_code", f"area {area} lies outside the parent's area {facts.parent.area_code}"
            )
        )
    if supervisor_code is not None:
        if supervisor_code == code:
            problems.append(Problem("supervisor_code", "a unit cannot supervise itself"))
        elif facts.supervisor is None or not facts.supervisor.active:
            problems.append(
                Problem("supervisor_code", f"supervising unit {supervisor_code} does not exist")
            )
        elif creates_cycle(code, supervisor_code, facts.supervisor_of):
            problems.append(
                Problem("supervisor_code", f"{supervisor_code} is supervised by {code}: a cycle")
            )
    if not fields["active"] and facts.active_children:
        problems.append(
            Problem("active", f"{facts.active_children} active units still report to {code}")
        )
    return problems


def staff_problems(user_id: str, fields: Mapping[str, Any], unit: Unit | None) -> list[Problem]:
    problems: list[Problem] = []
    if not USER_ID.match(user_id):
        problems.append(Problem("user_id", f"{user_id} is not a user id like leader1"))
    if unit is None or not unit.active:
        problems.append(Problem("unit_code", f"unit {fields['unit_code']} does not exist"))
    elif not fields["area_code"].startswith(unit.area_code):
        problems.append(
            Problem("area_code", f"area {fields['area_code']} lies outside the unit's area")
        )
    return problems


def roster_problems(
    day: date, shifts: Sequence[Mapping[str, Any]], staff: Mapping[str, StaffEntry]
) -> list[Problem]:
    problems: list[Problem] = []
    for index, shift in enumerate(shifts):
        where = f"shifts[{index}]"
        starts, ends = shift["starts_at"], shift["ends_at"]
        if not starts < ends <= starts + MAX_SHIFT:
            problems.append(Problem(where, "a shift ends after it starts, within 24 hours"))
        if county_day(starts) != day:
            problems.append(Problem(f"{where}.starts_at", f"the shift must start on {day}"))
        member = staff.get(shift["user_id"])
        if member is None or not member.active:
            problems.append(Problem(f"{where}.user_id", f"no active staff {shift['user_id']}"))
        elif DUTY_ROLES[shift["duty"]] not in member.roles:
            problems.append(
                Problem(
                    f"{where}.duty", f"{member.user_id} lacks the role for {shift['duty']} duty"
                )
            )
    return problems


def shifts_covering(rosters: Sequence[Roster], at: datetime, duty: str) -> list[str]:
    """User ids whose ``duty`` shift runs at ``at``, in roster order, without repeats."""
    found: dict[str, None] = {}
    for roster in rosters:
        for shift in roster.shifts:
            starts = datetime.fromisoformat(shift["starts_at"])
            ends = datetime.fromisoformat(shift["ends_at"])
            if shift["duty"] == duty and starts <= at < ends:
                found.setdefault(shift["user_id"])
    return list(found)


# --- reads ---------------------------------------------------------------------------------------


async def township_centers(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(
        select(Unit.area_code, Unit.code).where(Unit.kind == "township_center", Unit.active)
    )
    return {area: code for area, code in rows}


async def supervisor_code_of(session: AsyncSession, unit_code: str) -> str | None:
    unit = await session.get(Unit, unit_code)
    if unit is None:
        return None
    if unit.supervisor_code is not None or unit.kind == "command_center":
        return unit.supervisor_code
    return default_supervisor(unit.kind, unit.area_code, await township_centers(session))


async def rosters_around(session: AsyncSession, unit_code: str, at: datetime) -> list[Roster]:
    """The rosters of the county day of ``at`` and the day before (night shifts run over)."""
    day = county_day(at)
    rows = await session.scalars(
        select(Roster)
        .where(Roster.unit_code == unit_code, Roster.day.in_((day - timedelta(days=1), day)))
        .order_by(Roster.day)
    )
    return list(rows)


async def on_duty_user_ids(
    session: AsyncSession, unit_code: str, at: datetime, duty: str = "leader"
) -> list[str]:
    """Who is on ``duty`` for the unit at ``at``: the roster's shifts; where the roster has
    nobody (no roster set, or a gap), the unit's active staff holding that role, so an
    escalation always reaches someone."""
    rostered = shifts_covering(await rosters_around(session, unit_code, at), at, duty)
    if rostered:
        active = set(
            await session.scalars(
                select(StaffEntry.user_id).where(
                    StaffEntry.user_id.in_(rostered), StaffEntry.active
                )
            )
        )
        on_duty = [user_id for user_id in rostered if user_id in active]
        if on_duty:
            return on_duty
    role = DUTY_ROLES.get(duty, duty)
    rows = await session.scalars(
        select(StaffEntry.user_id)
        .where(
            StaffEntry.unit_code == unit_code,
            StaffEntry.active,
            any_(StaffEntry.roles) == role,
        )
        .order_by(StaffEntry.user_id)
    )
    return list(rows)


async def children_count(session: AsyncSession, unit_code: str) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Unit).where(Unit.parent_code == unit_code, Unit.active)
    )
    return int(count or 0)


async def unit_facts(session: AsyncSession, code: str, fields: Mapping[str, Any]) -> UnitFacts:
    """The links of the whole directory (a county has hundreds of units, so one query)."""
    rows = (await session.execute(select(Unit.code, Unit.parent_code, Unit.supervisor_code))).all()
    parent = await session.get(Unit, fields["parent_code"]) if fields["parent_code"] else None
    supervisor = (
        await session.get(Unit, fields["supervisor_code"]) if fields["supervisor_code"] else None
    )
    return UnitFacts(
        parent=parent,
        supervisor=supervisor,
        parent_of={row.code: row.parent_code for row in rows},
        supervisor_of={row.code: row.supervisor_code for row in rows},
        active_children=await children_count(session, code),
    )


# --- changes ------------------------------------------------------------------------------------

UNIT_FIELDS = (
    "name",
    "kind",
    "area_code",
    "parent_code",
    "supervisor_code",
    "category_groups",
    "phone",
    "webhook_url",
    "email",
    "active",
)
STAFF_FIELDS = ("name", "roles", "unit_code", "area_code", "phone", "active")


class DirectoryInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


class VersionConflict(ValueError):
    def __init__(self, what: str, expected: int, actual: int | None) -> None:
        super().__init__(f"{what} is at version {actual}, not {expected}; reload and retry")
        self.actual = actual


@dataclass(frozen=True)
class Saved:
    entry: Any
    created: bool
    changed: bool


def apply_fields(entry: Any, fields: Mapping[str, Any], now: datetime) -> bool:
    """Copy ``fields`` onto ``entry``; on a real change bump its version. True if changed."""
    changed = any(getattr(entry, name) != value for name, value in fields.items())
    if changed:
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.version += 1
        entry.changed_at = now
    return changed


def _check_version(what: str, entry: Any, expected: int | None) -> None:
    actual = entry.version if entry is not None else None
    if expected is not None and expected != actual:
        raise VersionConflict(what, expected, actual)


async def save_unit(
    session: AsyncSession,
    code: str,
    fields: Mapping[str, Any],
    *,
    now: datetime,
    publisher: DirectoryPublisher,
    expected_version: int | None = None,
) -> Saved:
    """Create or replace unit ``code`` after validation; publish it if anything changed."""
    unit = await session.get(Unit, code, with_for_update=True)
    _check_version(f"unit {code}", unit, expected_version)
    fields = dict(fields)
    if fields["supervisor_code"] is None:
        centers = await township_centers(session)
        fields["supervisor_code"] = default_supervisor(fields["kind"], fields["area_code"], centers)
    _ensure_valid(unit_problems(code, fields, await unit_facts(session, code, fields)))
    return await _store(session, Unit, {"code": code}, unit, fields, now, publisher.unit)


async def save_staff(
    session: AsyncSession,
    user_id: str,
    fields: Mapping[str, Any],
    *,
    now: datetime,
    publisher: DirectoryPublisher,
    expected_version: int | None = None,
) -> Saved:
    member = await session.get(StaffEntry, user_id, with_for_update=True)
    _check_version(f"staff {user_id}", member, expected_version)
    unit = await session.get(Unit, fields["unit_code"])
    _ensure_valid(staff_problems(user_id, fields, unit))
    key = {"user_id": user_id}
    return await _store(session, StaffEntry, key, member, fields, now, publisher.staff)


async def save_roster(
    session: AsyncSession,
    unit_code: str,
    day: date,
    shifts: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    publisher: DirectoryPublisher,
    expected_version: int | None = None,
) -> Saved:
    """Set a unit's roster for a day; a person's roster is never overwritten by the demo."""
    unit = await session.get(Unit, unit_code)
    if unit is None or not unit.active:
        raise DirectoryInvalid([Problem("unit_code", f"unit {unit_code} does not exist")])
    roster = await session.get(Roster, (unit_code, day), with_for_update=True)
    _check_version(f"roster {unit_code}/{day}", roster, expected_version)
    user_ids = {shift["user_id"] for shift in shifts}
    staff = {
        member.user_id: member
        for member in await session.scalars(
            select(StaffEntry).where(StaffEntry.user_id.in_(user_ids))
        )
    }
    _ensure_valid(roster_problems(day, shifts, staff))
    fields = {"shifts": [stored_shift(shift) for shift in shifts], "generated": False}
    key = {"unit_code": unit_code, "day": day}
    return await _store(session, Roster, key, roster, fields, now, publisher.roster)


def _ensure_valid(problems: list[Problem]) -> None:
    if problems:
        raise DirectoryInvalid(problems)


async def _store(
    session: AsyncSession,
    model: Any,
    key: Mapping[str, Any],
    existing: Any,
    fields: Mapping[str, Any],
    now: datetime,
    publish: Callable[[Any], Awaitable[None]],
) -> Saved:
    """Insert a new entry or update ``existing``; publish it only if anything changed."""
    if existing is None:
        entry = model(**key, **fields, version=1, changed_at=now)
        session.add(entry)
    elif apply_fields(existing, fields, now):
        entry = existing
    else:
        return Saved(existing, created=False, changed=False)
    try:
        await session.flush()
    except IntegrityError as error:
        # Two PUTs creating the same entry at once: the second finds it created meanwhile
        # (it was a 500, found by the security matrix); a retry sees version 1.
        if existing is not None:
            raise
        what = f"{model.__tablename__} {'/'.join(str(v) for v in key.values())}"
        raise VersionConflict(what, 0, 1) from error
    await publish(entry)
    return Saved(entry, created=existing is None, changed=True)


def stored_shift(shift: Mapping[str, Any]) -> dict[str, str]:
    return {
        "user_id": shift["user_id"],
        "duty": shift["duty"],
        "starts_at": shift["starts_at"].isoformat(),
        "ends_at": shift["ends_at"].isoformat(),
    }
