"""Risk alerts: who is told, and red/orange alerts told again until someone acknowledges.

Red and orange alerts go to the leader on duty (from the rosters of the units covering the
alert's area) and to the analysts of the area, in-app and by SMS, marked urgent. Where the
directory names nobody for a role, the role of the area gets the in-app item
(``leader@<area>``), which every holder of that role covering the area sees. Yellow and blue
alerts are in-app notices to the roles the alert names.

An alert's text carries the evidence of its signals without the key-person ones
(``alert_text.shareable_evidence``): an SMS leaves the platform, and the registry's category of
a person is not for a notice. A level raised (``alert.level_raised``) is told the same way at
its new level, saying from which level it rose and the new signals' evidence; raised to red or
orange while unacknowledged, it is watched too.

An urgent alert is watched: every ``alert_repeat_interval_s`` it is sent again (with
"第n次提醒" in the title) until an ``alert.acknowledged`` event arrives or someone acknowledges
the in-app item, at most ``alert_repeat_max`` times; its SMS is the reminder template
("第n次提醒，…仍未确认"). Repeats are deliveries of their own,
triggered by a derived id (uuid5 of the alert event and the repeat number), so two replicas
repeating at once still send each repeat once.

Riskassess owns the alert's lifecycle: the inbox's acknowledge (``acknowledge_at_owner``) asks
riskassess to acknowledge the alert *as the user* (forwarding their bearer token, so
riskassess's own rules and area scope decide) and silences the repeats here only once
riskassess has acknowledged it (or says it no longer awaits acknowledgement); its
``alert.acknowledged`` then silences every other copy.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

import httpx
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.alert_text import level_label, shareable_evidence
from pingan_common.events.riskassess import (
    AlertAcknowledged,
    AlertEscalated,
    AlertLevelRaised,
    AlertLevelRaisedData,
    AlertRaised,
    AlertRaisedData,
)
from pingan_common.problems import ProblemError
from pingan_notify.deliveries.policies import Audience
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import AlertWatch, DirectoryStaff, InboxItem
from pingan_notify.notices.messages import (
    URGENT_ALERT_LEVELS,
    alert_variables,
    reminder_number,
    repeat_title,
)
from pingan_notify.recipients import directory
from pingan_notify.settings import NotifySettings
from pingan_notify.templates.catalog import RenderedMessage, render

NO_SHAREABLE_EVIDENCE = "详情请在研判系统中查看"


async def on_alert_raised(event: AlertRaised, ctx: HandlerContext) -> None:
    writer = DeliveryWriter.for_handler(ctx)
    trigger = Trigger.of(event)
    data = event.data.model_copy(update={"summary": raised_summary(event.data)})
    await notify_alert(writer, trigger, data)
    await watch_alert(writer, trigger, data)


def raised_summary(data: AlertRaisedData) -> str:
    """The signals' evidence without the key-person ones (their category is not for a
    notice); an alert raised by those alone says where to look instead."""
    return shareable_evidence(data.signals) or NO_SHAREABLE_EVIDENCE


async def on_alert_escalated(event: AlertEscalated, ctx: HandlerContext) -> None:
    """Nobody acknowledged in time: riskassess escalated the alert one level up; tell the
    leaders on duty and analysts there, as the n-th reminder."""
    data = event.data
    escalated = AlertRaisedData(
        alert_id=data.alert_id,
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        level=data.level,
        signals=[],
        area_code=data.escalated_to_area_code,
        summary=data.summary,
        notify_roles=data.notify_roles,
        raised_at=data.occurred_at,
    )
    writer = DeliveryWriter.for_handler(ctx)
    await notify_alert(writer, Trigger.of(event), escalated, repeat_number=data.escalation_count)


async def on_alert_level_raised(event: AlertLevelRaised, ctx: HandlerContext) -> None:
    data = event.data
    raised = AlertRaisedData(
        alert_id=data.alert_id,
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        level=data.level,
        signals=[],
        area_code=data.area_code,
        summary=level_raised_summary(data),
        notify_roles=data.notify_roles,
        raised_at=data.occurred_at,
        ack_due_at=data.ack_due_at,
    )
    writer = DeliveryWriter.for_handler(ctx)
    trigger = Trigger.of(event)
    await notify_alert(writer, trigger, raised)
    if data.ack_due_at is not None:  # still awaiting acknowledgement
        await watch_alert(writer, trigger, raised)


def level_raised_summary(data: AlertLevelRaisedData) -> str:
    line = f"由{level_label(data.previous_level)}升为{level_label(data.level)}"
    evidence = shareable_evidence(data.signals)
    return f"{line}，{evidence}" if evidence else line


async def on_alert_acknowledged(event: AlertAcknowledged, ctx: HandlerContext) -> None:
    data = event.data
    await acknowledge_alert(
        DeliveryWriter.for_handler(ctx), data.alert_id, data.acknowledged_by, data.acknowledged_at
    )


async def notify_alert(
    writer: DeliveryWriter, trigger: Trigger, data: AlertRaisedData, repeat_number: int = 0
) -> None:
    urgent = data.level.value in URGENT_ALERT_LEVELS
    variables = alert_variables(
        level=data.level.value, ticket_number=data.ticket_number, summary=data.summary
    )
    in_app = render(writer.state.catalog, "alert_raised.in_app", variables)
    people, roles = await _recipients(writer, data)
    in_app_recipients = [Recipient("user", p.user_id) for p in people] + [
        Recipient("role", f"{role}@{data.area_code}") for role in roles
    ]
    await writer.in_app(
        trigger,
        in_app_recipients,
        in_app,
        urgent=urgent,
        requires_ack=urgent,
        alert_id=data.alert_id,
        title=repeat_title(in_app.title or "", repeat_number),
    )
    if not urgent:
        return
    sms = _alert_sms(writer, variables, repeat_number)
    for person in people:
        if directory.is_mobile(person.phone):
            recipient = Recipient("user", person.user_id, Audience.STAFF, person.phone)
            await writer.sms(trigger, recipient, sms, urgent=True)


def _alert_sms(
    writer: DeliveryWriter, variables: dict[str, str], repeat_number: int
) -> RenderedMessage:
    """A repeat or an escalation says which reminder it is, so the leader can tell it from a
    new alert."""
    if repeat_number == 0:
        return render(writer.state.catalog, "alert_raised.sms", variables)
    reminder = variables | {"reminder_number": str(reminder_number(repeat_number))}
    return render(writer.state.catalog, "alert_reminder.sms", reminder)


async def _recipients(
    writer: DeliveryWriter, data: AlertRaisedData
) -> tuple[list[DirectoryStaff], list[str]]:
    """The people the directory names for each role, and the roles it names nobody for."""
    session = writer.session
    people: list[DirectoryStaff] = []
    unresolved: list[str] = []
    for role in data.notify_roles:
        if role == "leader":
            units = await directory.units_covering(session, data.area_code)
            ids = await directory.on_duty(session, units, "leader", writer.now)
            found = await directory.staff(session, ids)
        else:
            found = await directory.staff_with_role_covering(session, role, data.area_code)
        if found:
            people.extend(p for p in found if p.user_id not in {q.user_id for q in people})
        else:
            unresolved.append(role)
    return people, unresolved


async def watch_alert(writer: DeliveryWriter, trigger: Trigger, data: AlertRaisedData) -> None:
    if data.level.value not in URGENT_ALERT_LEVELS:
        return
    interval = timedelta(seconds=writer.state.settings.alert_repeat_interval_s)
    await writer.session.execute(
        insert(AlertWatch)
        .values(
            alert_id=data.alert_id,
            trigger_event_id=trigger.event_id,
            correlation_id=trigger.correlation_id,
            alert=data.model_dump(mode="json"),
            raised_at=data.raised_at,
            repeats_sent=0,
            next_repeat_at=writer.now + interval,
        )
        .on_conflict_do_nothing(index_elements=["alert_id"])
    )


def repeat_trigger(watch: AlertWatch, data: AlertRaisedData, repeat_number: int) -> Trigger:
    return Trigger(
        event_id=uuid.uuid5(watch.trigger_event_id, f"repeat-{repeat_number}"),
        event_type="pingan.riskassess.alert.raised.v1",
        time=data.raised_at,
        correlation_id=watch.correlation_id,
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        area_code=data.area_code,
    )


async def repeat_due_alerts(writer: DeliveryWriter, limit: int = 50) -> int:
    """Send the next repeat of every watched alert that is due; returns how many."""
    settings = writer.state.settings
    watches = list(
        await writer.session.scalars(
            select(AlertWatch)
            .where(
                AlertWatch.acknowledged_at.is_(None),
                AlertWatch.next_repeat_at.is_not(None),
                AlertWatch.next_repeat_at <= writer.now,
            )
            .order_by(AlertWatch.next_repeat_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for watch in watches:
        data = AlertRaisedData.model_validate(watch.alert)
        repeat_number = watch.repeats_sent + 1
        await notify_alert(writer, repeat_trigger(watch, data, repeat_number), data, repeat_number)
        watch.repeats_sent = repeat_number
        more = repeat_number < settings.alert_repeat_max
        interval = timedelta(seconds=settings.alert_repeat_interval_s)
        watch.next_repeat_at = writer.now + interval if more else None
    return len(watches)


async def acknowledge_alert(writer: DeliveryWriter, alert_id: UUID, by: str, at: datetime) -> None:
    session = writer.session
    await session.execute(
        update(AlertWatch)
        .where(AlertWatch.alert_id == alert_id, AlertWatch.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=by, next_repeat_at=None)
    )
    await session.execute(
        update(InboxItem)
        .where(InboxItem.alert_id == alert_id, InboxItem.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=by)
    )


async def acknowledge_at_owner(
    settings: NotifySettings, alert_id: UUID, authorization: str
) -> None:
    """``POST /v1/alerts/{id}/acknowledge`` at riskassess as the user; returns when the alert
    is acknowledged there (200) or no longer awaits it (409: someone acknowledged, or it has
    moved on). Riskassess's 403 and 404 are the user's answer; anything else is a 503, and
    nothing is silenced: the alert keeps repeating until its owner has it acknowledged."""
    url = f"{settings.riskassess_base_url.rstrip('/')}/v1/alerts/{alert_id}/acknowledge"
    try:
        async with httpx.AsyncClient(timeout=settings.riskassess_timeout_s) as client:
            response = await client.post(url, json={}, headers={"Authorization": authorization})
    except httpx.HTTPError as error:
        raise _unavailable(f"riskassess could not be reached ({type(error).__name__})") from error
    if response.status_code in (200, 409):
        return
    if response.status_code in (401, 403, 404):
        detail = _detail(response)
        raise ProblemError(response.status_code, response.reason_phrase, detail)
    raise _unavailable(f"riskassess answered HTTP {response.status_code}")


def _unavailable(detail: str) -> ProblemError:
    return ProblemError(
        503, "Service Unavailable", f"{detail}; the alert is not acknowledged, try again"
    )


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.text)
    except ValueError:
        return response.text
