"""The directory copy, kept from the compacted ``dispatch.directory.v1``."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.dispatch import (
    DirectoryRosterChanged,
    DirectoryStaffChanged,
    DirectoryUnitChanged,
)
from pingan_notify.recipients import directory


async def on_unit_changed(event: DirectoryUnitChanged, ctx: HandlerContext) -> None:
    await directory.save_unit(ctx.session, event.data)


async def on_staff_changed(event: DirectoryStaffChanged, ctx: HandlerContext) -> None:
    await directory.save_staff(ctx.session, event.data)


async def on_roster_changed(event: DirectoryRosterChanged, ctx: HandlerContext) -> None:
    await directory.save_roster(ctx.session, event.data)
