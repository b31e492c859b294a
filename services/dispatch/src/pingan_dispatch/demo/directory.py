"""The demo county's directory at start-up, and the routing rules file.

Idempotent and cheap to repeat: a unit or staff member is written (version bumped, event
published) only when it is new or its reference-data record changed since it was last applied
(``seed_hash``), so a restart publishes nothing and keeps an admin's edits of entries whose
reference data did not change. Rosters: the demo rotation is generated for yesterday, today and
the next two weeks where no roster exists yet; rosters a person set are never touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.county_time import COUNTY_TZ
from pingan_common.refdata import CountyData, load_county
from pingan_common.runtime import Runtime
from pingan_dispatch.directory.publisher import DirectoryPublisher
from pingan_dispatch.directory.service import (
    COUNTY_COMMAND_CENTER,
    apply_fields,
    county_day,
    default_supervisor,
    stored_shift,
)
from pingan_dispatch.models import Roster, StaffEntry, Unit
from pingan_dispatch.routing.store import store_packaged_rules

ROSTER_DAYS_AHEAD = 14
SHIFT_CHANGE = time(8, 30)  # 值班 hands over at 08:30 county time
DAY_SHIFT_END = time(17, 30)
_SEED_LOCK = 7_240_101
# Demo leaders so each township center and the command center has two to rotate.
_LEADER_NAMES = (
    "陈志远",
    "黄建华",
    "周文斌",
    "吴国平",
    "徐海涛",
    "孙立新",
    "胡德胜",
    "朱永康",
    "高明辉",
    "林振东",
    "何俊杰",
    "郭宏伟",
    "马晓东",
    "罗志强",
    "梁建军",
    "宋立平",
)
LEADERS_PER_UNIT = 2


async def setup_directory_and_routing(runtime: Runtime) -> None:
    """The start-up hook: the routing rules file always, the demo county when configured."""
    async with runtime.transaction() as session:
        await store_packaged_rules(session, runtime.now())
    if runtime.settings.load_demo_data:
        await load_demo_directory(runtime)


async def load_demo_directory(runtime: Runtime, county: CountyData | None = None) -> int:
    """Seed units, staff and rosters; returns how many directory events were published."""
    county = county or load_county()
    async with runtime.transaction() as session:
        await session.execute(select(func.pg_advisory_xact_lock(_SEED_LOCK)))
        publisher = DirectoryPublisher.in_transaction(runtime, session)
        now = publisher.now
        for unit in await seed(session, Unit, "code", demo_units(county), now):
            await publisher.unit(unit)
        for member in await seed(session, StaffEntry, "user_id", demo_staff(county), now):
            await publisher.staff(member)
        for roster in await seed_rosters(session, demo_rosters(county, county_day(now)), now):
            await publisher.roster(roster)
        return publisher.published


# --- what the demo county holds (pure) ---------------------------------------------------------


def demo_units(county: CountyData) -> dict[str, dict[str, Any]]:
    centers = {u.area_code: u.code for u in county.units if u.kind == "township_center"}
    return {
        unit.code: {
            "name": unit.name,
            "kind": unit.kind,
            "area_code": unit.area_code,
            "parent_code": unit.parent_code,
            "supervisor_code": default_supervisor(unit.kind, unit.area_code, centers),
            "category_groups": list(unit.category_groups),
            "phone": unit.phone,
            "webhook_url": unit.webhook_url,
            "email": None,
            "active": True,
        }
        for unit in county.units
    }


def demo_staff(county: CountyData) -> dict[str, dict[str, Any]]:
    """The reference data's staff, plus generated leaders up to two per township center and
    for the command center, so escalations always find a leader to rotate on duty."""
    staff: dict[str, dict[str, Any]] = {
        member.username: {
            "name": member.display_name,
            "roles": [member.role],
            "unit_code": member.unit_code,
            "area_code": member.area_code,
            "phone": member.phone,
            "active": True,
        }
        for member in county.staff
    }
    names = iter(_LEADER_NAMES)
    for unit_code, area_code in leader_units(county):
        have = [
            u for u, s in staff.items() if s["unit_code"] == unit_code and "leader" in s["roles"]
        ]
        for number in range(len(have) + 1, LEADERS_PER_UNIT + 1):
            user_id = f"leader_{area_code}_{number}"
            staff[user_id] = {
                "name": next(names),
                "roles": ["leader"],
                "unit_code": unit_code,
                "area_code": area_code,
                "phone": f"139{int(area_code) % 10**6:06d}{number:02d}",
                "active": True,
            }
    return staff


def leader_units(county: CountyData) -> list[tuple[str, str]]:
    """The units escalations go to: the command center and every township center."""
    return [
        (unit.code, unit.area_code)
        for unit in county.units
        if unit.kind in ("command_center", "township_center")
    ]


def demo_rosters(county: CountyData, today: date) -> dict[tuple[str, date], list[dict]]:
    """A rotation for yesterday (its night shifts run into today) through two weeks ahead."""
    staff = demo_staff(county)
    dispatchers = sorted(
        u
        for u, s in staff.items()
        if s["unit_code"] == COUNTY_COMMAND_CENTER and "dispatcher" in s["roles"]
    )
    rosters: dict[tuple[str, date], list[dict]] = {}
    for unit_code, _ in leader_units(county):
        leaders = sorted(
            u for u, s in staff.items() if s["unit_code"] == unit_code and "leader" in s["roles"]
        )
        for offset in range(-1, ROSTER_DAYS_AHEAD + 1):
            day = today + timedelta(days=offset)
            shifts = [_shift(_rotate(leaders, day, 0), "leader", day, SHIFT_CHANGE, SHIFT_CHANGE)]
            if unit_code == COUNTY_COMMAND_CENTER and dispatchers:
                shifts.append(
                    _shift(
                        _rotate(dispatchers, day, 0), "dispatcher", day, SHIFT_CHANGE, DAY_SHIFT_END
                    )
                )
                shifts.append(
                    _shift(
                        _rotate(dispatchers, day, 1), "dispatcher", day, DAY_SHIFT_END, SHIFT_CHANGE
                    )
                )
            rosters[(unit_code, day)] = shifts
    return rosters


def _rotate(people: list[str], day: date, shift: int) -> str:
    return people[(day.toordinal() + shift) % len(people)]


def _shift(user_id: str, duty: str, day: date, starts: time, ends: time) -> dict[str, str]:
    """From ``starts`` on ``day`` to ``ends``, on the next day when ``ends`` is not later."""
    starts_at = datetime.combine(day, starts, tzinfo=COUNTY_TZ)
    end_day = day if ends > starts else day + timedelta(days=1)
    ends_at = datetime.combine(end_day, ends, tzinfo=COUNTY_TZ)
    return stored_shift(
        {"user_id": user_id, "duty": duty, "starts_at": starts_at, "ends_at": ends_at}
    )


def seed_hash(fields: Mapping[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- writing it (only what changed) ------------------------------------------------------------


async def seed(
    session: AsyncSession,
    model: type[Any],
    key: str,
    wanted: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> list[Any]:
    """Insert new entries and re-apply those whose reference record changed; returns the
    entries to publish (also those loaded by an older release and never published)."""
    existing: dict[str, Any] = {
        getattr(row, key): row for row in await session.scalars(select(model))
    }
    to_publish: list[Any] = []
    for identity, fields in wanted.items():
        digest = seed_hash(fields)
        row = existing.get(identity)
        if row is None:
            row = model(**{key: identity}, **fields, version=1, seed_hash=digest, changed_at=now)
            session.add(row)
            to_publish.append(row)
        elif row.seed_hash != digest:
            row.seed_hash = digest
            if apply_fields(row, fields, now) or row.changed_at is None:
                row.changed_at = row.changed_at or now
                to_publish.append(row)
    await session.flush()
    return to_publish


async def seed_rosters(
    session: AsyncSession, wanted: Mapping[tuple[str, date], list[dict]], now: datetime
) -> list[Roster]:
    days = {day for _, day in wanted}
    existing = set(
        (
            await session.execute(select(Roster.unit_code, Roster.day).where(Roster.day.in_(days)))
        ).tuples()
    )
    created = [
        Roster(
            unit_code=unit_code,
            day=day,
            shifts=shifts,
            version=1,
            generated=True,
            changed_at=now,
        )
        for (unit_code, day), shifts in wanted.items()
        if (unit_code, day) not in existing
    ]
    session.add_all(created)
    await session.flush()
    return created
