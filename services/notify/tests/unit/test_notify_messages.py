"""Pure rules: what messages say, who sees an inbox item, which webhooks match an event."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from pingan_common.auth import Principal
from pingan_notify.deliveries.trigger import event_kind
from pingan_notify.notices.messages import (
    alert_variables,
    county_time,
    deadline_variables,
    repeat_title,
    supervision_level,
    task_assigned_variables,
)
from pingan_notify.stream.hub import item_visible_to
from pingan_notify.surveys.callback_survey import survey_verdict
from pingan_notify.templates.catalog import default_catalog, render
from pingan_notify.webhooks.subscriptions import (
    pattern_is_valid,
    subscription_matches,
    type_matches,
)


def test_deadlines_are_shown_in_china_time():
    variables = task_assigned_variables(
        unit_name="城关街道综治中心",
        ticket_number="QS20261123000123",
        accept_due_at=datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
        due_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    )

    message = render(default_catalog(), "task_assigned.in_app", variables)

    assert "2026-11-23 10:30 前签收" in message.body
    assert "2026-11-30 10:00 前办结" in message.body
    assert message.title == "新派工单 QS20261123000123"
    assert county_time(None) == "待定"


def test_the_sms_template_takes_only_the_variables_it_declares():
    variables = deadline_variables(
        ticket_number="QS20261123000123",
        unit_name="城关街道综治中心",
        due_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    )

    sms = render(default_catalog(), "deadline_warning.sms", variables)
    in_app = render(default_catalog(), "deadline_warning.in_app", variables)

    assert set(sms.params) == {"ticket_number", "due_at"}
    assert sms.text.startswith("【平安县社会治理】") and sms.segments == 1
    assert "城关街道综治中心" in in_app.body


def test_an_alert_names_its_level_in_chinese_and_repeats_say_so():
    variables = alert_variables(level="orange", ticket_number="QS1", summary="threat_words: 跳楼")
    message = render(default_catalog(), "alert_raised.in_app", variables)

    assert message.title == "橙色预警：工单 QS1"
    assert repeat_title(message.title, 0) == message.title
    assert repeat_title(message.title, 2) == "【第3次提醒】橙色预警：工单 QS1"


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("pingan.dispatch.task.assigned.v1", "task.assigned"),
        ("pingan.riskassess.alert.raised.v1", "alert.raised"),
        ("notify.sms_budget.near_limit", "notify.sms_budget.near_limit"),
    ],
)
def test_an_inbox_item_kind_is_the_aggregate_and_the_step(event_type, kind):
    assert event_kind(event_type) == kind


def test_the_supervision_level_follows_the_area_code_of_the_unit():
    assert supervision_level("331199-CC") == "县级"
    assert supervision_level("331199001-ZZ") == "乡镇（街道）"


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("1", "satisfied"),
        (" 2 ", "basically_satisfied"),
        ("3。", "unsatisfied"),
        ("满意", "satisfied"),
        ("不满意", "unsatisfied"),
        ("4", None),
        ("谢谢", None),
    ],
)
def test_a_survey_reply_is_read_as_a_verdict(reply, verdict):
    assert survey_verdict(reply) == verdict


TOWNSHIP_HANDLER = Principal(
    "handler1", "张伟", roles={"handler"}, area_code="331199001", unit_code="331199001-ZZ"
)
TOWNSHIP_LEADER = Principal(
    "leader2", "潘志勇", roles={"leader"}, area_code="331199001", unit_code="331199001-ZZ"
)


def test_an_inbox_item_is_seen_by_its_user_its_unit_and_its_role_within_the_area():
    assert item_visible_to(TOWNSHIP_HANDLER, "unit", "331199001-ZZ")
    assert not item_visible_to(TOWNSHIP_HANDLER, "unit", "331199002-ZZ")
    assert item_visible_to(TOWNSHIP_LEADER, "role", "leader@33119900100101")
    assert not item_visible_to(TOWNSHIP_LEADER, "role", "leader@331199002001")
    assert not item_visible_to(TOWNSHIP_HANDLER, "role", "leader@33119900100101")
    assert item_visible_to(TOWNSHIP_LEADER, "user", "leader2")
    assert not item_visible_to(TOWNSHIP_HANDLER, "user", "leader2")


def test_webhook_types_match_exactly_or_by_prefix_and_areas_by_prefix():
    subscription = SimpleNamespace(
        active=True, event_types=["pingan.dispatch.task.*"], area_prefix="331199001"
    )

    assert type_matches("pingan.dispatch.task.*", "pingan.dispatch.task.assigned.v1")
    assert not type_matches("pingan.dispatch.task.assigned.v1", "pingan.dispatch.task.closed.v1")
    assert subscription_matches(subscription, "pingan.dispatch.task.closed.v1", "331199001002")
    assert not subscription_matches(subscription, "pingan.dispatch.task.closed.v1", "331199002")
    assert not subscription_matches(subscription, "pingan.intake.ticket.registered.v1", "331199001")
    assert pattern_is_valid("pingan.intake.ticket.police_feedback.v1")
    assert not pattern_is_valid("pingan.intake.ticket.nope.v1")
    assert not pattern_is_valid("*")
