"""An alert's level raised (``alert.level_raised``) reaches the leaders on duty of its area at
the new level: in-app, and by SMS when red or orange, with no key-person data in the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pingan_common.events.riskassess import (
    AlertLevelRaised,
    AlertLevelRaisedData,
    AlertRaised,
    RiskSignal,
)
from pingan_common.testing.services import eventually

KEY_PERSON_EVIDENCE = "涉及在册社区矫正人员"


def level_raised(raised: AlertRaised, *, to: str, signals: list[RiskSignal]) -> AlertLevelRaised:
    data = raised.data
    return AlertLevelRaised.create(
        AlertLevelRaisedData(
            alert_id=data.alert_id,
            ticket_id=data.ticket_id,
            ticket_number=data.ticket_number,
            level=to,
            area_code=data.area_code,
            actor="system",
            occurred_at=datetime.now(UTC),
            previous_level=data.level,
            signals=signals,
            summary="; ".join(f"{s.rule}: {s.evidence}" for s in signals),
            notify_roles=["leader", "analyst"],
            ack_due_at=datetime.now(UTC) + timedelta(minutes=15),
        ),
        subject=str(data.alert_id),
        correlationid=raised.correlationid,
    )


async def _leader_on_duty(notify, events, code: str, phone: str) -> None:  # type: ignore[no-untyped-def]
    unit, area = f"{code}-ZZ", code
    await notify.send(events.unit_changed(unit, area_code=area))
    await notify.send(
        events.staff_changed(
            f"leader-{code}", roles=("leader",), unit_code=unit, area_code=area, phone=phone
        )
    )
    await notify.send(events.roster_changed(unit, [(f"leader-{code}", "leader")]))
    await eventually(
        lambda: notify.scalar("SELECT count(*) FROM directory_rosters WHERE unit_code = :u", u=unit)
    )


async def _items(notify, ticket_id: str, leader: dict, count: int):  # type: ignore[no-untyped-def]
    token = notify.stack.auth.token("leader", **leader)

    async def probe():  # type: ignore[no-untyped-def]
        response = await notify.client.get(
            "/v1/inbox",
            params={"ticket_id": ticket_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return items if len(items) >= count else None

    return await eventually(probe)


async def test_an_alert_raised_to_red_reaches_the_leader_on_duty_by_inbox_and_sms_without_key_person_data(  # noqa: E501
    notify, events, sms_gateway
):
    await _leader_on_duty(notify, events, "331199004", "13911110004")
    raised = events.alert_raised(level="yellow", area_code="33119900400101")
    signals = [
        RiskSignal(rule="key_person_involved", evidence=KEY_PERSON_EVIDENCE, level="yellow"),
        RiskSignal(rule="threat_words", evidence="扬言跳楼", level="red"),
    ]

    await notify.send(level_raised(raised, to="red", signals=signals))

    leader = {"subject": "leader-331199004", "area": "331199004", "unit": "331199004-ZZ"}
    (item, *_) = await _items(notify, str(raised.data.ticket_id), leader, 1)
    assert item["title"].startswith("红色预警")
    assert item["urgent"] and item["requires_ack"]
    assert "由黄色升为红色" in item["body"] and "扬言跳楼" in item["body"]
    # Still unacknowledged at red, it is watched: the module repeats every 0.3 s, and the
    # repeat's SMS says it is a reminder, so the leader can tell it from a second alert.
    texts = await _texts_when(sms_gateway, "13911110004", count=2)
    (sms,) = [text for text in texts if "提醒" not in text]
    reminder = next(text for text in texts if "第2次提醒" in text)
    assert "红色预警" in sms and "由黄色升为红色" in sms
    assert "】第2次提醒，红色预警仍未确认：" in reminder
    assert "由黄色升为红色" in reminder
    for text in (item["title"], item["body"], sms, reminder):
        assert "矫正" not in text and "key_person" not in text
    watched = await notify.scalar(
        "SELECT count(*) FROM alert_watches WHERE alert_id = :a", a=raised.data.alert_id
    )
    assert watched == 1


async def _texts_when(sms_gateway, phone: str, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    async def probe():  # type: ignore[no-untyped-def]
        messages = await sms_gateway.messages(phone)
        return [m["text"] for m in messages] if len(messages) >= count else None

    return await eventually(probe)


async def test_an_alert_raised_to_yellow_is_an_in_app_notice_only(notify, events):
    await _leader_on_duty(notify, events, "331199003", "13911110003")
    raised = events.alert_raised(level="blue", area_code="33119900300101")
    signals = [RiskSignal(rule="key_person_involved", evidence=KEY_PERSON_EVIDENCE)]

    event = level_raised(raised, to="yellow", signals=signals)
    await notify.send(event)

    leader = {"subject": "leader-331199003", "area": "331199003", "unit": "331199003-ZZ"}
    (item,) = await _items(notify, str(raised.data.ticket_id), leader, 1)
    assert item["title"].startswith("黄色预警")
    assert not item["urgent"]
    # Only a key-person signal raised it: the text says the level, nothing about the person.
    assert "矫正" not in item["body"] and "由蓝色升为黄色" in item["body"]
    sms = await notify.scalar(
        "SELECT count(*) FROM deliveries WHERE trigger_event_id = :e AND channel = 'sms'",
        e=event.id,
    )
    assert sms == 0
    watched = await notify.scalar(
        "SELECT count(*) FROM alert_watches WHERE alert_id = :a", a=raised.data.alert_id
    )
    assert watched == 0


async def test_a_raised_alert_names_no_key_person_evidence(notify, events):
    raised = events.alert_raised(level="yellow", notify_roles=("analyst",))
    signals = [RiskSignal(rule="key_person_involved", evidence=KEY_PERSON_EVIDENCE)]
    data = raised.data.model_copy(
        update={"signals": signals, "summary": f"key_person_involved: {KEY_PERSON_EVIDENCE}"}
    )
    only_key_person = raised.model_copy(update={"data": data})

    await notify.send(only_key_person)

    async def delivered():  # type: ignore[no-untyped-def]
        return await notify.items(
            "/v1/deliveries", role="admin", correlation_id=only_key_person.correlationid
        )

    (delivery,) = await eventually(delivered)
    assert delivery["title"].startswith("黄色预警")
    assert "矫正" not in str(delivery) and "key_person" not in str(delivery)
