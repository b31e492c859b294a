"""Mediation cases: the committee is told of a case opened for it; each session scheduled goes
in-app to the case's mediator and by SMS to each party with a phone; when a case behind a
ticket closes, the citizen gets the same survey SMS (回访) as for any closed ticket."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.county_time import COUNTY_TZ
from pingan_common.events.dispatch import TaskRepliedData
from pingan_common.events.mediation import CaseClosed, CaseOpened, CaseSessionScheduled
from pingan_notify.deliveries.policies import Audience
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import CitizenTicket
from pingan_notify.notices.messages import case_opened_variables
from pingan_notify.notices.units import to_units
from pingan_notify.sms.party_contact import party_recipient_id
from pingan_notify.surveys.callback_survey import send_survey
from pingan_notify.templates.catalog import render


async def on_case_opened(event: CaseOpened, ctx: HandlerContext) -> None:
    data = event.data
    variables = case_opened_variables(
        case_number=data.case_number, ticket_number=data.ticket_number
    )
    # The parties' phones are not in the event: the committee's mediators tell them.
    await to_units(ctx, event, [data.committee_code], "case_opened", variables)


async def on_session_scheduled(event: CaseSessionScheduled, ctx: HandlerContext) -> None:
    """In-app to the case's mediator; an SMS to each party the event names (those with a
    phone), whose number notify reads from mediation when it sends."""
    data = event.data
    writer = DeliveryWriter.for_handler(ctx)
    variables = {
        "case_number": data.case_number,
        "scheduled_at": f"{data.starts_at.astimezone(COUNTY_TZ):%Y-%m-%d %H:%M}",
        "place": data.place,
    }
    trigger = Trigger.of(event)
    if data.mediator_id:
        message = render(writer.state.catalog, "session_scheduled.in_app", variables)
        await writer.in_app(trigger, [Recipient("user", data.mediator_id)], message)
    # One text for every party: the case number, time and place, nothing of the others.
    sms = render(writer.state.catalog, "session_scheduled.sms", variables)
    for ref in dict.fromkeys(data.notify_party_refs):
        party = Recipient("phone", party_recipient_id(data.case_id, ref), Audience.CITIZEN)
        await writer.sms(trigger, party, sms)


async def on_case_closed(event: CaseClosed, ctx: HandlerContext) -> None:
    """The survey, as ``notices.tasks.on_task_replied`` sends it for a replied task; not when
    the ticket itself was withdrawn (retracted or merged: the system withdrew the case)."""
    data = event.data
    if data.ticket_id is None or data.ticket_number is None:
        return  # a walk-in or referral: no ticket, no hotline survey
    if data.outcome == "withdrawn" and data.actor == "system":
        return
    ticket = await ctx.session.get(CitizenTicket, data.ticket_id)
    if ticket is not None and not ticket.phone_masked:
        return  # no number to text
    recipient_id = (
        (ticket.recipient_id or ticket.phone_masked) if ticket else f"caller:{data.ticket_number}"
    )
    recipient = Recipient("phone", recipient_id or "", Audience.CITIZEN)
    # The survey row keys the case in its task column: the answer names the case's id there.
    survey_for = TaskRepliedData(
        task_id=data.case_id,
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        unit_code=data.committee_code,
        area_code=data.area_code,
        actor=data.actor,
        occurred_at=data.occurred_at,
        result=data.summary,
        on_time=True,
    )
    await send_survey(DeliveryWriter.for_handler(ctx), Trigger.of(event), survey_for, recipient)
