"""Tickets: the citizen's receipt SMS with the ticket number, and what later notices need of the
ticket (the caller's masked phone)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import EventEnvelope
from pingan_common.events.intake import TicketMerged, TicketRegistered
from pingan_common.events.values import Disposition
from pingan_notify.deliveries.policies import Audience
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import CitizenTicket
from pingan_notify.notices.messages import ticket_number_variables
from pingan_notify.recipients.citizens import citizen_recipient_id
from pingan_notify.templates.catalog import render


async def on_ticket_registered(event: TicketRegistered, ctx: HandlerContext) -> None:
    data = event.data
    await ctx.session.execute(
        insert(CitizenTicket)
        .values(
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            phone_masked=data.caller.phone_masked,
            recipient_id=_recipient_id(data.caller.phone_masked, data.caller.phone_hash),
            area_code=data.area_code,
            registered_at=data.registered_at,
        )
        .on_conflict_do_nothing(index_elements=["ticket_id"])
    )
    # A consultation answered on the call needs no receipt: the caller has the answer.
    if data.disposition == Disposition.ANSWER or not data.caller.phone_masked:
        return
    await _receipt(
        ctx,
        event,
        data.ticket_number,
        _recipient_id(data.caller.phone_masked, data.caller.phone_hash),
    )


async def on_ticket_merged(event: TicketMerged, ctx: HandlerContext) -> None:
    """A call merged at registration gets its receipt here, naming the master ticket."""
    data = event.data
    if not data.automatic:
        return  # merged later by an operator: the caller already had a receipt
    await _receipt(ctx, event, data.master_ticket_number, None)


async def _receipt(
    ctx: HandlerContext, event: EventEnvelope, ticket_number: str, recipient_id: str | None
) -> None:
    writer = DeliveryWriter.for_handler(ctx)
    message = render(
        writer.state.catalog, "ticket_receipt.sms", ticket_number_variables(ticket_number)
    )
    recipient = Recipient(
        "phone", recipient_id or f"caller:{event.data.ticket_number}", Audience.CITIZEN
    )
    await writer.sms(Trigger.of(event), recipient, message)


def _recipient_id(phone_masked: str | None, phone_hash: str | None) -> str | None:
    return citizen_recipient_id(phone_masked, phone_hash) if phone_masked else None
