"""Who to tell: the local copy of dispatch's directory, and recipient resolution over it.

The directory arrives on the compacted ``dispatch.directory.v1``: the latest event per unit,
staff member and roster day is its state. Each carries a version; an older version arriving
late (a replay, another partition's order) never overwrites a newer one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.county_time import county_date
from pingan_common.events.dispatch import (
    DirectoryRosterData,
    DirectoryStaffData,
    DirectoryUnitData,
)
from pingan_notify.models import DirectoryRoster, DirectoryStaff, DirectoryUnit

_MOBILE = re.compile(r"^(\+?86)?1\d{10}$")


async def save_unit(session: AsyncSession, data: DirectoryUnitData) -> None:
    values = {
        "unit_code": data.unit_code,
        "name": data.name,
        "kind": data.kind,
        "parent_code": data.parent_code,
        "supervisor_code": data.supervisor_code,
        "area_code": data.area_code,
        "contacts": [c.model_dump(mode="json") for c in data.contacts],
        "active": data.active,
        "version": data.version,
        "changed_at": data.changed_at,
    }
    await _upsert_newer(session, DirectoryUnit, values, ["unit_code"])


async def save_staff(session: AsyncSession, data: DirectoryStaffData) -> None:
    values = {
        "user_id": data.user_id,
        "name": data.name,
        "roles": list(data.roles),
        "unit_code": data.unit_code,
        "area_code": data.area_code,
        "phone": data.phone,
        "active": data.active,
        "version": data.version,
        "changed_at": data.changed_at,
    }
    await _upsert_newer(session, DirectoryStaff, values, ["user_id"])


async def save_roster(session: AsyncSession, data: DirectoryRosterData) -> None:
    values = {
        "unit_code": data.unit_code,
        "day": data.day,
        "shifts": [s.model_dump(mode="json") for s in data.shifts],
        "version": data.version,
        "changed_at": data.changed_at,
    }
    await _upsert_newer(session, DirectoryRoster, values, ["unit_code", "day"])


async def _upsert_newer(
    session: AsyncSession, model: Any, values: dict[str, Any], keys: list[str]
) -> None:
    table = model.__table__
    statement = insert(table).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=keys,
            set_={k: statement.excluded[k] for k in values if k not in keys},
            where=table.c.version < statement.excluded.version,
        )
    )


def is_mobile(phone: str | None) -> bool:
    if not phone:
        return False
    return bool(_MOBILE.match(phone.replace("-", "").replace(" ", "")))


async def unit(session: AsyncSession, unit_code: str) -> DirectoryUnit | None:
    return await session.get(DirectoryUnit, unit_code)


def unit_sms_phone(row: DirectoryUnit | None) -> str | None:
    """The unit's first mobile contact: landlines cannot receive SMS."""
    if row is None or not row.active:
        return None
    for contact in row.contacts or []:
        if contact.get("kind") == "phone" and is_mobile(contact.get("value")):
            return contact["value"]
    return None


async def unit_name(session: AsyncSession, unit_code: str | None, fallback: str | None) -> str:
    if fallback:
        return fallback
    if unit_code is None:
        return "承办单位"
    row = await unit(session, unit_code)
    return row.name if row is not None else unit_code


async def supervisor_of(session: AsyncSession, unit_code: str | None) -> str | None:
    if unit_code is None:
        return None
    row = await unit(session, unit_code)
    return row.supervisor_code if row is not None else None


async def staff(session: AsyncSession, user_ids: Iterable[str]) -> list[DirectoryStaff]:
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return []
    rows = await session.scalars(
        select(DirectoryStaff).where(DirectoryStaff.user_id.in_(ids), DirectoryStaff.active)
    )
    by_id = {row.user_id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


async def on_duty(
    session: AsyncSession, unit_codes: Iterable[str], duty: str, now: datetime
) -> list[str]:
    """User ids on ``duty`` now in the rosters of these units (yesterday's night shift too)."""
    codes = list(dict.fromkeys(unit_codes))
    if not codes:
        return []
    today = county_date(now)
    rows = await session.scalars(
        select(DirectoryRoster).where(
            DirectoryRoster.unit_code.in_(codes),
            DirectoryRoster.day.in_([today, today - timedelta(days=1)]),
        )
    )
    on_duty_now: list[str] = []
    for roster in rows:
        for shift in roster.shifts:
            starts = datetime.fromisoformat(shift["starts_at"])
            ends = datetime.fromisoformat(shift["ends_at"])
            if shift["duty"] == duty and starts <= now < ends:
                on_duty_now.append(shift["user_id"])
    return list(dict.fromkeys(on_duty_now))


async def units_covering(session: AsyncSession, area_code: str) -> list[str]:
    """Active units whose area contains ``area_code`` (the county centre, the township…)."""
    prefixes = [area_code[:n] for n in range(6, len(area_code) + 1)]
    rows = await session.scalars(
        select(DirectoryUnit.unit_code).where(
            DirectoryUnit.area_code.in_(prefixes), DirectoryUnit.active
        )
    )
    return list(rows)


async def staff_with_role_covering(
    session: AsyncSession, role: str, area_code: str
) -> list[DirectoryStaff]:
    """Active staff holding ``role`` whose own area contains ``area_code``."""
    prefixes = [area_code[:n] for n in range(6, len(area_code) + 1)]
    rows = await session.scalars(
        select(DirectoryStaff)
        .where(DirectoryStaff.area_code.in_(prefixes), DirectoryStaff.active)
        .order_by(DirectoryStaff.user_id)
    )
    return [row for row in rows if role in (row.roles or [])]
