"""The task page's timeline and deadlines, as the dispatch service's detail gives them."""

from __future__ import annotations

from datetime import UTC, datetime

from pingan_console.dispatch.detail import candidates, deadlines, stage, timeline

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_the_timeline_is_newest_first_with_names_states_and_details() -> None:
    history = [
        {"at": "2026-11-23T01:00:00Z", "action": "assign", "actor": "dispatcher1",
         "from_state": "created", "to_state": "assigned",
         "details": {"unit_code": "331199001-ZZ", "due_at": "2026-11-30T01:00:00Z",
                     "fallback": False}},
        {"at": "2026-11-23T02:00:00Z", "action": "escalated", "actor": "system",
         "from_state": "accepted", "to_state": "accepted", "details": {}},
    ]  # fmt: skip
    units = {"331199001-ZZ": "城关街道综治中心"}
    entries = timeline(
        history,
        unit_name=lambda code: units.get(code or "", code or ""),
        person=lambda subject: {"dispatcher1": "李强"}.get(subject, subject),
    )
    assert [entry.label for entry in entries] == ["升级督办", "派单"]
    assert entries[0].change == ""  # no state change
    assert entries[1].actor == "李强"
    assert entries[1].change == "待派单 → 待签收"
    assert ("单位", "城关街道综治中心") in entries[1].details
    assert ("办结期限", "2026-11-30 09:00") in entries[1].details


def test_deadlines_show_time_left_only_while_the_clock_runs() -> None:
    running = {
        "state": "accepted",
        "deadlines": {"due_at": "2026-11-23T09:00:00Z", "accept_due_at": "2026-11-23T02:00:00Z",
                      "warn_at": None, "escalate_at": None, "stage": "ok"},
    }  # fmt: skip
    (due,) = deadlines(running, NOW)  # a signed task has no sign-in deadline to show
    assert (due.label, due.at, due.remaining) == ("办结期限", "2026-11-23 17:00", "剩余 3小时")
    stopped = {"state": "replied", "deadlines": {**running["deadlines"], "stage": None}}
    assert deadlines(stopped, NOW)[0].remaining == ""
    assert stage(running) == ("正常", "")
    assert stage(stopped) == ("", "")


def test_the_chosen_rule_comes_first_in_the_explanation() -> None:
    explained = {
        "candidates": [
            {"rule_id": "R-GAS", "outcome": "skipped", "why": "小类不符"},
            {"rule_id": "R-CITY-TOWNSHIP", "outcome": "chosen", "why": "属地"},
        ]
    }
    assert [row["rule_id"] for row in candidates(explained)] == ["R-CITY-TOWNSHIP", "R-GAS"]
    assert candidates(None) == []
