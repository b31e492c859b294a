"""The mediation pages' pure parts: list rows, the timeline's words, the action bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from pingan_console.mediation import forms, views
from pingan_console.mediation.routes import agreement_filename

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CASE = {
    "id": "0194d7c6-0000-7000-8000-000000000002",
    "case_number": "TJ20261202000001",
    "state": "mediating",
    "dispute_label": "邻里纠纷",
    "level": "village",
    "committee_name": "幸福社区人民调解委员会",
    "mediator_name": "陈秀英",
    "leader_name": None,
    "opened_at": "2026-11-01T01:00:00+00:00",
    "due_at": "2026-12-01T16:00:00+00:00",
}


def test_a_running_case_past_its_deadline_is_overdue_and_names_its_mediator() -> None:
    row = views.case_row(CASE, NOW)
    assert (row.state_label, row.level, row.mediator, row.overdue) == (
        "调解中",
        "村（社区）级",
        "陈秀英",
        True,
    )
    assert (row.opened, row.due) == ("2026-11-01 09:00", "2026-12-02 00:00")


def test_an_agreed_case_has_no_running_deadline_and_a_leader_shows_before_the_mediator() -> None:
    row = views.case_row({**CASE, "state": "agreed", "leader_name": "赵建国"}, NOW)
    assert (row.due, row.overdue, row.mediator) == ("", False, "赵建国")


def test_the_timeline_names_staff_and_the_change_of_state() -> None:
    (line,) = views.timeline(
        [
            {
                "at": "2026-12-02T07:00:00+00:00",
                "action": "schedule-session",
                "actor": "mediator1",
                "from_state": "mediating",
                "to_state": "mediating",
                "details": {"place": "调解室", "starts_at": "2026-12-03T01:30:00+00:00"},
            }
        ],
        {"mediator1": "陈秀英"},
    )
    assert (line.label, line.actor, line.change, line.note) == (
        "安排调解",
        "陈秀英",
        "",
        "调解室 2026-12-03 09:30",
    )
    (accepted,) = views.timeline(
        [{"action": "accept", "actor": "x", "from_state": "registered", "to_state": "accepted"}],
        {},
    )
    assert accepted.change == "待受理 → 已受理，待指派"


def test_money_and_the_agreement_marker() -> None:
    assert views.money("3000") == "¥3,000.00"
    assert views.money(None) == ""
    assert views.has_agreement({"terms": [{"term_no": 1}]})
    assert not views.has_agreement({"terms": []})


def test_a_session_is_scheduled_in_county_time() -> None:
    body = forms.action_body(
        "schedule-session",
        {"place": "社区调解室", "starts_at": "2026-12-03T09:30", "experts": "民警王警官，律师"},
    )
    assert body == {
        "place": "社区调解室",
        "starts_at": "2026-12-03T09:30:00+08:00",
        "experts": ["民警王警官", "律师"],
    }


def test_an_agreement_takes_the_filled_term_rows_and_refuses_a_row_without_a_due_date() -> None:
    form = {
        "facts": "漏水致损",
        "term1_party": "2",
        "term1_description": "赔偿修复费",
        "term1_amount": "3000",
        "term1_due_on": "2026-12-13",
        "term2_party": "2",
    }
    body = forms.action_body("record-agreement", form)
    assert body["terms"] == [
        {"obligor_party": 2, "description": "赔偿修复费", "due_on": "2026-12-13", "amount": "3000"}
    ]
    with pytest.raises(forms.FormProblem):
        forms.action_body("record-agreement", {**form, "term1_due_on": ""})
    with pytest.raises(forms.FormProblem):
        forms.action_body("record-agreement", {"facts": "漏水致损"})


def test_other_action_bodies() -> None:
    assert forms.action_body("assign", {"mediator_id": ""}) == {"mediator_id": None}
    assert forms.action_body("record-session", {"record": "双方同意", "session_no": "1"}) == {
        "session_no": 1,
        "outcome": "progress",
        "attendance": [],
        "record": "双方同意",
        "threat_recorded": False,
        "violence_recorded": False,
    }
    assert forms.action_body("record-followup", {"term_no": "1", "performed": "1", "note": "已付"})[
        "performed"
    ]
    with pytest.raises(forms.FormProblem):
        forms.action_body("decline", {"reason_code": "in_court", "reason": ""})
    with pytest.raises(forms.FormProblem):
        forms.action_body("unknown", {})


def test_the_pdf_keeps_the_services_plain_file_name_only() -> None:
    case_id = UUID(CASE["id"])
    assert (
        agreement_filename('inline; filename="TJ20261202000001-agreement.pdf"', case_id)
        == "TJ20261202000001-agreement.pdf"
    )
    assert agreement_filename('inline; filename="../x\r\n.pdf"', case_id) == (
        f"case-{case_id}-agreement.pdf"
    )
