"""Who hears about what, pure: notices built from TaskAssigned, CaseOpened and AlertRaised."""

from __future__ import annotations

from datetime import UTC, datetime

from pingan_notify.messages import (
    notices_for_alert_raised,
    notices_for_case_opened,
    notices_for_task_assigned,
)


def test_an_assigned_task_is_announced_to_the_handling_unit(events):
    event = events.task_assigned(unit_code="331199001-ZZ")

    (notice,) = notices_for_task_assigned(event)

    assert (notice.recipient_kind, notice.recipient) == ("unit", "331199001-ZZ")
    assert notice.ticket_id == event.data.ticket_id
    assert event.data.ticket_number in notice.title
    assert "城关街道综治中心" in notice.body


def test_an_assigned_task_is_announced_to_every_co_handling_unit_too(events):
    event = events.task_assigned(
        unit_code="331199-D-CG", co_unit_codes=("331199001-ZZ", "331199-D-SJ")
    )

    notices = notices_for_task_assigned(event)

    assert [n.recipient for n in notices] == ["331199-D-CG", "331199001-ZZ", "331199-D-SJ"]
    assert {n.recipient_kind for n in notices} == {"unit"}
    assert len({n.body for n in notices}) == 1


def test_task_deadlines_are_shown_in_china_time(events):
    event = events.task_assigned(
        accept_due_at=datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
        due_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    )

    (notice,) = notices_for_task_assigned(event)

    assert "2026-11-23 10:30 前签收" in notice.body
    assert "2026-11-30 10:00 前办结" in notice.body


def test_an_opened_case_is_announced_to_its_committee(events):
    event = events.case_opened(committee_code="331199001002-TWH")

    (notice,) = notices_for_case_opened(event)

    assert (notice.recipient_kind, notice.recipient) == ("unit", "331199001002-TWH")
    assert event.data.case_number in notice.title
    assert event.data.ticket_number in notice.body
    assert notice.ticket_id == event.data.ticket_id


def test_an_alert_reaches_each_role_on_duty_for_its_area(events):
    event = events.alert_raised(notify_roles=("leader", "analyst"), area_code="33119900100101")

    notices = notices_for_alert_raised(event)

    assert [(n.recipient_kind, n.recipient) for n in notices] == [
        ("role", "leader@33119900100101"),
        ("role", "analyst@33119900100101"),
    ]


def test_an_alert_title_names_its_level_in_chinese(events):
    red = notices_for_alert_raised(events.alert_raised(level="red"))[0]
    (yellow,) = notices_for_alert_raised(
        events.alert_raised(level="yellow", notify_roles=("analyst",))
    )

    assert red.title.startswith("红色预警")
    assert yellow.title.startswith("黄色预警")
    assert "跳楼" in red.body


def test_an_alert_for_the_analyst_only_makes_one_notice(events):
    notices = notices_for_alert_raised(events.alert_raised(level="blue", notify_roles=("analyst",)))

    assert [n.recipient for n in notices] == ["analyst@33119900100101"]
