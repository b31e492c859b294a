"""The callback survey by SMS (回访): sent when a task is replied, answered by the citizen's reply.

A survey opens when its SMS is sent (we then know the number's keyed hash, never the number).
A reply is matched to the latest open survey sent to that number within ``survey_valid_days``:
"1", "2" or "3" (or 满意 / 基本满意 / 不满意) answers it — ``survey.answered`` is published
and a thank-you SMS goes out at once. The first answer counts: a survey is answered once, and a
later reply from the same number (a change of mind, a double tap) is stored as ``duplicate``
and changes nothing, because dispatch has already acted on the first verdict (closed the task or
reopened it). Anything else is stored as ``unrecognised`` or ``unmatched`` and ignored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import mask_phone
from pingan_common.events.dispatch import TaskRepliedData
from pingan_common.events.notify import SurveyAnswered, SurveyAnsweredData
from pingan_common.ids import new_id
from pingan_notify.deliveries.policies import Audience
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import InboundSms, Survey
from pingan_notify.notices.messages import ticket_number_variables
from pingan_notify.templates.catalog import render

SURVEY_TEMPLATE = "callback_survey.sms"
THANKS_TEMPLATE = "survey_thanks.sms"


def survey_verdict(reply: str) -> str | None:
    """The citizen's answer to "回复1满意，2基本满意，3不满意"; None if it is none of them."""
    cleaned = reply.strip().rstrip("。.!！").strip()
    return {
        "1": "satisfied",
        "满意": "satisfied",
        "2": "basically_satisfied",
        "基本满意": "basically_satisfied",
        "3": "unsatisfied",
        "不满意": "unsatisfied",
    }.get(cleaned)


async def send_survey(
    writer: DeliveryWriter, trigger: Trigger, data: TaskRepliedData, recipient: Recipient
) -> UUID | None:
    message = render(
        writer.state.catalog, SURVEY_TEMPLATE, ticket_number_variables(data.ticket_number)
    )
    delivery_id = await writer.sms(trigger, recipient, message)
    if delivery_id is None:
        return None
    await writer.session.execute(
        insert(Survey)
        .values(
            id=new_id(),
            trigger_event_id=trigger.event_id,
            delivery_id=delivery_id,
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            task_id=data.task_id,
            recipient=recipient.id,
            status="pending",
            created_at=writer.now,
        )
        .on_conflict_do_nothing(index_elements=["trigger_event_id"])
    )
    return delivery_id


async def survey_sent(
    session: AsyncSession, delivery_id: UUID, phone_hash: str, at: datetime
) -> None:
    """The survey SMS left: replies from that number can answer it from now on."""
    await session.execute(
        update(Survey)
        .where(Survey.delivery_id == delivery_id, Survey.status == "pending")
        .values(status="open", phone_hash=phone_hash, sent_at=at)
    )


async def receive_reply(writer: DeliveryWriter, phone: str, phone_hash: str, text: str) -> str:
    """Record one inbound SMS and act on it; returns the outcome stored with it."""
    session = writer.session
    verdict = survey_verdict(text)
    valid_for = timedelta(days=writer.state.settings.survey_valid_days)
    survey = await _latest_survey(session, phone_hash, since=writer.now - valid_for)
    if survey is None:
        outcome = "unmatched"
    elif verdict is None:
        outcome = "unrecognised"
    elif survey.status == "answered":
        outcome = "duplicate"
    else:
        outcome = "answered"
        await _answer(writer, survey, verdict, text, phone)
    session.add(
        InboundSms(
            id=new_id(),
            phone_masked=mask_phone(phone),
            phone_hash=phone_hash,
            text=text[:1000],
            outcome=outcome,
            survey_id=survey.id if survey is not None else None,
            received_at=writer.now,
        )
    )
    return outcome


async def _latest_survey(session: AsyncSession, phone_hash: str, since: datetime) -> Survey | None:
    return await session.scalar(
        select(Survey)
        .where(
            Survey.phone_hash == phone_hash,
            Survey.status.in_(["open", "answered"]),
            Survey.sent_at >= since,
        )
        .order_by(Survey.sent_at.desc())
        .limit(1)
        .with_for_update()
    )


async def _answer(
    writer: DeliveryWriter,
    survey: Survey,
    verdict: str,
    text: str,
    phone: str,
) -> None:
    survey.status = "answered"
    survey.verdict = verdict
    survey.raw_reply = text[:200]
    survey.answered_at = writer.now
    answered = SurveyAnswered.create(
        SurveyAnsweredData(
            survey_id=survey.id,
            ticket_id=survey.ticket_id,
            ticket_number=survey.ticket_number,
            task_id=survey.task_id,
            verdict=verdict,
            raw_reply=text[:200],
            answered_at=writer.now,
        ),
        subject=str(survey.id),
        correlationid=str(survey.ticket_id),
        time=writer.now,
    )
    await writer.publish(answered)
    # A thank-you answers the citizen's own message, so it is not held for quiet hours.
    thanks = render(
        writer.state.catalog, THANKS_TEMPLATE, ticket_number_variables(survey.ticket_number)
    )
    trigger = Trigger(
        event_id=answered.id,
        event_type=answered.type,
        time=answered.time,
        correlation_id=answered.correlationid,
        ticket_id=survey.ticket_id,
        ticket_number=survey.ticket_number,
        area_code=None,
        causation=answered,
    )
    recipient = Recipient("phone", mask_phone(phone), Audience.CITIZEN, phone)
    await writer.sms(trigger, recipient, thanks, urgent=True)
