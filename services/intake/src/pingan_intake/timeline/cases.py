"""Mediation's reports on a ticket: a case opened puts the ticket in mediation."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import CaseOpened
from pingan_intake.timeline.projection import append_entry


async def record_case_opened(event: CaseOpened, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "case_opened",
        f"调解案件 {data.case_number} 已由 {data.committee_name} 受理",
        {"case_id": str(data.case_id), "committee_code": data.committee_code},
        status="mediating",
    )
