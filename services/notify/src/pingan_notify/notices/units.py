"""Telling units: in-app to each unit's inbox, and an SMS to each that has a mobile contact."""

from __future__ import annotations

from typing import Any

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import EventEnvelope
from pingan_notify.deliveries.policies import Audience
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import TaskContext
from pingan_notify.recipients import directory
from pingan_notify.templates.catalog import render


async def to_units(
    ctx: HandlerContext,
    event: EventEnvelope,
    unit_codes: list[str],
    template: str,
    variables: dict[str, str],
    *,
    urgent: bool = False,
    sms: bool = True,
) -> None:
    """``template`` names the message: its ``.in_app`` and ``.sms`` templates are used."""
    writer = DeliveryWriter.for_handler(ctx)
    catalog = writer.state.catalog
    trigger = Trigger.of(event)
    codes = list(dict.fromkeys(code for code in unit_codes if code))
    in_app = render(catalog, f"{template}.in_app", variables)
    await writer.in_app(trigger, [Recipient("unit", c) for c in codes], in_app, urgent=urgent)
    if not sms:
        return
    message = None
    for code in codes:
        phone = directory.unit_sms_phone(await directory.unit(ctx.session, code))
        if phone is None:
            continue
        message = message or render(catalog, f"{template}.sms", variables)
        recipient = Recipient("unit", code, Audience.STAFF, phone)
        await writer.sms(trigger, recipient, message, urgent=urgent)


async def task_unit_name(ctx: HandlerContext, task_id: Any, unit_code: str | None) -> str:
    """The name of the task's unit: later task events carry only its code."""
    task = await ctx.session.get(TaskContext, task_id)
    known = task.unit_name if task is not None and task.unit_code == unit_code else None
    return await directory.unit_name(ctx.session, unit_code, known)
