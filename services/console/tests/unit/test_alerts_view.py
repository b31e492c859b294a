"""The alert board and panel view models: lanes by colour, clocks in county time, exactly the
service's allowed actions, and the bodies the action forms send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pingan_console.alerts.view import (
    ack_deadline,
    action_body,
    board,
    county_time,
    if_match,
    panel,
    shown_summary,
)
from pingan_console.keypersons.view import row as key_person_row

NOW = datetime(2026, 11, 5, 6, 0, tzinfo=UTC)  # 14:00 county time


def alert(level: str = "red", state: str = "raised", **fields: Any) -> dict[str, Any]:
    return {
        "id": fields.pop("id", f"00000000-0000-0000-0000-00000000000{len(level)}"),
        "ticket_number": "QS20261105001",
        "subject_kind": "caller",
        "level": level,
        "state": state,
        "summary": "扬言跳楼",
        "area_code": "331199001",
        "raised_at": (NOW - timedelta(minutes=5)).isoformat(),
        "ack_due_at": (NOW + timedelta(minutes=10)).isoformat(),
        "escalation_count": 0,
        "signals": [{"rule": "threat", "evidence": "今天再不给钱我就跳楼", "level": "red"}],
        "version": 2,
        **fields,
    }


def names(code: str) -> str:
    return {"331199001": "城关街道"}.get(code, code)


def test_the_board_has_one_lane_per_colour_red_first_even_when_empty() -> None:
    the_board = board([alert("yellow"), alert("red")], NOW, names)
    assert [lane.level for lane in the_board.lanes] == ["red", "orange", "yellow", "blue"]
    assert [lane.count for lane in the_board.lanes] == [1, 0, 1, 0]
    assert the_board.total == 2
    red = the_board.lanes[0].cards[0]
    assert red.level_label == "红色"
    assert red.state_label == "待签收"
    assert red.area_name == "城关街道"
    assert red.signals[0].rule == "极端言行"


def test_in_a_lane_the_alerts_waiting_for_a_signature_come_first_then_the_newest() -> None:
    older = alert(id="a", state="raised", raised_at=(NOW - timedelta(hours=2)).isoformat())
    signed = alert(id="b", state="acknowledged", raised_at=NOW.isoformat())
    newer = alert(id="c", state="raised", raised_at=(NOW - timedelta(minutes=1)).isoformat())
    cards = board([older, signed, newer], NOW, names).lanes[0].cards
    assert [c.id for c in cards] == ["c", "a", "b"]


def test_the_acknowledgement_clock_counts_down_and_then_says_it_is_late() -> None:
    assert ack_deadline(alert(), NOW) == ("签收剩余 10 分钟", False)
    late = alert(ack_due_at=(NOW - timedelta(minutes=75)).isoformat())
    assert ack_deadline(late, NOW) == ("签收已超时 1 小时 15 分", True)
    assert ack_deadline(alert(state="acknowledged"), NOW) == ("", False)


def test_times_are_shown_in_county_time() -> None:
    assert county_time(NOW.isoformat()) == "11-05 14:00"
    assert county_time(None) == "—"


def test_the_panel_offers_exactly_the_allowed_actions_in_lifecycle_order() -> None:
    detail = alert(
        allowed_actions=["close", "handle", "unknown-new-action"],
        history=[{"at": NOW.isoformat(), "action": "raise", "actor": "analyst1",
                  "from_state": None, "to_state": "raised", "details": {}}],
        acknowledged_by=None,
    )  # fmt: skip
    shown = panel(detail, NOW, names, lambda user: {"analyst1": "陈静"}.get(user, user))
    assert shown.actions == ["handle", "close"]
    assert shown.etag == 'W/"2"'
    assert shown.history[0].action == "生成预警"
    assert shown.history[0].actor == "陈静"


def test_if_match_is_the_weak_tag_riskassess_answers() -> None:
    assert if_match(7) == 'W/"7"'


def test_the_action_forms_send_the_bodies_riskassess_expects() -> None:
    assert action_body("acknowledge", {"note": "  ", "version": "2"}) == {"note": None}
    assert action_body(
        "request-verification", {"summary": "核实", "due_at": "2026-11-05T18:30"}
    ) == {
        "summary": "核实",
        "due_at": "2026-11-05T18:30:00+08:00",
    }
    assert action_body("verify", {"outcome": "false_alarm", "notes": "现场无人"}) == {
        "outcome": "false_alarm",
        "notes": "现场无人",
    }
    assert action_body("close", {"reason": "误报"}) == {"reason": "误报"}
    with pytest.raises(ValueError):
        action_body("delete", {})


def test_a_key_person_past_the_visit_date_is_marked_overdue() -> None:
    person = {
        "ref": "KP-1", "category": "drug_user", "name": "某某", "area_code": "331199001",
        "case_officer": "综治中心", "status": "registered", "risk_rating": "orange",
        "visit_interval_days": 30, "last_visit_at": None,
        "next_visit_due_at": (NOW - timedelta(days=1)).isoformat(), "lost_contact": True,
    }  # fmt: skip
    shown = key_person_row(person, NOW, names)
    assert shown.category == "吸毒人员"
    assert shown.visit_overdue is True
    assert shown.lost_contact is True
    released = key_person_row({**person, "status": "released"}, NOW, names)
    assert released.visit_overdue is False


def test_the_rule_of_a_summary_is_named_in_chinese() -> None:
    assert shown_summary("threat: 扬言自杀/跳楼") == "极端言行：扬言自杀/跳楼"
    assert shown_summary("repeat_caller: 30天内第3次来电") == "重复来电：30天内第3次来电"
    assert shown_summary("来电人情绪激动") == "来电人情绪激动"
    assert shown_summary("unknown_rule: x") == "unknown_rule: x"
