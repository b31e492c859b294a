"""In-app inbox and live stream, recipients from the directory copy, alerts repeated until
acknowledged, and the templates API — against a running notify on the real DB and broker.

The live stream is read over a real socket: the running app is served by uvicorn in the test's
event loop and an httpx client holds the Server-Sent Events connection open.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

import pingan_notify.bootstrap as notify_bootstrap
from pingan_common.auth.dev_issuer import issue_token
from pingan_common.events.mediation import CaseSessionScheduled, CaseSessionScheduledData
from pingan_common.events.riskassess import AlertEscalated, AlertEscalatedData
from pingan_common.testing.servers import serve_here
from pingan_common.testing.services import TEST_ISSUER, eventually, running_service
from pingan_common.testing.stream import SseClient

TOWNSHIP_1 = {"area": "331199001", "unit": "331199001-ZZ"}
TOWNSHIP_2 = {"area": "331199002", "unit": "331199002-ZZ"}


@pytest.fixture(scope="module")
async def live_url(notify) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with serve_here(notify.service.app) as url:
        yield url


def token(notify, role: str = "handler", *, subject: str | None = None, **claims: str) -> str:  # type: ignore[no-untyped-def]
    return notify.stack.auth.token(role, subject=subject, **claims)


async def inbox(notify, role: str = "handler", subject: str | None = None, **params: Any):  # type: ignore[no-untyped-def]
    claims = {k: params.pop(k) for k in ("area", "unit") if k in params}
    headers = {"Authorization": f"Bearer {token(notify, role, subject=subject, **claims)}"}
    response = await notify.client.get("/v1/inbox", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def items_for_ticket(notify, event, role="handler", count=1, **claims):  # type: ignore[no-untyped-def]
    async def probe():  # type: ignore[no-untyped-def]
        page = await inbox(notify, role, ticket_id=str(event.data.ticket_id), **claims)
        return page["items"] if len(page["items"]) >= count else None

    return await eventually(probe)


# --- inbox -----------------------------------------------------------------------------------


async def test_a_unit_inbox_lists_its_assignment_unread_until_read(notify, events):
    assigned = events.task_assigned(unit_code="331199001-ZZ")
    await notify.send(assigned)

    (item,) = await items_for_ticket(notify, assigned, **TOWNSHIP_1)
    assert item["kind"] == "task.assigned"
    assert item["title"] == f"新派工单 {assigned.data.ticket_number}"
    assert "城关街道综治中心" in item["body"] and item["read_at"] is None
    headers = {"Authorization": f"Bearer {token(notify, **TOWNSHIP_1)}"}
    unread_before = (await notify.client.get("/v1/inbox/unread-count", headers=headers)).json()

    read = await notify.client.post(f"/v1/inbox/{item['id']}/read", headers=headers)

    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    unread_after = (await notify.client.get("/v1/inbox/unread-count", headers=headers)).json()
    assert unread_after["unread"] == unread_before["unread"] - 1
    unread = await inbox(
        notify, status="unread", ticket_id=str(assigned.data.ticket_id), **TOWNSHIP_1
    )
    assert unread["items"] == []


async def test_another_township_neither_lists_nor_reads_the_item(notify, events):
    assigned = events.task_assigned(unit_code="331199001-ZZ")
    await notify.send(assigned)
    (item,) = await items_for_ticket(notify, assigned, **TOWNSHIP_1)
    headers = {"Authorization": f"Bearer {token(notify, **TOWNSHIP_2)}"}

    listed = await inbox(notify, ticket_id=str(assigned.data.ticket_id), **TOWNSHIP_2)
    read = await notify.client.post(f"/v1/inbox/{item['id']}/read", headers=headers)

    assert listed["items"] == []
    assert read.status_code == 404


async def test_read_all_marks_every_visible_item_and_pages_go_newest_first(notify, events):
    unit = {"area": "331199003", "unit": "331199003-ZZ"}
    sent = [events.task_assigned(unit_code="331199003-ZZ") for _ in range(3)]
    for event in sent:
        await notify.send(event)
    for event in sent:
        await items_for_ticket(notify, event, **unit)

    first = await inbox(notify, limit=2, **unit)
    second = await inbox(notify, limit=2, cursor=first["next_cursor"], **unit)
    headers = {"Authorization": f"Bearer {token(notify, **unit)}"}
    marked = await notify.client.post("/v1/inbox/read-all", headers=headers)

    ids = [i["id"] for i in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3
    assert marked.json()["marked"] == 3
    assert (await inbox(notify, status="unread", **unit))["items"] == []


# --- live stream ---------------------------------------------------------------------------


async def test_the_stream_pushes_a_new_assignment_to_its_unit_only(notify, events, live_url):
    async with (
        SseClient(live_url, token(notify, **TOWNSHIP_1)) as mine,
        SseClient(live_url, token(notify, **TOWNSHIP_2)) as theirs,
    ):
        for_them = events.task_assigned(unit_code="331199002-ZZ", area_code="33119900200101")
        for_me = events.task_assigned(unit_code="331199001-ZZ")
        await notify.send(for_them)
        await notify.send(for_me)

        got = await mine.next()
        their_event = await theirs.next()
        await asyncio.sleep(0.3)  # anything else would have arrived by now

        assert got.event == "notification"
        assert json.loads(got.data)["ticket_id"] == str(for_me.data.ticket_id)
        assert json.loads(their_event.data)["ticket_id"] == str(for_them.data.ticket_id)
        assert mine.pending() == [] and theirs.pending() == []
        assert got.id == str(json.loads(got.data)["id"])


async def test_a_reconnecting_client_gets_what_it_missed_after_last_event_id(
    notify, events, live_url
):
    unit = {"area": "331199004", "unit": "331199004-ZZ"}
    async with SseClient(live_url, token(notify, **unit)) as client:
        first = events.task_assigned(unit_code="331199004-ZZ", area_code="331199004001")
        await notify.send(first)
        seen = await client.next()
    missed = [events.task_assigned(unit_code="331199004-ZZ") for _ in range(2)]
    for event in missed:
        await notify.send(event)
    for event in missed:
        await items_for_ticket(notify, event, **unit)

    async with SseClient(live_url, token(notify, **unit), last_event_id=seen.id) as client:
        replayed = [await client.next(), await client.next()]

    tickets = {json.loads(e.data)["ticket_id"] for e in replayed}
    assert tickets == {str(e.data.ticket_id) for e in missed}
    assert all(int(e.id) > int(seen.id) for e in replayed)


async def test_the_stream_needs_a_staff_token(notify, live_url):
    import httpx

    async with httpx.AsyncClient() as client:
        anonymous = await client.get(f"{live_url}/v1/stream")
        citizen = await client.get(
            f"{live_url}/v1/stream", params={"access_token": citizen_token(notify)}
        )

    assert anonymous.status_code == 401
    assert citizen.status_code == 403


async def test_the_stream_ends_when_the_token_expires(notify, live_url):
    token = issue_token(
        notify.stack.auth.keys_dir, subject="dispatcher1", name="李强", roles=["dispatcher"],
        area="331199", unit="331199-CC", issuer=TEST_ISSUER, ttl_seconds=2,
    )  # fmt: skip
    async with SseClient(live_url, token) as stream:
        assert stream.status == 200
        expired = await stream.next(within=6.0)
    assert expired.event == "expired"
    assert json.loads(expired.data) == {"reason": "token expired"}


def citizen_token(notify) -> str:  # type: ignore[no-untyped-def]
    return notify.stack.auth.token_with("citizen1", name="群众", roles=["citizen"], area="331199")


# --- recipients from the directory ---------------------------------------------------------


async def test_the_directory_copy_gives_a_unit_sms_contact_and_ignores_older_versions(
    notify, events, sms_gateway
):
    code = "331199005-ZZ"
    await notify.send(
        events.unit_changed(code, area_code="331199005", phones=("13911110005",), version=2)
    )
    # A stale version arriving late must not take the mobile contact away.
    await notify.send(
        events.unit_changed(code, area_code="331199005", phones=("0578-1234",), version=1)
    )
    await eventually(
        lambda: notify.scalar("SELECT count(*) FROM directory_units WHERE unit_code = :c", c=code)
    )
    marker = events.unit_changed("331199005-MARK", version=1)
    await notify.send(marker, key=code)
    await eventually(lambda: notify.consumed(marker.id))

    assigned = events.task_assigned(
        unit_code=code, unit_name="某镇综治中心", area_code="331199005001"
    )
    await notify.send(assigned)

    (sms,) = await eventually(lambda: sms_gateway.messages("13911110005"))
    assert assigned.data.ticket_number in sms["text"]
    assert sms["template_code"] == "SMS_900004"
    version = await notify.scalar(
        "SELECT version FROM directory_units WHERE unit_code = :c", c=code
    )
    assert version == 2


async def test_a_deadline_warning_reaches_the_unit_and_its_supervisor(notify, events):
    assigned = events.task_assigned(unit_code="331199001-ZZ")
    await notify.send(assigned)
    await notify.send(events.deadline_warning(assigned, supervisor="331199-CC"))

    async def recipients():  # type: ignore[no-untyped-def]
        items = await notify.items(
            "/v1/deliveries",
            correlation_id=assigned.correlationid,
            trigger_type="pingan.dispatch.task.deadline_warning.v1",
        )
        return sorted(d["recipient"] for d in items) if len(items) >= 2 else None

    assert await eventually(recipients) == ["331199-CC", "331199001-ZZ"]


async def test_an_escalation_reaches_the_leader_on_duty_by_inbox_and_sms(
    notify, events, sms_gateway
):
    unit = "331199006-ZZ"
    await notify.send(events.unit_changed(unit, area_code="331199006"))
    await notify.send(
        events.staff_changed(
            "leader6", roles=("leader",), unit_code=unit, area_code="331199006", phone="13911110006"
        )
    )
    await notify.send(events.roster_changed(unit, [("leader6", "leader"), ("handler6", "handler")]))
    await eventually(
        lambda: notify.scalar("SELECT count(*) FROM directory_rosters WHERE unit_code = :u", u=unit)
    )
    assigned = events.task_assigned(unit_code="331199006-SJ", area_code="331199006001")

    await notify.send(events.escalated(assigned, to=unit))

    (item,) = await items_for_ticket(
        notify, assigned, role="leader", subject="leader6", area="331199006", unit="x"
    )
    assert item["recipient_kind"] == "user" and item["title"].startswith("督办")
    (sms,) = await eventually(lambda: sms_gateway.messages("13911110006"))
    assert assigned.data.ticket_number in sms["text"]


# --- alerts ------------------------------------------------------------------------------


async def test_a_red_alert_repeats_to_the_leader_on_duty_until_acknowledged(notify, events):
    unit, area = "331199007-ZZ", "331199007"
    await notify.send(events.unit_changed(unit, area_code=area))
    await notify.send(
        events.staff_changed("leader7", roles=("leader",), unit_code=unit, area_code=area)
    )
    await notify.send(
        events.staff_changed("analyst7", roles=("analyst",), unit_code=unit, area_code=area)
    )
    await notify.send(events.roster_changed(unit, [("leader7", "leader")]))
    await eventually(
        lambda: notify.scalar("SELECT count(*) FROM directory_rosters WHERE unit_code = :u", u=unit)
    )
    raised = events.alert_raised(level="red", area_code="33119900700101")
    await notify.send(raised)
    leader = {"role": "leader", "subject": "leader7", "area": area, "unit": unit}

    # The first notice, then a repeat (the module repeats every 0.3 s, at most twice).
    items = await items_for_ticket(notify, raised, count=2, **leader)
    assert items[0]["title"].startswith("【第2次提醒】红色预警")
    assert items[-1]["requires_ack"] and items[-1]["urgent"]
    analyst = {"role": "analyst", "subject": "analyst7", "area": area, "unit": unit}
    assert await items_for_ticket(notify, raised, count=2, **analyst)

    headers = {"Authorization": f"Bearer {token(notify, **leader)}"}
    acked = await notify.client.post(f"/v1/inbox/{items[-1]['id']}/acknowledge", headers=headers)
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_at"] is not None
    count_after_ack = len(
        (await inbox(notify, ticket_id=str(raised.data.ticket_id), **leader))["items"]
    )
    await asyncio.sleep(0.8)
    final = (await inbox(notify, ticket_id=str(raised.data.ticket_id), **leader))["items"]
    assert len(final) == count_after_ack <= 3


async def test_acknowledging_in_the_inbox_acknowledges_at_riskassess_as_the_user(
    notify, events, contacts
):
    raised = events.alert_raised(level="red", area_code="33119900600101")
    await notify.send(raised)
    leader = {"role": "leader", "subject": "leader6", "area": "331199006"}
    (item, *_) = await items_for_ticket(notify, raised, **leader)
    bearer = f"Bearer {token(notify, **leader)}"

    acked = await notify.client.post(
        f"/v1/inbox/{item['id']}/acknowledge", headers={"Authorization": bearer}
    )

    assert acked.status_code == 200, acked.text
    assert {"alert_id": str(raised.data.alert_id), "authorization": bearer} in (
        contacts.acknowledgements
    )
    assert acked.json()["acknowledged_at"] is not None


async def test_when_riskassess_refuses_or_is_down_nothing_is_acknowledged_here(
    notify, events, contacts
):
    raised = events.alert_raised(level="orange", area_code="33119900600102")
    await notify.send(raised)
    leader = {"role": "leader", "subject": "leader6", "area": "331199006"}
    (item, *_) = await items_for_ticket(notify, raised, **leader)
    headers = {"Authorization": f"Bearer {token(notify, **leader)}"}
    answers = {}
    try:
        for status in (403, 500):
            contacts.ack_status = status
            response = await notify.client.post(
                f"/v1/inbox/{item['id']}/acknowledge", headers=headers
            )
            answers[status] = response.status_code
    finally:
        contacts.ack_status = 200

    assert answers == {403: 403, 500: 503}
    watched = await notify.scalar(
        "SELECT count(*) FROM alert_watches WHERE alert_id = :a AND acknowledged_at IS NULL",
        a=raised.data.alert_id,
    )
    assert watched == 1
    assert (await inbox(notify, ticket_id=str(raised.data.ticket_id), **leader))["items"][0][
        "acknowledged_at"
    ] is None


async def test_an_escalated_alert_reaches_the_leaders_one_level_up_as_a_reminder(notify, events):
    raised = events.alert_raised(level="red", area_code="33119900500101")
    data = raised.data
    escalated = AlertEscalated.create(
        AlertEscalatedData(
            alert_id=data.alert_id,
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            level=data.level,
            area_code=data.area_code,
            actor="system",
            occurred_at=datetime.now(UTC),
            summary=data.summary,
            escalation_count=1,
            escalated_to_area_code="331199005001",
            notify_roles=["leader", "analyst"],
            ack_due_at=datetime.now(UTC),
        ),
        subject=str(data.alert_id),
        correlationid=raised.correlationid,
    )

    await notify.send(escalated)

    village_leader = {"role": "leader", "subject": "leader5", "area": "331199005001"}
    (item,) = await items_for_ticket(notify, raised, **village_leader)
    assert item["title"].startswith("【第2次提醒】红色预警")
    assert item["requires_ack"] is True


async def test_an_acknowledged_event_stops_the_repeats(notify, events):
    raised = events.alert_raised(level="orange", area_code="33119900800101")
    await notify.send(raised)
    await notify.send(events.alert_acknowledged(raised))
    await eventually(
        lambda: notify.scalar(
            "SELECT count(*) FROM alert_watches"
            " WHERE alert_id = :a AND acknowledged_at IS NOT NULL",
            a=raised.data.alert_id,
        )
    )
    await asyncio.sleep(0.8)

    repeats = await notify.scalar(
        "SELECT repeats_sent FROM alert_watches WHERE alert_id = :a", a=raised.data.alert_id
    )
    assert repeats == 0


# --- templates -----------------------------------------------------------------------------


async def test_templates_are_listed_and_previewed_strictly(notify):
    listed = await notify.client.get("/v1/templates", headers=notify.headers())
    ok = await notify.client.post(
        "/v1/templates/ticket_receipt.sms/preview",
        json={"variables": {"ticket_number": "QS20261123000123"}},
        headers=notify.headers(),
    )
    missing = await notify.client.post(
        "/v1/templates/task_assigned.in_app/preview",
        json={"variables": {"ticket_number": "QS20261123000123"}},
        headers=notify.headers(),
    )
    unknown = await notify.client.post(
        "/v1/templates/nope.sms/preview", json={"variables": {}}, headers=notify.headers()
    )

    assert listed.status_code == 200
    assert {"ticket_receipt.sms", "callback_survey.sms"} <= {t["id"] for t in listed.json()}
    assert ok.status_code == 200, ok.text
    assert ok.json()["text"].startswith("【平安县社会治理】") and ok.json()["segments"] == 1
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "unit_name" in missing.json()["detail"]
    assert unknown.status_code == 404


async def test_a_client_of_another_replica_sees_the_item_through_listen_notify(notify, events):
    # Replica B shares A's database but consumes nothing: only LISTEN/NOTIFY can tell it.
    settings = notify.service.settings.model_copy(
        update={"consumers_enabled": False, "worker_enabled": False, "migrate_on_start": False}
    )
    async with (
        running_service(notify_bootstrap, settings) as replica_b,
        serve_here(replica_b.app) as url_b,
    ):
        unit = {"area": "331199008", "unit": "331199008-ZZ"}
        async with SseClient(url_b, token(notify, **unit)) as client:
            assigned = events.task_assigned(unit_code="331199008-ZZ", area_code="331199008001")
            await notify.send(assigned)

            got = await client.next()

    assert json.loads(got.data)["ticket_id"] == str(assigned.data.ticket_id)


async def test_a_scheduled_session_reaches_the_cases_mediator_in_app(notify, events):
    ticket = events.ticket_registered()
    case_id = uuid.uuid4()
    data = CaseSessionScheduledData(
        case_id=case_id,
        case_number="TJ20261202000003",
        ticket_id=ticket.data.ticket_id,
        ticket_number=ticket.data.ticket_number,
        committee_code="331199001001-TWH",
        area_code="331199001001",
        state="mediating",
        actor="mediator1",
        occurred_at=datetime.now(UTC),
        session_id=uuid.uuid4(),
        session_no=1,
        place="幸福社区调解室",
        starts_at=datetime(2026, 12, 3, 1, 30, tzinfo=UTC),
        mediator_id="mediator1",
    )
    scheduled = CaseSessionScheduled.create(
        data, subject=str(case_id), correlationid=str(ticket.data.ticket_id)
    )

    await notify.send(scheduled)

    mediator = {"area": "331199001001", "unit": "331199001001-TWH"}
    (item,) = await items_for_ticket(notify, scheduled, "mediator", subject="mediator1", **mediator)
    assert item["title"] == "调解安排 TJ20261202000003"
    assert "2026-12-03 09:30" in item["body"] and "幸福社区调解室" in item["body"]
    other = await inbox(
        notify, "mediator", subject="mediator3", ticket_id=str(ticket.data.ticket_id)
    )
    assert other["items"] == []
