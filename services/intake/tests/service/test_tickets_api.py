"""Registering tickets through REST: the ticket, its event (outbox and broker), idempotency."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from pingan_common.testing.services import eventually
from pingan_intake.models import Ticket, idempotency_records, messaging

CLEAR_PHONE = "13800138000"
OUTBOX = messaging.outbox
CLAIMS = idempotency_records


def _unique(text: str) -> str:
    return f"{text} #{uuid.uuid4().hex[:8]}"


async def test_posted_ticket_is_registered_classified_located_and_numbered(api):
    response = await api.post(api.body())

    assert response.status_code == 201, response.text
    ticket = response.json()
    assert response.headers["Location"] == f"/v1/tickets/{ticket['id']}"
    local_day = (
        datetime.fromisoformat(ticket["registered_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    ).strftime("%Y%m%d")
    assert re.fullmatch(rf"QS{local_day}\d{{6}}", ticket["ticket_number"])
    assert ticket["status"] == "registered"
    assert ticket["channel"] == "hotline_12345"
    category = ticket["category"]
    assert (category["group"], category["code"], category["label"]) == (
        "city_service",
        "street_light",
        "路灯故障",
    )
    assert 0.5 <= category["confidence"] <= 1
    assert category["needs_review"] is False
    assert ticket["urgency"] == "normal"
    assert (ticket["disposition"], ticket["dispositions"]) == ("task", ["task"])
    assert ticket["location"] == {
        "address": "城关街道人民路",
        "lon": 119.75,
        "lat": 28.15,
        "grid_code": "33119900100504",
        "village_code": "331199001005",
        "township_code": "331199001",
        "area_code": "33119900100504",
        "resolved": True,
    }
    assert ticket["caller"] == {
        "name": "王**",
        "phone": "138****8000",
        "id_number": None,
        "masked": True,
    }
    assert ticket["police_transfer_required"] is False
    assert ticket["operator_prompt"] is None
    assert [entry["step"] for entry in ticket["timeline"]] == ["registered"]
    assert ticket["timeline"][0]["service"] == "intake"


async def test_operator_urgency_overrides_the_classifier(api):
    ticket = await api.register(api.body(urgency="urgent"))

    assert ticket["urgency"] == "urgent"
    assert ticket["category"]["group"] == "city_service"


async def test_threat_is_registered_red_with_police_transfer_first(api):
    ticket = await api.register(
        api.body(description="老板拖欠工资半年，今天再不给钱我就从厂房楼顶跳楼")
    )

    assert ticket["category"]["group"] == "extreme_threat"
    assert ticket["risk_level"] == "red"
    assert ticket["urgency"] == "urgent"
    assert ticket["disposition"] == "police_transfer"


async def test_later_tickets_of_a_day_get_higher_numbers(api):
    first = await api.register(api.body())
    second = await api.register(api.body())

    assert first["ticket_number"][:10] == second["ticket_number"][:10]
    assert second["ticket_number"] > first["ticket_number"]


async def test_registration_writes_the_registered_event_to_the_outbox(api):
    ticket = await api.register(api.body())

    rows = await api.rows(select(OUTBOX).where(OUTBOX.c.message_key == ticket["id"]))

    assert len(rows) == 1
    row = rows[0]
    assert row.event_type == "pingan.intake.ticket.registered.v1"
    assert row.topic == "intake.tickets.v1"
    assert row.payload["data"]["ticket_number"] == ticket["ticket_number"]
    assert CLEAR_PHONE not in json.dumps(row.payload)


async def test_registered_event_is_published_with_a_masked_caller(api, intake, broker):
    ticket = await api.register(api.body())

    record = await broker.find("intake.tickets.v1", lambda r: r.key == ticket["id"].encode())

    event = json.loads(record.value)
    assert event["specversion"] == "1.0"
    assert event["type"] == "pingan.intake.ticket.registered.v1"
    assert event["source"] == "/pingan/intake"
    assert event["subject"] == ticket["id"]
    assert event["correlationid"] == ticket["id"]
    assert event["causationid"] is None
    assert event["datacontenttype"] == "application/json"
    assert event["dataschema"].endswith("pingan.intake.ticket.registered.v1.json")
    assert uuid.UUID(event["id"]).version == 7
    assert datetime.fromisoformat(event["time"]) == datetime.fromisoformat(ticket["registered_at"])
    data = event["data"]
    assert data["ticket_id"] == ticket["id"]
    assert data["ticket_number"] == ticket["ticket_number"]
    assert data["dispositions"] == ["task"]
    assert data["location"]["grid_code"] == "33119900100504"
    assert data["area_code"] == "33119900100504"
    assert data["registered_by"] == "operator1"
    expected_hash = hmac.new(
        intake.settings.phone_hash_key.encode(), CLEAR_PHONE.encode(), hashlib.sha256
    ).hexdigest()
    assert data["caller"] == {
        "name_masked": "王**",
        "phone_masked": "138****8000",
        "phone_hash": expected_hash,
    }
    assert CLEAR_PHONE.encode() not in record.value
    assert "王女士".encode() not in record.value
    assert dict(record.headers)["ce_type"] == b"pingan.intake.ticket.registered.v1"


async def test_outbox_row_is_marked_sent_once_published(api, intake):
    ticket = await api.register(api.body())

    async def sent_at():
        rows = await api.rows(select(OUTBOX.c.sent_at).where(OUTBOX.c.message_key == ticket["id"]))
        return rows[0].sent_at

    assert await eventually(sent_at)


async def test_retry_with_the_same_idempotency_key_returns_the_first_ticket(api):
    body = api.body(description=_unique("路灯坏了，晚上很黑"))
    key = f"retry-{uuid.uuid4()}"

    first = await api.post(body, key=key)
    retry = await api.post(body, key=key)

    assert first.status_code == 201, first.text
    assert retry.status_code == 200, retry.text
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["ticket_number"] == first.json()["ticket_number"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert await api.count(Ticket, Ticket.description == body["description"]) == 1
    assert await api.count(OUTBOX, OUTBOX.c.message_key == first.json()["id"]) == 1


async def test_retry_that_differs_only_in_phone_formatting_is_the_same_request(api):
    key = f"format-{uuid.uuid4()}"
    description = _unique("路灯坏了")
    body = api.body(description=description, caller={"phone": "138-0013-8000"})
    reformatted = api.body(description=f"  {description} ", caller={"phone": "+86 13800138000"})

    first = await api.post(body, key=key)
    retry = await api.post(reformatted, key=key)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]


async def test_same_idempotency_key_with_a_different_body_is_rejected(api):
    key = f"reuse-{uuid.uuid4()}"
    body = api.body(description=_unique("路灯坏了"))
    first = await api.post(body, key=key)
    assert first.status_code == 201, first.text

    reused = await api.post(api.body(description=_unique("垃圾没人清运")), key=key)

    problem = api.expect_problem(reused, 422)
    assert "Idempotency-Key" in problem["title"]
    assert await api.count(CLAIMS, CLAIMS.c.key == key) == 1


async def test_same_idempotency_key_from_another_user_is_another_request(api):
    key = f"shared-{uuid.uuid4()}"
    body = api.body(description=_unique("路灯坏了"))

    mine = await api.post(body, key=key)
    theirs = await api.post(body, key=key, headers=api.headers("operator", subject="operator2"))

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


async def test_concurrent_requests_with_one_idempotency_key_register_one_ticket(api):
    body = api.body(description=_unique("路灯坏了，好几个人同时打电话"))
    key = f"race-{uuid.uuid4()}"

    responses = await asyncio.gather(*(api.post(body, key=key) for _ in range(5)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 200, 200, 200, 201], [r.text for r in responses]
    assert len({response.json()["id"] for response in responses}) == 1
    ticket_id = responses[0].json()["id"]
    assert await api.count(Ticket, Ticket.description == body["description"]) == 1
    assert await api.count(OUTBOX, OUTBOX.c.message_key == ticket_id) == 1
    assert await api.count(CLAIMS, CLAIMS.c.key == key) == 1


async def test_a_duplicate_sent_while_the_first_registers_waits_and_answers_its_ticket(api):
    body = api.lone_body(description=_unique("路灯坏了，两个坐席同时提交"))
    key = f"wait-{uuid.uuid4()}"

    async with api.service.runtime.transaction() as blocker:
        # Until this commits, the first registration has claimed its key but cannot write its
        # ticket; the duplicate, sent meanwhile, must wait on that claim.
        await blocker.execute(text("LOCK TABLE tickets IN EXCLUSIVE MODE"))
        first = asyncio.create_task(api.post(body, key=key))
        await eventually(lambda: _waiting_on(api, "INSERT INTO tickets "))
        duplicate = asyncio.create_task(api.post(body, key=key))
        await eventually(lambda: _waiting_on(api, "INSERT INTO idempotency_records "))
        assert not first.done() and not duplicate.done()
    answers = await asyncio.gather(first, duplicate)

    assert [answer.status_code for answer in answers] == [201, 200], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    assert await api.count(Ticket, Ticket.description == body["description"]) == 1
    assert await api.count(OUTBOX, OUTBOX.c.message_key == answers[0].json()["id"]) == 1
    assert await api.count(CLAIMS, CLAIMS.c.key == key) == 1


async def _waiting_on(api, statement: str) -> bool:
    """Whether a session of the service's database waits for a lock in a statement that
    contains ``statement``."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND position(:statement in query) > 0"
        " AND pid <> pg_backend_pid()"
    )
    return (await api.rows(waiting.bindparams(statement=statement)))[0][0] > 0


async def test_without_an_idempotency_key_each_post_is_a_new_ticket(api):
    body = api.body(description=_unique("路灯坏了"))

    await api.register(body)
    await api.register(body)

    assert await api.count(Ticket, Ticket.description == body["description"]) == 2
