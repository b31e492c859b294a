"""Notify's reports on a ticket: whom it told, by which channel (only deliveries about a ticket)."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import DeliverySent
from pingan_intake.timeline.projection import append_entry


async def record_delivery_sent(event: DeliverySent, ctx: HandlerContext) -> None:
    data = event.data
    if data.ticket_id is None:
        return
    await append_entry(
        ctx,
        event,
        data.ticket_id,
        "notified",
        # a citizen's recipient key is "<masked phone>#<hash>": people read the masked phone
        f"已通知 {data.recipient.partition('#')[0]}：{data.title}",
        {
            "delivery_id": str(data.delivery_id),
            "channel": data.channel,
            "recipient": data.recipient,
            "trigger_type": data.trigger_type,
        },
    )
