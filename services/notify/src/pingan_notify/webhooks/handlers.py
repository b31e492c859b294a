"""Every event a subscriber may want becomes one queued webhook delivery per matching
subscription; the body is the event's CloudEvents JSON as published."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import EventEnvelope
from pingan_common.events import dispatch as dispatch_events
from pingan_common.events import intake as intake_events
from pingan_common.events import mediation as mediation_events
from pingan_common.events import riskassess as riskassess_events
from pingan_common.events.dispatch import (
    DirectoryRosterChanged,
    DirectoryStaffChanged,
    DirectoryUnitChanged,
)
from pingan_notify.deliveries.trigger import Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.webhooks.subscriptions import matching_subscriptions

# The directory is internal reference data: never sent to subscribers.
_DIRECTORY_EVENTS = {DirectoryUnitChanged, DirectoryStaffChanged, DirectoryRosterChanged}

SUBSCRIBABLE_EVENTS: list[type[EventEnvelope]] = [
    event_class
    for event_class in (
        *intake_events.EVENTS,
        *dispatch_events.EVENTS,
        *mediation_events.EVENTS,
        *riskassess_events.EVENTS,
    )
    if event_class not in _DIRECTORY_EVENTS
]


async def on_event(event: EventEnvelope, ctx: HandlerContext) -> None:
    writer = DeliveryWriter.for_handler(ctx)
    subscriptions = await matching_subscriptions(ctx.session, event, writer.state.subscriptions)
    if not subscriptions:
        return
    trigger = Trigger.of(event)
    payload = event.model_dump_json()
    for subscription in subscriptions:
        await writer.webhook(trigger, subscription.id, payload)
