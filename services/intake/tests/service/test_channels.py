"""Every intake channel end to end at the service level: what each may send, what it gets back,
what is published — and the 12345–110 linkage both ways."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from pingan_intake.models import ApiClient, Ticket, TimelineEntry, messaging

OUTBOX = messaging.outbox
THIRD_PARTY_KEY = "pingan-demo-key-0001"
POLICE_110_KEY = "pingan-110-key-0001"
FIGHT_NOW = "小区门口有人拿刀打架，已经有人流血了，快来人"
PHOTO = {
    "file_name": "现场照片1.jpg",
    "content_type": "image/jpeg",
    "size_bytes": 482133,
    "url": "https://files.pingan.local/grid/2026/11/23/1.jpg",
}


def _key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


async def _events(api, ticket_id: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    rows = await api.rows(select(OUTBOX).where(OUTBOX.c.message_key == ticket_id))
    return {row.event_type.split(".")[3]: row.payload["data"] for row in rows}


# --- 12345 and the transfer to 110 ---------------------------------------------------------


async def test_police_matter_on_12345_tells_the_operator_and_is_transferred_at_once(api):
    ticket = await api.register(api.lone_body(description=FIGHT_NOW))

    assert "police_transfer" in ticket["dispositions"]
    assert ticket["police_transfer_required"] is True
    assert "110" in ticket["operator_prompt"]
    assert [e["step"] for e in ticket["timeline"]] == ["registered", "transferred_to_police"]
    events = await _events(api, ticket["id"])
    assert set(events) == {"registered", "transferred_to_police"}
    transfer = events["transferred_to_police"]
    assert transfer["ticket_number"] == ticket["ticket_number"]
    assert transfer["urgency"] == "urgent"
    assert transfer["summary"] == FIGHT_NOW
    assert transfer["actor"] == "operator1"


async def test_ordinary_matter_is_not_transferred(api):
    ticket = await api.register(api.lone_body())

    assert ticket["police_transfer_required"] is False
    assert set(await _events(api, ticket["id"])) == {"registered"}


# --- 110 transfers ---------------------------------------------------------------------------


async def test_110_transfer_answers_with_our_number_and_keeps_the_incident(api):
    received = datetime.now(UTC) - timedelta(minutes=3)
    body = api.lone_body(
        channel="police_110",
        description="邻居装修噪音太大，多次沟通无果，110转来",
        incident_number="110-20261123-000042",
        received_by_110_at=received.isoformat(),
    )

    ticket = await api.register(body, headers=_key(POLICE_110_KEY))

    assert ticket["ticket_number"].startswith("QS")
    assert ticket["external_ref"] == "110-20261123-000042"
    assert datetime.fromisoformat(ticket["received_by_110_at"]) == received
    registered = (await _events(api, ticket["id"]))["registered"]
    assert registered["external_ref"] == "110-20261123-000042"
    assert datetime.fromisoformat(registered["external_received_at"]) == received
    assert registered["registered_by"] == "client:police-110"


async def test_a_police_matter_from_110_is_accepted_and_not_sent_back(api):
    body = api.lone_body(
        channel="police_110", description=FIGHT_NOW, incident_number="110-20261123-000043"
    )

    ticket = await api.register(body, headers=_key(POLICE_110_KEY))

    assert ticket["police_transfer_required"] is False
    assert "transferred_to_police" not in await _events(api, ticket["id"])


async def test_110_transfer_without_an_incident_number_is_refused(api):
    body = api.lone_body(channel="police_110", description="楼下狗叫了一夜，110转来")

    response = await api.post(body, headers=_key(POLICE_110_KEY))

    api.expect_problem(response, 422, "body.incident_number")


async def test_110_fields_on_another_channel_are_refused(api):
    body = api.lone_body(incident_number="110-1", received_by_110_at="2026-11-23T08:00:00+08:00")

    response = await api.post(body)

    problem = api.expect_problem(response, 422, "body.incident_number")
    assert "body.received_by_110_at" in {e["field"] for e in problem["errors"]}


async def test_110_receipt_time_in_the_future_is_refused(api):
    body = api.lone_body(
        channel="police_110",
        description="路口红绿灯不亮，110转来",
        incident_number="110-20261123-000044",
        received_by_110_at=(datetime.now(UTC) + timedelta(hours=2)).isoformat(),
    )

    response = await api.post(body, headers=_key(POLICE_110_KEY))

    api.expect_problem(response, 422, "body.received_by_110_at")


# --- grid reports ------------------------------------------------------------------------------


async def test_grid_report_carries_its_photos_as_metadata(api):
    ticket = await api.register(
        {
            "channel": "grid_report",
            "description": "巡查发现消防通道被杂物堵塞，已拍照",
            "attachments": [PHOTO],
        },
        role="grid_worker",
    )

    assert ticket["attachments"] == [PHOTO]
    assert ticket["location"]["grid_code"] == "33119900100101"
    registered = (await _events(api, ticket["id"]))["registered"]
    assert registered["attachments"] == [PHOTO]


async def test_grid_report_with_a_point_elsewhere_is_placed_there(api):
    # A point in the grid worker's own village, another grid: the location says otherwise.
    ticket = await api.register(
        {
            "channel": "grid_report",
            "description": "巡查发现井盖缺失",
            "location": {"grid_code": "33119900100102"},
        },
        role="grid_worker",
        headers=api.headers("grid_worker", area="331199001001"),
    )

    assert ticket["location"]["grid_code"] == "33119900100102"


async def test_attachment_with_a_non_http_url_is_refused(api):
    photo = {**PHOTO, "url": "javascript:alert(1)"}

    response = await api.post(
        {"channel": "grid_report", "description": "巡查发现路灯不亮", "attachments": [photo]},
        role="grid_worker",
    )

    api.expect_problem(response, 422, "body.attachments.0.url")


# --- web and third-party systems ----------------------------------------------------------------


async def test_web_submission_by_the_third_party_key(api):
    ticket = await api.register(
        api.lone_body(channel="web", description="网上反映：小区垃圾三天没人清运"),
        headers=_key(THIRD_PARTY_KEY),
    )

    assert ticket["channel"] == "web"
    assert ticket["category"]["group"] == "city_service"


async def test_submitter_may_choose_the_category(api):
    ticket = await api.register(
        api.lone_body(
            channel="web", description="这里有个问题需要处理一下", category_code="garbage"
        ),
        headers=_key(THIRD_PARTY_KEY),
    )

    assert ticket["category"]["code"] == "garbage"


async def test_a_chosen_category_never_hides_a_threat(api):
    ticket = await api.register(
        api.lone_body(
            channel="web",
            description="拖欠工资半年了，再不给钱我就从楼顶跳下去",
            category_code="street_light",
        ),
        headers=_key(THIRD_PARTY_KEY),
    )

    assert ticket["category"]["group"] == "extreme_threat"


async def test_an_unknown_chosen_category_is_refused(api):
    response = await api.post(api.lone_body(category_code="no_such_thing"))

    api.expect_problem(response, 422, "body.category_code")


async def test_third_party_system_reads_only_its_own_submissions(api):
    own = await api.register(api.lone_body(channel="third_party"), headers=_key(THIRD_PARTY_KEY))
    others = await api.register(
        api.lone_body(channel="police_110", incident_number="110-20261123-000045"),
        headers=_key(POLICE_110_KEY),
    )

    read_own = await api.client.get(f"/v1/tickets/{own['id']}", headers=_key(THIRD_PARTY_KEY))
    read_other = await api.client.get(
        f"/v1/tickets/{others['ticket_number']}", headers=_key(THIRD_PARTY_KEY)
    )
    listed = await api.client.get("/v1/tickets?limit=500", headers=_key(THIRD_PARTY_KEY))

    assert read_own.status_code == 200
    api.expect_problem(read_other, 404)
    ids = {item["id"] for item in listed.json()["items"]}
    assert own["id"] in ids and others["id"] not in ids
    registrars = await api.rows(
        select(Ticket.registered_by).where(Ticket.id.in_([uuid.UUID(i) for i in ids]))
    )
    assert {row.registered_by for row in registrars} == {"client:demo-thirdparty"}


async def test_a_client_scoped_to_one_township_may_not_submit_for_another(api):
    key = f"township-key-{uuid.uuid4()}"
    async with api.service.runtime.transaction() as session:
        await session.execute(
            insert(ApiClient).values(
                client_id=f"chengguan-app-{uuid.uuid4().hex[:6]}",
                name="城关街道网格App",
                key_sha256=hashlib.sha256(key.encode()).hexdigest(),
                channels=["third_party"],
                area_codes=["331199001"],
                scopes=[],
                active=True,
            )
        )
    before = await api.count(Ticket)

    inside = await api.post(
        api.lone_body(channel="third_party", location={"grid_code": "33119900100101"}),
        headers=_key(key),
    )
    outside = await api.post(
        api.lone_body(channel="third_party", location={"grid_code": "33119900300101"}),
        headers=_key(key),
    )

    assert inside.status_code == 201, inside.text
    api.expect_problem(outside, 403)
    assert await api.count(Ticket) == before + 1


async def test_unresolved_place_is_registered_and_flagged_for_the_dispatcher(api):
    ticket = await api.register(
        api.lone_body(location={"address": "火星基地东门"}, description="门口路灯坏了")
    )

    assert ticket["location"]["resolved"] is False
    assert ticket["location"]["area_code"] == "331199"
    assert (await _events(api, ticket["id"]))["registered"]["location"]["resolved"] is False


async def test_registration_and_its_timeline_entry_are_one_unit(api):
    ticket = await api.register(api.lone_body())

    entries = await api.count(TimelineEntry, TimelineEntry.ticket_id == uuid.UUID(ticket["id"]))

    assert entries == 1
