"""Recording in-app deliveries and announcing them."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import DeliverySent, DeliverySentData, EventEnvelope
from pingan_common.ids import new_id
from pingan_notify.messages import Notice
from pingan_notify.models import Delivery


async def deliver_in_app(event: EventEnvelope, notices: list[Notice], ctx: HandlerContext) -> None:
    now = ctx.clock()
    table = Delivery.__table__
    for notice in notices:
        delivery_id = new_id()
        inserted = await ctx.session.scalar(
            insert(table)
            .values(
                id=delivery_id,
                channel="in_app",
                recipient_kind=notice.recipient_kind,
                recipient=notice.recipient,
                title=notice.title,
                body=notice.body,
                correlation_id=event.correlationid,
                ticket_id=notice.ticket_id,
                trigger_event_id=event.id,
                trigger_type=event.type,
                status="sent",
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["trigger_event_id", "recipient"])
            .returning(table.c.id)
        )
        if inserted is None:
            continue
        await ctx.publish(
            DeliverySent.create(
                DeliverySentData(
                    delivery_id=delivery_id,
                    channel="in_app",
                    recipient_kind=notice.recipient_kind,
                    recipient=notice.recipient,
                    title=notice.title,
                    ticket_id=notice.ticket_id,
                    trigger_event_id=event.id,
                    trigger_type=event.type,
                    sent_at=now,
                ),
                subject=str(delivery_id),
                correlationid=event.correlationid,
                causation=event,
                time=now,
            )
        )
