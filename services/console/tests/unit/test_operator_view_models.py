"""The call form's view models: the ticket body, the suggestions, the caller's history, the
banners of a registered call, and the place suggestions from the county's places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pingan_common.refdata import load_county
from pingan_console.operator.places import suggest_places
from pingan_console.operator.view_models import (
    KEY_REUSED,
    CallForm,
    banners_of,
    caller_history,
    correction_body,
    correction_needed,
    suggestions_of,
    ticket_body,
    validation_messages,
)

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CLASSIFIED = {
    "group": "safety_hazard",
    "code": "gas_leak",
    "label": "燃气泄漏",
    "urgency": "urgent",
    "disposition": "task",
    "dispositions": ["task"],
    "risk_level": None,
    "confidence": 0.499,
    "alternatives": [
        {
            "group": "city_service",
            "code": "gas_supply",
            "label": "燃气供应/停气",
            "confidence": 0.03,
        }
    ],
}


def test_a_call_becomes_intakes_hotline_body_without_empty_fields() -> None:
    form = CallForm.of({"description": " 路灯坏了 ", "caller_phone": "13800138000", "urgency": ""})
    assert ticket_body(form) == {
        "channel": "hotline_12345",
        "description": "路灯坏了",
        "caller": {"phone": "13800138000"},
        "location": {},
    }
    chosen = CallForm.of(
        {"description": "x漏气", "category_code": "gas_leak", "urgency": "urgent",
         "address": "人民路8号翠湖名苑", "grid_code": "33119900100103", "caller_name": "王女士"}
    )  # fmt: skip
    body = ticket_body(chosen)
    assert body["category_code"] == "gas_leak"
    assert body["urgency"] == "urgent"
    assert body["location"] == {"address": "人民路8号翠湖名苑", "grid_code": "33119900100103"}
    assert body["caller"] == {"name": "王女士"}
    assert "disposition" not in body  # intake's body has none: corrected after registration


def test_a_chosen_disposition_is_corrected_only_when_it_differs() -> None:
    ticket = {"category": {"code": "neighbour"}, "disposition": "task"}
    assert correction_needed(CallForm(disposition="mediation"), ticket)
    assert not correction_needed(CallForm(disposition="task"), ticket)
    assert not correction_needed(CallForm(), ticket)
    assert not correction_needed(CallForm(disposition="mediation"), {"category": {"code": None}})
    body = correction_body("neighbour", "", "mediation", "", default_reason="一键更正")
    assert body == {"code": "neighbour", "reason": "一键更正", "dispositions": ["mediation"]}
    assert correction_body("fight", "urgent", "", "来电人补充", default_reason="x")["reason"] == (
        "来电人补充"
    )


def test_the_classifiers_answer_becomes_suggestions_to_accept() -> None:
    suggestions = suggestions_of(CLASSIFIED)
    assert suggestions.category.text == "安全隐患 / 燃气泄漏"
    assert suggestions.category.fields == {"category_code": "gas_leak"}
    assert suggestions.alternatives[0].fields == {"category_code": "gas_supply"}
    assert suggestions.urgency.text == "紧急"
    assert suggestions.disposition.text == "派单办理"
    assert suggestions.confidence == 50
    assert suggestions.risk is None
    assert not suggestions.is_police and not suggestions.is_consultation
    (place,) = suggest_places(load_county(), "翠湖名苑门口漏气")
    assert suggestions.all_fields(place) == {
        "category_code": "gas_leak",
        "urgency": "urgent",
        "disposition": "task",
        "address": "人民路8号翠湖名苑",
        "grid_code": "33119900100103",
    }


def test_police_and_risk_suggestions() -> None:
    police = suggestions_of(
        {**CLASSIFIED, "disposition": "police_transfer", "risk_level": "red", "alternatives": []}
    )
    assert police.is_police
    assert police.disposition.text == "转110"
    assert police.disposition.css == "police"
    assert police.risk == "红色"


def test_the_classifiers_doubts_are_said_on_the_form() -> None:
    sure = suggestions_of({**CLASSIFIED, "confidence": 0.93, "needs_review": False})
    assert sure.review_banners == []

    unsure = suggestions_of({**CLASSIFIED, "needs_review": True})
    assert [(b.testid, b.text) for b in unsure.review_banners] == [
        ("low-confidence", "分类置信度低，请核实类别")
    ]

    threat = suggestions_of(
        {
            **CLASSIFIED,
            "needs_review": True,
            "threat_review": True,
            "review_note": "可能涉及极端风险，请核实",
        }
    )
    # The possible threat first: it is the one that must not be missed.
    assert [b.testid for b in threat.review_banners] == ["threat-review", "low-confidence"]
    assert threat.review_banners[0].text == "可能涉及极端风险，请核实"
    # An intake that sets the flag without its note still gets the words.
    assert (
        suggestions_of({**CLASSIFIED, "threat_review": True}).threat_note
        == "可能涉及极端风险，请核实"
    )


def test_a_registered_call_the_classifier_doubted_says_so() -> None:
    ticket = {"ticket_number": "QS1", "category": {"code": "other", "needs_review": True}}
    assert [b.testid for b in banners_of(ticket)] == ["low-confidence"]
    assert banners_of({**ticket, "category": {"code": "other", "needs_review": False}}) == []


def test_the_callers_history_counts_the_calls_of_the_last_30_days() -> None:
    def item(days_ago: int, number: str) -> dict[str, object]:
        at = (NOW - timedelta(days=days_ago)).isoformat()
        category = {"group": "city_service", "label": "路灯故障"}
        return {"id": number, "ticket_number": number, "registered_at": at,
                "category": category, "status": "closed"}  # fmt: skip

    two = caller_history(
        "138****8000", {"items": [item(1, "QS1"), item(29, "QS2"), item(40, "QS3")]}, NOW, str
    )
    assert two.calls_in_window == 2
    assert two.third_call
    assert two.banner is not None and "本次为第3次" in two.banner
    assert [row.number for row in two.rows] == ["QS1", "QS2", "QS3"]
    assert two.rows[0].at == "2026-12-01 16:00"
    one = caller_history("138****8000", {"items": [item(3, "QS1")]}, NOW, str)
    assert not one.third_call and one.banner is not None
    assert caller_history("138****8000", {"items": []}, NOW, str).banner is None


def test_the_banners_of_a_registered_call() -> None:
    plain = {"disposition": "task", "caller_count": 1, "repeat_count": 1}
    assert banners_of(plain) == []
    police = banners_of(
        {**plain, "disposition": "police_transfer", "police_transfer_required": True,
         "operator_prompt": "请立即将来电转接110"}
    )  # fmt: skip
    assert [b.kind for b in police] == ["police"]
    assert police[0].text == "立即转110：请立即将来电转接110"
    merged = banners_of(
        {**plain, "merged_into": {"ticket_number": "QS20261202000025", "caller_count": 3}}
    )
    assert merged[0].text == "已并入 QS20261202000025 共 3 位来电人"
    master = banners_of({**plain, "caller_count": 2})
    assert master[0].text == "本工单为主单 共 2 位来电人"
    third = banners_of({**plain, "repeat_flag": "third_call", "repeat_count": 3})
    assert third[0].kind == "repeat third" and "第3次来电" in third[0].text
    assert "重复来电" in banners_of({**plain, "repeat_flag": "repeat", "repeat_count": 2})[0].text


def test_validation_problems_read_in_the_forms_words() -> None:
    body = {"errors": [{"field": "body.caller.phone", "message": "not a number"}]}
    assert validation_messages(body) == ["来电号码填写有误（not a number）"]
    reused = {"errors": [{"field": "header.Idempotency-Key", "message": "reused"}]}
    assert validation_messages(reused) == [KEY_REUSED]
    assert validation_messages({"detail": "bad"}) == ["bad"]
    assert validation_messages(None) == ["提交的内容有误"]


def test_places_mentioned_in_the_text_come_first_then_roads() -> None:
    county = load_county()
    found = suggest_places(county, "人民路金色家园小区门口", "")
    assert [p.name for p in found][:2] == ["金色家园", "人民路"]
    assert found[0].grid_code and found[0].kind_label == "小区"
    assert found[1].grid_code is None and found[1].kind_label == "道路"
    assert suggest_places(county, "") == []
    assert suggest_places(county, "没有地名的描述") == []
