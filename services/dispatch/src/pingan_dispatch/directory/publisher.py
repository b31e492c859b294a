"""Directory changes as events on the compacted ``dispatch.directory.v1``: the latest event per
subject (unit code, user id, ``<unit>/<day>``) is the entry's current state.

Events go through the outbox in the transaction that made the change, so a change and its event
commit together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.events import EventEnvelope
from pingan_common.events.dispatch import (
    Contact,
    DirectoryRosterChanged,
    DirectoryRosterData,
    DirectoryStaffChanged,
    DirectoryStaffData,
    DirectoryUnitChanged,
    DirectoryUnitData,
    RosterShift,
)
from pingan_common.ids import new_id
from pingan_common.runtime import Runtime
from pingan_dispatch.models import Roster, StaffEntry, Unit

# The directory keeps the reference data's finer kinds; the event speaks the coarser ones.
EVENT_UNIT_KIND = {
    "command_center": "command_center",
    "department": "department",
    "township_center": "township",
    "mediation_center": "committee",
    "village_committee": "village",
    "mediation_committee": "committee",
    "grid": "grid",
}


def contacts_of(unit: Unit) -> list[Contact]:
    pairs = (("phone", unit.phone), ("webhook", unit.webhook_url), ("email", unit.email))
    return [Contact(kind=kind, value=value) for kind, value in pairs if value]


def unit_data(unit: Unit) -> DirectoryUnitData:
    return DirectoryUnitData(
        unit_code=unit.code,
        name=unit.name,
        kind=EVENT_UNIT_KIND.get(unit.kind, "department"),
        parent_code=unit.parent_code,
        supervisor_code=unit.supervisor_code,
        area_code=unit.area_code,
        contacts=contacts_of(unit),
        active=unit.active,
        version=unit.version,
        changed_at=unit.changed_at,
    )


def staff_data(member: StaffEntry) -> DirectoryStaffData:
    return DirectoryStaffData(
        user_id=member.user_id,
        name=member.name,
        roles=list(member.roles),
        unit_code=member.unit_code,
        area_code=member.area_code,
        phone=member.phone,
        active=member.active,
        version=member.version,
        changed_at=member.changed_at,
    )


def roster_subject(unit_code: str, day: object) -> str:
    return f"{unit_code}/{day}"


def roster_data(roster: Roster) -> DirectoryRosterData:
    return DirectoryRosterData(
        unit_code=roster.unit_code,
        day=roster.day,
        shifts=[
            RosterShift(
                user_id=shift["user_id"],
                duty=shift["duty"],
                starts_at=datetime.fromisoformat(shift["starts_at"]),
                ends_at=datetime.fromisoformat(shift["ends_at"]),
            )
            for shift in roster.shifts
        ],
        version=roster.version,
        changed_at=roster.changed_at,
    )


@dataclass
class DirectoryPublisher:
    """Publishes directory changes of one operation (one correlation id) into the outbox."""

    add: Callable[[EventEnvelope], Awaitable[None]]
    now: datetime
    correlationid: str = field(default_factory=lambda: str(new_id()))
    published: int = 0

    @classmethod
    def in_transaction(cls, runtime: Runtime, session: AsyncSession) -> DirectoryPublisher:
        return cls(add=partial(runtime.publish, session), now=runtime.now())

    async def unit(self, unit: Unit) -> None:
        await self._publish(DirectoryUnitChanged, unit_data(unit), unit.code)

    async def staff(self, member: StaffEntry) -> None:
        await self._publish(DirectoryStaffChanged, staff_data(member), member.user_id)

    async def roster(self, roster: Roster) -> None:
        subject = roster_subject(roster.unit_code, roster.day)
        await self._publish(DirectoryRosterChanged, roster_data(roster), subject)

    async def _publish(self, event_class: type[EventEnvelope], data: Any, subject: str) -> None:
        event = event_class.create(
            data, subject=subject, correlationid=self.correlationid, time=self.now
        )
        await self.add(event)
        self.published += 1
