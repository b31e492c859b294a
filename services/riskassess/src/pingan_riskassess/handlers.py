"""Riskassess reads every registered ticket for risk signals."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import TicketRegistered
from pingan_riskassess.alerts import raise_alert
from pingan_riskassess.rules import assess


async def assess_ticket(event: TicketRegistered, ctx: HandlerContext) -> None:
    assessment = assess(event.data)
    if assessment is not None:
        await raise_alert(event, assessment, ctx)


HANDLERS: HandlerRegistry = {TicketRegistered: [assess_ticket]}
