"""Dispatch reacts to registered tickets that call for a task."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import TicketRegistered
from pingan_dispatch.tasks import needs_task, open_task


async def open_task_for_ticket(event: TicketRegistered, ctx: HandlerContext) -> None:
    if needs_task(event):
        await open_task(event, ctx)


HANDLERS: HandlerRegistry = {TicketRegistered: [open_task_for_ticket]}
