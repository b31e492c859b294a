"""Risk assessment's reports on a ticket: a raised alert shows in the timeline; the status
follows the ticket's handling, not the alert."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import AlertRaised
from pingan_intake.timeline.projection import append_entry


async def record_alert_raised(event: AlertRaised, ctx: HandlerContext) -> None:
    data = event.data
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "alert_raised",
        f"风险预警（{data.level.value}）：{data.summary}",
        {"alert_id": str(data.alert_id), "level": data.level.value},
    )
