"""Mediation cases: the committee is told of a case opened for it."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.mediation import CaseOpened
from pingan_notify.notices.messages import case_opened_variables
from pingan_notify.notices.units import to_units


async def on_case_opened(event: CaseOpened, ctx: HandlerContext) -> None:
    data = event.data
    variables = case_opened_variables(
        case_number=data.case_number, ticket_number=data.ticket_number
    )
    # The parties' phones are not in the event: the committee's mediators tell them.
    await to_units(ctx, event, [data.committee_code], "case_opened", variables)
