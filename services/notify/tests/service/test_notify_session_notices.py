"""A scheduled mediation session by SMS to each party the event names, through the real gateway
simulator: the number read from a real HTTP stand-in for mediation's party-contact route at send
time, never stored; no party named, no SMS; quiet hours hold the text like any citizen's.

The service clock is the test's: each test gets a county day of its own (10:00), so the per-day
budget and the hourly rate limit never mix between tests.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI, Request, Response

from pingan_common.events.mediation import CaseSessionScheduled, CaseSessionScheduledData
from pingan_common.testing.harness import ServiceHarness
from pingan_common.testing.servers import serve_in_thread
from pingan_common.testing.services import TestStack, eventually
from pingan_notify.sms.party_contact import party_recipient_id
from services.notify.tests.service.harness import Clock, notify_service

COUNTY = ZoneInfo("Asia/Shanghai")
CLOCK = Clock()
_days = itertools.count(1)
_phones = itertools.count(1)


@dataclass
class PartyContacts:
    """``GET /v1/cases/{id}/parties/{ref}/contact`` as mediation answers it (E.164 phone,
    ``null`` for a party without one, 404 for an unknown party); each call recorded."""

    url: str = ""
    phones: dict[tuple[str, str], str | None] = field(default_factory=dict)
    calls: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/cases/{case_id}/parties/{ref}/contact")
        async def contact(case_id: str, ref: str, request: Request) -> Response:
            with self._lock:
                self.calls.append(
                    {
                        "case_id": case_id,
                        "ref": ref,
                        "reason": request.query_params.get("reason", ""),
                        "api_key": request.headers.get("x-api-key", ""),
                    }
                )
                if (case_id, ref) not in self.phones:
                    return Response(status_code=404)
                phone = self.phones[(case_id, ref)]
            body = f'"+86{phone}"' if phone else "null"
            return Response(
                content=f'{{"case_id": "{case_id}", "ref": "{ref}", "name": "当事人", '
                f'"case_number": "TJ", "phone": {body}}}',
                media_type="application/json",
            )

        return app

    def register(self, case_id: uuid.UUID, ref: str, phone: str | None) -> None:
        with self._lock:
            self.phones[(str(case_id), ref)] = phone


@pytest.fixture(scope="module")
def parties() -> Iterator[PartyContacts]:
    stand_in = PartyContacts()
    with serve_in_thread(stand_in.app()) as url:
        stand_in.url = url
        yield stand_in


@pytest.fixture(scope="module")
async def notify(
    module_stack: TestStack, sms_gateway_server: Any, contacts: Any, parties: PartyContacts
) -> AsyncIterator[ServiceHarness]:
    async with notify_service(
        module_stack,
        sms_gateway_server,
        contacts,
        clock=CLOCK,
        mediation_base_url=parties.url,
        sms_rate_limit_per_recipient=2,
        sms_rate_limit_window_s=3600,
        retry_base_s=0.05,
        retry_cap_s=0.1,
    ) as harness:
        yield harness


@pytest.fixture(autouse=True)
def own_day() -> datetime:
    day = datetime(2031, 1, 1, tzinfo=COUNTY).date() + timedelta(days=2 * next(_days))
    moment = datetime.combine(day, time(10, 0), tzinfo=COUNTY)
    CLOCK.set(moment)
    return moment


def new_phone() -> str:
    return f"137{next(_phones):08d}"


def scheduled(
    *refs: str, mediator_id: str | None = "mediator1", case_id: uuid.UUID | None = None
) -> CaseSessionScheduled:
    case_id = case_id or uuid.uuid4()
    data = CaseSessionScheduledData(
        case_id=case_id,
        case_number=f"TJ2031{uuid.uuid4().int % 10**10:010d}",
        committee_code="331199001001-TWH",
        area_code="331199001001",
        state="mediating",
        actor="mediator1",
        occurred_at=datetime.now(UTC),
        session_id=uuid.uuid4(),
        session_no=1,
        place="幸福社区调解室",
        starts_at=datetime(2031, 3, 4, 1, 30, tzinfo=UTC),  # 09:30 county time
        mediator_id=mediator_id,
        notify_party_refs=list(refs),
    )
    # A correlation of each session's own, so a test finds the deliveries of one session.
    return CaseSessionScheduled.create(
        data, subject=str(case_id), correlationid=str(data.session_id)
    )


async def deliveries(notify, event, count: int, **filters: Any):  # type: ignore[no-untyped-def]
    async def probe():  # type: ignore[no-untyped-def]
        items = await notify.items("/v1/deliveries", correlation_id=event.correlationid, **filters)
        return items if len(items) >= count else None

    return await eventually(probe)


async def test_each_named_party_gets_the_notice_at_the_number_mediation_gives(
    notify, parties, sms_gateway
):
    first, second = new_phone(), new_phone()
    event = scheduled("P1", "P2")
    parties.register(event.data.case_id, "P1", first)
    parties.register(event.data.case_id, "P2", second)

    await notify.send(event)

    sent = await deliveries(notify, event, 2, channel="sms", status="sent")
    for phone in (first, second):
        (message,) = await sms_gateway.messages(phone)
        assert event.data.case_number in message["text"]
        assert "2031-03-04 09:30" in message["text"] and "幸福社区调解室" in message["text"]
        assert message["template_code"] == "SMS_900012"
    assert {d["recipient"] for d in sent} == {
        party_recipient_id(event.data.case_id, "P1"),
        party_recipient_id(event.data.case_id, "P2"),
    }
    assert first not in str(sent) and second not in str(sent)
    calls = [c for c in parties.calls if c["case_id"] == str(event.data.case_id)]
    assert {c["ref"] for c in calls} == {"P1", "P2"}
    assert {(c["reason"], c["api_key"]) for c in calls} == {
        ("session_notice_sms", "pingan-notify-key-0001")
    }
    stored = await notify.scalar(
        "SELECT count(*) FROM deliveries WHERE address LIKE :p", p=f"%{first[-8:]}%"
    )
    assert stored == 0
    (in_app,) = await deliveries(notify, event, 1, channel="in_app")
    assert in_app["recipient"] == "mediator1"


async def test_a_session_naming_no_party_sends_no_sms_and_still_tells_the_mediator(notify, parties):
    event = scheduled()

    await notify.send(event)

    await deliveries(notify, event, 1, channel="in_app")
    await asyncio.sleep(0.3)
    assert (
        await notify.items("/v1/deliveries", correlation_id=event.correlationid, channel="sms")
        == []
    )
    assert not [c for c in parties.calls if c["case_id"] == str(event.data.case_id)]


async def test_the_same_event_twice_texts_each_party_once(notify, parties, sms_gateway):
    phone = new_phone()
    event = scheduled("P1", "P1")
    parties.register(event.data.case_id, "P1", phone)

    await notify.send(event)
    await notify.send(event)

    await deliveries(notify, event, 1, channel="sms", status="sent")
    await asyncio.sleep(0.3)
    assert len(await sms_gateway.messages(phone)) == 1


async def test_quiet_hours_hold_a_partys_notice_until_eight(notify, parties, sms_gateway, own_day):
    CLOCK.set(own_day.replace(hour=22, minute=30))
    phone = new_phone()
    event = scheduled("P1", mediator_id=None)
    parties.register(event.data.case_id, "P1", phone)

    await notify.send(event)
    (held,) = await deliveries(notify, event, 1, channel="sms", status="queued")
    await asyncio.sleep(0.3)
    nothing_yet = await sms_gateway.messages(phone)
    CLOCK.set(own_day.replace(hour=8, minute=0, second=30) + timedelta(days=1))

    await deliveries(notify, event, 1, channel="sms", status="sent")
    assert nothing_yet == []
    assert datetime.fromisoformat(held["not_before"]) == (own_day + timedelta(days=1)).replace(
        hour=8, minute=0
    )
    assert len(await sms_gateway.messages(phone)) == 1


async def test_a_party_whose_phone_is_gone_by_the_send_is_not_retried(notify, parties):
    event = scheduled("P1", mediator_id=None)
    parties.register(event.data.case_id, "P1", None)

    await notify.send(event)

    (dead,) = await deliveries(notify, event, 1, channel="sms", status="dead_lettered")
    assert dead["last_error"] == "the party has no phone any more"
    assert dead["attempts"] == 1


async def test_the_rate_limit_holds_a_partys_third_notice_within_the_hour(
    notify, parties, sms_gateway
):
    phone = new_phone()
    case_id = uuid.uuid4()
    parties.register(case_id, "P1", phone)
    sessions = [scheduled("P1", mediator_id=None, case_id=case_id) for _ in range(3)]

    for event in sessions[:2]:
        await notify.send(event)
        await deliveries(notify, event, 1, channel="sms", status="sent")
    await notify.send(sessions[2])

    async def held():  # type: ignore[no-untyped-def]
        (row,) = await deliveries(notify, sessions[2], 1, channel="sms")
        return row if row["last_error"] == "held: rate limit" else None

    third = await eventually(held)
    assert third["status"] == "queued"
    assert len(await sms_gateway.messages(phone)) == 2
