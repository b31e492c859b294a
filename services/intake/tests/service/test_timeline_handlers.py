"""Intake keeps each ticket's timeline and status from other services' events on the broker."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pingan_common.events import (
    AlertRaised,
    AlertRaisedData,
    CaseOpened,
    CaseOpenedData,
    Category,
    DeliverySent,
    DeliverySentData,
    EventEnvelope,
    RiskLevel,
    RiskSignal,
)
from pingan_common.events.riskassess import (
    AlertAcknowledged,
    AlertAcknowledgedData,
    AlertClosed,
    AlertClosedData,
    AlertHandled,
    AlertHandledData,
    AlertLevelRaised,
    AlertLevelRaisedData,
    AlertVerified,
    AlertVerifiedData,
    VerificationRequested,
    VerificationRequestedData,
)
from pingan_common.testing.services import eventually
from pingan_intake.models import TimelineEntry, messaging
from services.intake.tests.service.task_events import now, task_assigned, task_created

INBOX = messaging.inbox
DEAD_LETTERS = "dispatch.tasks.v1.dlq.intake"
DISPUTE = Category(group="dispute", code="neighbour", label="邻里纠纷")


def case_opened(ticket: dict) -> CaseOpened:
    case_id = uuid.uuid4()
    data = CaseOpenedData(
        case_id=case_id,
        case_number="TJ20261123000001",
        ticket_id=ticket["id"],
        ticket_number=ticket["ticket_number"],
        category=DISPUTE,
        committee_code="331199001001-TWH",
        committee_name="幸福社区人民调解委员会",
        area_code=ticket["location"]["area_code"],
        opened_at=now(),
        due_at=now() + timedelta(days=30),
    )
    return CaseOpened.create(data, subject=str(case_id), correlationid=ticket["id"])


def alert_raised(ticket: dict) -> AlertRaised:
    alert_id = uuid.uuid4()
    data = AlertRaisedData(
        alert_id=alert_id,
        ticket_id=ticket["id"],
        ticket_number=ticket["ticket_number"],
        level=RiskLevel.RED,
        signals=[RiskSignal(rule="threat_words", evidence="跳楼")],
        area_code=ticket["location"]["area_code"],
        summary="扬言跳楼",
        notify_roles=["leader"],
        raised_at=now(),
    )
    return AlertRaised.create(data, subject=str(alert_id), correlationid=ticket["id"])


def delivery_sent(
    ticket_id: str | None, correlationid: str, recipient: str = "331199001-ZZ"
) -> DeliverySent:
    delivery_id = uuid.uuid4()
    data = DeliverySentData(
        delivery_id=delivery_id,
        channel="in_app",
        recipient_kind="unit" if "#" not in recipient else "phone",
        recipient=recipient,
        title="新工单待签收",
        ticket_id=ticket_id,
        trigger_event_id=uuid.uuid4(),
        trigger_type="pingan.dispatch.task.assigned.v1",
        sent_at=now(),
    )
    return DeliverySent.create(data, subject=str(delivery_id), correlationid=correlationid)


async def _ticket_view(api, ticket_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = await api.get(ticket_id, role="leader")
    assert response.status_code == 200, response.text
    return response.json()


async def _steps_once(api, ticket_id: str, *steps: str):  # type: ignore[no-untyped-def]
    """The ticket once its timeline holds all ``steps``; None before."""
    view = await _ticket_view(api, ticket_id)
    have = [entry["step"] for entry in view["timeline"]]
    return view if all(step in have for step in steps) else None


async def _applied(api, event: EventEnvelope) -> bool:
    """True once intake's consumer has taken the event (its inbox row is committed)."""
    return await api.count(INBOX, INBOX.c.event_id == event.id) == 1


@pytest.fixture
async def ticket(api) -> dict:  # type: ignore[no-untyped-def]
    return await api.register(api.lone_body())


async def test_created_and_assigned_task_show_in_the_timeline_and_dispatch_the_ticket(
    api, broker, ticket
):
    task_id = uuid.uuid4()
    await broker.produce(task_created(ticket, task_id))
    await broker.produce(task_assigned(ticket, task_id))

    view = await eventually(lambda: _steps_once(api, ticket["id"], "task_assigned"))

    assert [e["step"] for e in view["timeline"]] == ["registered", "task_created", "task_assigned"]
    assigned = view["timeline"][-1]
    assert assigned["service"] == "dispatch"
    assert "城关街道综治中心" in assigned["summary"]
    # the deadline as people read it, in county time (not an ISO timestamp)
    assert re.search(r"办理时限 \d{4}-\d\d-\d\d \d\d:\d\d$", assigned["summary"])
    registered = view["timeline"][0]["summary"]
    assert "处置方式 派单办理" in registered or "处置方式" not in registered
    assert assigned["details"]["unit_code"] == "331199001-ZZ"
    assert assigned["details"]["task_id"] == str(task_id)
    assert view["status"] == "dispatched"
    assert view["updated_at"] > ticket["updated_at"]


async def test_created_task_alone_leaves_the_ticket_registered(api, broker, ticket):
    await broker.produce(task_created(ticket))

    view = await eventually(lambda: _steps_once(api, ticket["id"], "task_created"))

    assert view["status"] == "registered"


async def test_opened_mediation_case_puts_the_ticket_in_mediation(api, broker, ticket):
    await broker.produce(case_opened(ticket))

    view = await eventually(lambda: _steps_once(api, ticket["id"], "case_opened"))

    entry = view["timeline"][-1]
    assert entry["service"] == "mediation"
    assert "幸福社区人民调解委员会" in entry["summary"]
    assert entry["details"]["committee_code"] == "331199001001-TWH"
    assert view["status"] == "mediating"


async def test_a_later_case_does_not_move_a_dispatched_ticket_back(api, broker, ticket):
    task_id = uuid.uuid4()
    await broker.produce(task_assigned(ticket, task_id))
    await eventually(lambda: _steps_once(api, ticket["id"], "task_assigned"))

    await broker.produce(case_opened(ticket))
    view = await eventually(lambda: _steps_once(api, ticket["id"], "case_opened"))

    assert view["status"] == "dispatched"


async def test_raised_alert_and_sent_notice_are_recorded_without_changing_status(
    api, broker, ticket
):
    await broker.produce(alert_raised(ticket))
    await broker.produce(delivery_sent(ticket["id"], ticket["id"]))

    view = await eventually(lambda: _steps_once(api, ticket["id"], "alert_raised", "notified"))

    by_step = {entry["step"]: entry for entry in view["timeline"]}
    assert by_step["alert_raised"]["service"] == "riskassess"
    assert by_step["alert_raised"]["details"]["level"] == "red"
    assert by_step["notified"]["service"] == "notify"
    assert by_step["notified"]["details"]["recipient"] == "331199001-ZZ"
    assert view["status"] == "registered"


async def test_the_same_event_delivered_twice_adds_one_entry(api, broker, ticket):
    # The second copy must be recognised (inbox), not fail on a constraint and be dead-lettered.
    dead_letters_before = await broker.message_count(DEAD_LETTERS)
    task_id = uuid.uuid4()
    duplicate = task_created(ticket, task_id)
    await broker.produce(duplicate)
    await broker.produce(duplicate)
    # Same topic and key, so the same partition: once this one is in, both copies were handled.
    marker = task_assigned(ticket, task_id)
    await broker.produce(marker)

    view = await eventually(lambda: _steps_once(api, ticket["id"], "task_assigned"))

    assert [e["step"] for e in view["timeline"]] == ["registered", "task_created", "task_assigned"]
    assert await api.count(TimelineEntry, TimelineEntry.source_event_id == duplicate.id) == 1
    assert await api.count(INBOX, INBOX.c.event_id == duplicate.id) == 1
    assert await broker.message_count(DEAD_LETTERS) == dead_letters_before


async def test_notice_without_a_ticket_is_ignored(api, broker, ticket):
    notice = delivery_sent(None, ticket["id"])
    await broker.produce(notice)

    await eventually(lambda: _applied(api, notice))

    assert await api.count(TimelineEntry, TimelineEntry.source_event_id == notice.id) == 0
    view = await _ticket_view(api, ticket["id"])
    assert [e["step"] for e in view["timeline"]] == ["registered"]


async def test_event_for_an_unknown_ticket_is_ignored_without_dead_lettering(api, broker):
    before = await broker.message_count(DEAD_LETTERS)
    stranger = {
        "id": str(uuid.uuid4()),
        "ticket_number": "QS20261123999999",
        "location": {"area_code": "331199001"},
    }
    event = task_assigned(stranger, uuid.uuid4())

    await broker.produce(event)
    await eventually(lambda: _applied(api, event))

    assert await api.count(TimelineEntry, TimelineEntry.source_event_id == event.id) == 0
    assert await broker.message_count(DEAD_LETTERS) == before


async def test_unparseable_message_is_dead_lettered_and_the_consumer_moves_on(api, broker, ticket):
    before = await broker.message_count(DEAD_LETTERS)
    task_id = uuid.uuid4()
    await broker.producer.send_and_wait(
        broker.topic("dispatch.tasks.v1"), value=b"{not json", key=str(task_id).encode()
    )

    async def one_more_dead_letter() -> bool:
        return await broker.message_count(DEAD_LETTERS) == before + 1

    await eventually(one_more_dead_letter)
    following = task_created(ticket, task_id)
    await broker.produce(following)
    await eventually(lambda: _steps_once(api, ticket["id"], "task_created"))


async def test_timeline_entries_are_in_the_order_the_steps_happened(api, broker, ticket):
    task_id = uuid.uuid4()
    created = task_created(ticket, task_id)
    assigned = task_assigned(ticket, task_id)
    # Produced in reverse: the timeline still sorts by when each step happened.
    await broker.produce(assigned)
    await broker.produce(created)

    view = await eventually(lambda: _steps_once(api, ticket["id"], "task_created", "task_assigned"))

    assert [e["step"] for e in view["timeline"]] == ["registered", "task_created", "task_assigned"]
    rows = await api.rows(
        select(TimelineEntry.at).where(TimelineEntry.ticket_id == uuid.UUID(ticket["id"]))
    )
    assert len(rows) == 3


async def test_a_notice_to_the_caller_names_the_masked_phone_not_the_recipient_key(
    api, broker, ticket
):
    await broker.produce(delivery_sent(ticket["id"], ticket["id"], "139****1957#bf9c27e4c880"))

    view = await eventually(lambda: _steps_once(api, ticket["id"], "notified"))

    (notified,) = [entry for entry in view["timeline"] if entry["step"] == "notified"]
    assert notified["summary"].startswith("已通知 139****1957：")
    assert "#" not in notified["summary"]


# --- an alert's lifecycle ---------------------------------------------------------------------


def alert_steps(ticket_id: str, ticket_number: str, area_code: str) -> list[EventEnvelope]:
    """Every step of one alert after it was raised yellow on the ticket: a key person's call
    first, then a threat raising it to red, through to a confirmed and handled close."""
    alert_id = uuid.uuid4()
    key_person = RiskSignal(rule="key_person_involved", evidence="涉及在册社区矫正人员")
    threat = RiskSignal(rule="threat_words", evidence="扬言跳楼")
    common = {
        "alert_id": alert_id,
        "ticket_id": ticket_id,
        "ticket_number": ticket_number,
        "area_code": area_code,
        "actor": "analyst1",
        "occurred_at": now(),
    }
    red = {**common, "level": RiskLevel.RED}
    raised = AlertRaisedData(
        alert_id=alert_id,
        ticket_id=ticket_id,
        ticket_number=ticket_number,
        level=RiskLevel.YELLOW,
        signals=[key_person],
        area_code=area_code,
        summary="key_person_involved: 涉及在册社区矫正人员",
        notify_roles=["analyst"],
        raised_at=now(),
        subject_kind="key_person",
        subject_ref="KP-0123456789AB",
    )
    datas: list[tuple[type[EventEnvelope], Any]] = [
        (AlertRaised, raised),
        (
            AlertLevelRaised,
            AlertLevelRaisedData(
                **red,
                previous_level=RiskLevel.YELLOW,
                signals=[threat],
                summary="key_person_involved: 涉及在册社区矫正人员；threat_words: 扬言跳楼",
                notify_roles=["leader", "analyst"],
            ),
        ),
        (
            AlertAcknowledged,
            AlertAcknowledgedData(
                alert_id=alert_id,
                ticket_id=ticket_id,
                level=RiskLevel.RED,
                area_code=area_code,
                acknowledged_by="leader1",
                acknowledged_at=now(),
                note="孙某某是社区矫正对象，已联系司法所",
            ),
        ),
        (
            VerificationRequested,
            VerificationRequestedData(
                alert_id=alert_id,
                ticket_id=ticket_id,
                ticket_number=ticket_number,
                level=RiskLevel.RED,
                area_code=area_code,
                summary="核查社区矫正对象孙某某的情况",
                requested_by="leader1",
                requested_at=now(),
            ),
        ),
        (
            AlertVerified,
            AlertVerifiedData(**red, outcome="confirmed", notes="孙某某情绪激动，属实"),
        ),
        (AlertHandled, AlertHandledData(**red, measures="司法所与家属共同稳控孙某某")),
        (AlertClosed, AlertClosedData(**red, outcome="confirmed", reason="已稳控孙某某")),
    ]
    return [cls.create(data, subject=str(alert_id), correlationid=ticket_id) for cls, data in datas]


ALERT_LINES = [
    ("alert_raised", "风险预警（黄色）"),
    ("alert_level_raised", "风险预警升级：黄色→红色：扬言跳楼"),
    ("alert_acknowledged", "风险预警（红色）已签收"),
    ("alert_verification_requested", "风险预警（红色）已派发现场核查"),
    ("alert_verified", "风险预警（红色）核查属实"),
    ("alert_handled", "风险预警（红色）已处置"),
    ("alert_closed", "风险预警（红色）已关闭（核查属实）"),
]


async def test_every_step_of_an_alert_shows_in_the_timeline_in_chinese_without_key_person_data(
    api, broker, ticket
):
    steps = alert_steps(ticket["id"], ticket["ticket_number"], ticket["location"]["area_code"])
    for event in steps:
        await broker.produce(event)

    view = await eventually(lambda: _steps_once(api, ticket["id"], "alert_closed"))

    lines = [(e["step"], e["summary"]) for e in view["timeline"] if e["service"] == "riskassess"]
    assert lines == ALERT_LINES
    shown = str(view["timeline"])
    for secret in ("孙某某", "矫正", "KP-0123456789AB", "key_person"):
        assert secret not in shown
    verified = next(e for e in view["timeline"] if e["step"] == "alert_verified")
    assert verified["details"]["outcome"] == "confirmed"
    assert view["status"] == "registered"


async def test_a_false_alarm_closes_with_its_own_line(api, broker, ticket):
    alert_id = uuid.uuid4()
    fields = {
        "alert_id": alert_id,
        "ticket_id": ticket["id"],
        "ticket_number": ticket["ticket_number"],
        "level": RiskLevel.ORANGE,
        "area_code": ticket["location"]["area_code"],
        "actor": "analyst1",
        "occurred_at": now(),
    }
    verified = AlertVerified.create(
        AlertVerifiedData(**fields, outcome="false_alarm", notes="误会"),
        subject=str(alert_id),
        correlationid=ticket["id"],
    )
    closed = AlertClosed.create(
        AlertClosedData(**fields, outcome="false_alarm", reason="误报"),
        subject=str(alert_id),
        correlationid=ticket["id"],
    )
    await broker.produce(verified)
    await broker.produce(closed)

    view = await eventually(lambda: _steps_once(api, ticket["id"], "alert_closed"))

    lines = [e["summary"] for e in view["timeline"] if e["service"] == "riskassess"]
    assert lines == ["风险预警（橙色）核查为误报", "风险预警（橙色）已关闭（误报）"]


async def test_alert_steps_of_an_alert_without_a_ticket_are_skipped_not_dead_lettered(api, broker):
    """A key person's or a case's alert carries a uuid5 ticket id intake never registered."""
    dead_letters = "riskassess.alerts.v1.dlq.intake"
    before = await broker.message_count(dead_letters)
    derived = str(uuid.uuid5(uuid.NAMESPACE_URL, f"key-person-{uuid.uuid4()}"))
    steps = alert_steps(derived, "KP-0123456789AB", "331199001001")

    for event in steps:
        await broker.produce(event)
    for event in steps:
        await eventually(lambda event=event: _applied(api, event))

    assert await api.count(TimelineEntry, TimelineEntry.ticket_id == uuid.UUID(derived)) == 0
    assert await broker.message_count(dead_letters) == before
