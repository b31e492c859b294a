"""SMS to citizens through the real gateway simulator: receipts, the callback survey and its
answer, quiet hours, the rate limit and the daily budget.

The service clock is the test's: each test moves it to a day of its own (10:00 county time), so
per-day budgets and hourly rate limits never mix between tests; quiet hours set it to 22:30 and
then past 08:00. Numbers come from a real HTTP stand-in for intake's caller-contact endpoint.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from pingan_common.auth import mask_phone
from pingan_common.events import parse_event
from pingan_common.events.mediation import CaseClosed, CaseClosedData
from pingan_common.events.notify import SurveyAnswered
from pingan_common.testing.harness import ServiceHarness
from pingan_common.testing.servers import serve_here
from pingan_common.testing.services import TestStack, eventually
from pingan_common.testing.sms_gateway import SMS_CALLBACK_TOKEN
from pingan_notify.sms.receipts import apply_early_report
from services.notify.tests.service.harness import Clock, notify_service

COUNTY = ZoneInfo("Asia/Shanghai")
_days = itertools.count(1)
_phones = itertools.count(1)
CLOCK = Clock()


@pytest.fixture(scope="module")
async def notify(
    module_stack: TestStack, sms_gateway_server: Any, contacts: Any
) -> AsyncIterator[ServiceHarness]:
    async with notify_service(
        module_stack,
        sms_gateway_server,
        contacts,
        clock=CLOCK,
        sms_rate_limit_per_recipient=2,
        sms_rate_limit_window_s=3600,
        sms_daily_budget_segments=4,
        sms_budget_near_ratio=0.5,
        retry_base_s=0.05,
        retry_cap_s=0.1,
    ) as harness:
        yield harness


@pytest.fixture(scope="module")
async def live_url(notify) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with serve_here(notify.service.app) as url:
        yield url


@pytest.fixture(autouse=True)
def own_day() -> datetime:
    """A county day of this test's own, at 10:00 (every other day: quiet hours end the next)."""
    day = datetime(2030, 1, 1, tzinfo=COUNTY).date() + timedelta(days=2 * next(_days))
    moment = datetime.combine(day, time(10, 0), tzinfo=COUNTY)
    CLOCK.set(moment)
    return moment


def new_phone() -> str:
    return f"139{next(_phones):08d}"


def registered(events, contacts, phone: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    event = events.ticket_registered(phone_masked=mask_phone(phone), **kwargs)
    contacts.register(event.data.ticket_id, phone)
    return event


async def sms_deliveries(notify, event, count: int = 1, **filters: Any):  # type: ignore[no-untyped-def]
    async def probe():  # type: ignore[no-untyped-def]
        items = await notify.items(
            "/v1/deliveries", channel="sms", correlation_id=event.correlationid, **filters
        )
        return items if len(items) >= count else None

    return await eventually(probe)


async def sent(notify, event, count: int = 1):  # type: ignore[no-untyped-def]
    return await sms_deliveries(notify, event, count, status="sent")


# --- receipts ------------------------------------------------------------------------------


async def test_a_receipt_is_sent_once_even_when_the_ticket_event_arrives_twice(
    notify, events, contacts, sms_gateway
):
    phone = new_phone()
    ticket = registered(events, contacts, phone)

    await notify.send(ticket)
    await notify.send(ticket)
    marker = registered(events, contacts, new_phone())
    await notify.send(marker, key=ticket.subject)  # same partition: after both copies

    (delivery,) = await sent(notify, ticket)
    await eventually(lambda: notify.consumed(marker.id))
    await asyncio.sleep(0.3)
    messages = await sms_gateway.messages(phone)
    assert len(messages) == 1
    assert ticket.data.ticket_number in messages[0]["text"]
    assert messages[0]["template_code"] == "SMS_900011"
    assert delivery["recipient"] == mask_phone(phone) and phone not in str(delivery)
    assert delivery["provider_message_id"] == messages[0]["message_id"]
    assert delivery["template_id"] == "ticket_receipt.sms" and delivery["template_version"] == 2
    call = next(c for c in contacts.calls if c["ticket_id"] == str(ticket.data.ticket_id))
    assert call["reason"] == "receipt_sms" and call["api_key"] == "pingan-notify-key-0001"
    stored = await notify.scalar(
        "SELECT count(*) FROM deliveries WHERE address LIKE :p", p=f"%{phone[-8:]}%"
    )
    assert stored == 0


async def test_a_consultation_answered_on_the_call_gets_no_receipt(notify, events, contacts):
    answered = registered(
        events, contacts, new_phone(), group="consultation", dispositions=("answer",)
    )
    await notify.send(answered)
    await eventually(lambda: notify.consumed(answered.id))

    assert await notify.items("/v1/deliveries", correlation_id=answered.correlationid) == []


async def test_a_call_merged_at_registration_gets_a_receipt_naming_the_master(
    notify, events, contacts, sms_gateway
):
    merged = events.ticket_merged(automatic=True)
    phone = new_phone()
    contacts.register(merged.data.ticket_id, phone)

    await notify.send(merged)

    await sent(notify, merged)
    (message,) = await sms_gateway.messages(phone)
    assert merged.data.master_ticket_number in message["text"]
    assert merged.data.ticket_number not in message["text"]


async def test_a_contact_lookup_failure_is_retried(notify, events, contacts, sms_gateway):
    phone = new_phone()
    ticket = registered(events, contacts, phone)
    contacts.fail_next = 1

    await notify.send(ticket)
    (failed,) = await sms_deliveries(notify, ticket, status="failed")
    CLOCK.advance(timedelta(seconds=1))  # past the retry's backoff

    (delivery,) = await sent(notify, ticket)
    assert "caller contact unavailable" in failed["last_error"]
    assert delivery["attempts"] == 2
    assert len(await sms_gateway.messages(phone)) == 1


async def test_a_delivery_receipt_marks_the_sms_delivered(
    notify, events, contacts, sms_gateway, live_url
):
    await sms_gateway.control(
        receipt_callback_url=f"{live_url}/v1/sms/receipts?token={SMS_CALLBACK_TOKEN}"
    )
    ticket = registered(events, contacts, new_phone())

    await notify.send(ticket)

    (delivery,) = await sms_deliveries(notify, ticket, status="delivered")
    assert delivery["delivered_at"] is not None


# --- the callback survey -----------------------------------------------------------------


async def test_the_survey_is_sent_once_and_its_answer_is_published_and_thanked(
    notify, events, contacts, sms_gateway, live_url
):
    await sms_gateway.control(
        inbound_callback_url=f"{live_url}/v1/sms/inbound?token={SMS_CALLBACK_TOKEN}"
    )
    phone = new_phone()
    ticket = registered(events, contacts, phone)
    await notify.send(ticket)
    await sent(notify, ticket)
    replied = events.task_replied(ticket)

    await notify.send(replied)
    await notify.send(replied)
    (survey,) = await sms_deliveries(notify, ticket, status="sent", trigger_type=replied.type)
    await citizen_replies(sms_gateway, phone, "1")
    await citizen_replies(sms_gateway, phone, "3")

    (answered,) = await survey_answers(notify, ticket)
    assert answered.data.verdict == "satisfied"
    assert answered.data.raw_reply == "1"
    assert answered.data.task_id == replied.data.task_id
    assert answered.data.ticket_number == ticket.data.ticket_number
    assert await inbound_outcomes(notify, phone) == ["answered", "duplicate"]
    messages = await eventually(lambda: at_least(sms_gateway, phone, 3))
    assert [m["template_code"] for m in messages] == ["SMS_900011", "SMS_900002", "SMS_900003"]
    assert "回复1满意，2基本满意，3不满意" in messages[1]["text"]
    assert survey["template_id"] == "callback_survey.sms"
    await asyncio.sleep(0.3)
    assert len(await survey_answers(notify, ticket)) == 1
    assert len(await sms_gateway.messages(phone)) == 3


def case_closed(ticket, outcome: str = "performed", actor: str = "mediator1"):  # type: ignore[no-untyped-def]
    case_id = uuid.uuid4()
    data = CaseClosedData(
        case_id=case_id,
        case_number="TJ20261202000001",
        ticket_id=ticket.data.ticket_id,
        ticket_number=ticket.data.ticket_number,
        committee_code="331199001001-TWH",
        area_code=ticket.data.area_code,
        state="closed" if outcome != "withdrawn" else "withdrawn",
        actor=actor,
        occurred_at=CLOCK(),
        outcome=outcome,
        summary="调解成功，协议已履行完毕",
        level="village",
    )
    return CaseClosed.create(data, subject=str(case_id), correlationid=ticket.correlationid)


async def test_a_closed_mediation_case_sends_the_citizen_the_survey(
    notify, events, contacts, sms_gateway
):
    phone = new_phone()
    ticket = registered(events, contacts, phone)
    await notify.send(ticket)
    await sent(notify, ticket)
    closed = case_closed(ticket)

    await notify.send(closed)

    (survey,) = await sms_deliveries(notify, ticket, status="sent", trigger_type=closed.type)
    assert survey["template_id"] == "callback_survey.sms"
    messages = await eventually(lambda: at_least(sms_gateway, phone, 2))
    assert "回复1满意，2基本满意，3不满意" in messages[1]["text"]


async def test_a_case_withdrawn_because_its_ticket_was_retracted_sends_no_survey(
    notify, events, contacts, sms_gateway
):
    phone = new_phone()
    ticket = registered(events, contacts, phone)
    await notify.send(ticket)
    await sent(notify, ticket)
    withdrawn = case_closed(ticket, outcome="withdrawn", actor="system")

    await notify.send(withdrawn)

    await eventually(lambda: notify.consumed(withdrawn.id))
    assert (
        await notify.items(
            "/v1/deliveries", correlation_id=ticket.correlationid, trigger_type=withdrawn.type
        )
        == []
    )
    assert len(await sms_gateway.messages(phone)) == 1


async def test_a_reply_that_answers_nothing_is_stored_and_ignored(notify, live_url):
    async with httpx.AsyncClient() as client:
        unmatched = await client.post(
            f"{live_url}/v1/sms/inbound?token={SMS_CALLBACK_TOKEN}",
            json=[{"phone_number": "13700009999", "content": "1", "send_time": ""}],
        )

    assert unmatched.status_code == 200, unmatched.text
    assert unmatched.json()["outcomes"] == ["unmatched"]
    assert await inbound_outcomes(notify, "13700009999") == ["unmatched"]


async def citizen_replies(sms_gateway, phone: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """The citizen answers: the simulator forwards it to notify like the provider would."""
    async with httpx.AsyncClient(base_url=sms_gateway.base_url) as client:
        response = await client.post("/control/inbound", json={"from": phone, "text": text})
    assert response.status_code == 200, response.text
    assert response.json()["status_code"] == 200


async def inbound_outcomes(notify, phone: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with notify.service.runtime.transaction() as session:
        rows = await session.execute(
            text("SELECT outcome FROM inbound_sms WHERE phone_masked = :m"),
            {"m": mask_phone(phone)},
        )
        return sorted(row.outcome for row in rows)


async def survey_answers(notify, ticket) -> list[SurveyAnswered]:  # type: ignore[no-untyped-def]
    def answer_to(record) -> bool:  # type: ignore[no-untyped-def]
        event = parse_event(record.value)
        return isinstance(event, SurveyAnswered) and event.correlationid == ticket.correlationid

    records = await notify.published.records(answer_to)
    return [parse_event(r.value) for r in records]  # type: ignore[misc]


async def at_least(sms_gateway, phone: str, count: int):  # type: ignore[no-untyped-def]
    messages = await sms_gateway.messages(phone)
    return messages if len(messages) >= count else None


# --- policies --------------------------------------------------------------------------------


async def test_quiet_hours_hold_a_receipt_until_eight_and_send_it_then(
    notify, events, contacts, sms_gateway, own_day
):
    CLOCK.set(own_day.replace(hour=22, minute=30))
    phone = new_phone()
    ticket = registered(events, contacts, phone)

    await notify.send(ticket)
    (held,) = await sms_deliveries(notify, ticket, status="queued")
    await asyncio.sleep(0.3)
    nothing_yet = await sms_gateway.messages(phone)
    CLOCK.set(own_day.replace(hour=8, minute=0, second=30) + timedelta(days=1))

    (delivery,) = await sent(notify, ticket)
    expected = (own_day + timedelta(days=1)).replace(hour=8, minute=0)
    assert datetime.fromisoformat(held["not_before"]) == expected
    assert nothing_yet == []
    assert len(await sms_gateway.messages(phone)) == 1
    assert datetime.fromisoformat(delivery["sent_at"]) >= expected


async def test_the_daily_budget_stops_sending_and_warns_the_admins_once(
    notify, events, contacts, sms_gateway, own_day
):
    # Runs before the rate-limit test: the SMS that test holds falls due on every later day.
    phones = [new_phone() for _ in range(5)]
    tickets = [registered(events, contacts, phone) for phone in phones]

    for ticket in tickets:
        await notify.send(ticket)
        await sms_deliveries(notify, ticket)
    await eventually(lambda: _gateway_total(sms_gateway, phones, 4))
    await asyncio.sleep(0.4)

    assert await _gateway_total(sms_gateway, phones, 4) == 4
    held = await notify.items("/v1/deliveries", channel="sms", status="queued")
    (exhausted,) = [d for d in held if d["correlation_id"] in {t.correlationid for t in tickets}]
    assert exhausted["last_error"] == "held: daily SMS budget exhausted"
    next_day = (own_day + timedelta(days=1)).replace(hour=0)
    assert datetime.fromisoformat(exhausted["not_before"]) == next_day
    admin_items = await notify.items(
        "/v1/inbox", role="admin", claims={"area": "331199", "unit": "331199-CC"}
    )
    warnings = [i for i in admin_items if i["title"] == "短信额度即将用尽"]
    day = own_day.date().isoformat()
    assert len([w for w in warnings if day in (w["ticket_number"] or day)]) >= 1
    count = await notify.scalar(
        "SELECT count(*) FROM deliveries WHERE correlation_id = :c", c=f"sms-budget-{day}"
    )
    assert count == 1


async def test_the_rate_limit_holds_the_third_sms_to_one_number_in_an_hour(
    notify, events, contacts, sms_gateway
):
    phone = new_phone()
    tickets = [registered(events, contacts, phone) for _ in range(3)]

    for ticket in tickets:
        await notify.send(ticket)
    for ticket in tickets:
        await sms_deliveries(notify, ticket)
    await eventually(lambda: at_least(sms_gateway, phone, 2))
    await asyncio.sleep(0.4)

    statuses = [
        (await notify.items("/v1/deliveries", channel="sms", correlation_id=t.correlationid))[0]
        for t in tickets
    ]
    assert len(await sms_gateway.messages(phone)) == 2
    (held,) = [d for d in statuses if d["status"] == "queued"]
    assert held["last_error"] == "held: rate limit"
    first_sent = min(datetime.fromisoformat(d["sent_at"]) for d in statuses if d["sent_at"])
    assert datetime.fromisoformat(held["not_before"]) == first_sent + timedelta(hours=1)


async def _gateway_total(sms_gateway, phones: list[str], at_least: int):  # type: ignore[no-untyped-def]
    total = sum([len(await sms_gateway.messages(p)) for p in phones])
    return total if total >= at_least else None


# --- the provider's callbacks are authenticated --------------------------------------------


@pytest.mark.parametrize("query", ["", "?token=", "?token=guessed-token"])
async def test_a_forged_survey_answer_without_the_callback_token_is_refused_and_changes_nothing(
    notify, live_url, query
):
    phone = new_phone()
    async with httpx.AsyncClient() as client:
        forged = await client.post(
            f"{live_url}/v1/sms/inbound{query}",
            json=[{"phone_number": phone, "content": "1", "send_time": ""}],
        )
        forged_receipt = await client.post(
            f"{live_url}/v1/sms/receipts{query}",
            json=[{"phone_number": phone, "biz_id": "x", "success": True}],
        )

    assert forged.status_code == 401
    assert forged_receipt.status_code == 401
    assert await inbound_outcomes(notify, phone) == []


async def test_a_callback_with_too_many_items_is_refused_before_any_is_applied(notify, live_url):
    phone = new_phone()
    replies = [{"phone_number": phone, "content": "1", "send_time": ""}] * 101
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{live_url}/v1/sms/inbound?token={SMS_CALLBACK_TOKEN}", json=replies
        )

    assert response.status_code == 413
    assert await inbound_outcomes(notify, phone) == []


def _with_phone_hash(event, phone: str):  # type: ignore[no-untyped-def]
    """The ticket event as intake sends it: the caller's masked phone and keyed hash."""
    caller = event.data.caller.model_copy(update={"phone_hash": f"hash-of-{phone}"})
    return event.model_copy(update={"data": event.data.model_copy(update={"caller": caller})})


async def test_citizens_whose_numbers_mask_alike_do_not_share_one_rate_limit(
    notify, events, contacts, sms_gateway
):
    first, second = "13900071119", "13988881119"
    assert mask_phone(first) == mask_phone(second)
    busy = [_with_phone_hash(registered(events, contacts, first), first) for _ in range(2)]
    for ticket in busy:
        await notify.send(ticket)
    await eventually(lambda: at_least(sms_gateway, first, 2))

    other = _with_phone_hash(registered(events, contacts, second), second)
    await notify.send(other)

    (receipt,) = await sms_deliveries(notify, other, status="sent")
    assert receipt["recipient"] != (await sms_deliveries(notify, busy[0]))[0]["recipient"]
    assert len(await sms_gateway.messages(second)) == 1


async def test_a_delivery_report_that_arrives_before_the_send_is_recorded_still_applies(
    notify, events, contacts, sms_gateway, live_url
):
    ticket = registered(events, contacts, new_phone())
    await notify.send(ticket)
    (sent_sms,) = await sms_deliveries(notify, ticket, status="sent")
    message_id = sent_sms["provider_message_id"]
    assert message_id
    # Back to the moment before notify recorded the send: the row is not "sent" yet.
    await notify.scalar(
        "UPDATE deliveries SET status = 'sending' WHERE id = :id RETURNING 1", id=sent_sms["id"]
    )

    async with httpx.AsyncClient() as client:
        early = await client.post(
            f"{live_url}/v1/sms/receipts?token={SMS_CALLBACK_TOKEN}",
            json=[{"phone_number": "13800138000", "biz_id": message_id, "success": True}],
        )
    assert early.status_code == 200, early.text
    assert early.json()["updated"] == 0  # nothing sent to mark yet: the report is kept

    async with notify.service.runtime.transaction() as session:
        await session.execute(
            text("UPDATE deliveries SET status = 'sent' WHERE id = :id"), {"id": sent_sms["id"]}
        )
        assert await apply_early_report(session, message_id) == 1

    (delivered,) = await sms_deliveries(notify, ticket, status="delivered")
    assert delivered["delivered_at"] is not None
