"""Mediation reacts to registered tickets that call for a mediation case."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import TicketRegistered
from pingan_mediation.cases import needs_case, open_case


async def open_case_for_ticket(event: TicketRegistered, ctx: HandlerContext) -> None:
    if needs_case(event):
        await open_case(event, ctx)


HANDLERS: HandlerRegistry = {TicketRegistered: [open_case_for_ticket]}
