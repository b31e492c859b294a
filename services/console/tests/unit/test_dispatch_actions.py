"""Action forms follow the task's allowed_actions exactly, and each form's fields become the
body dispatch's schema expects."""

from __future__ import annotations

import pytest

from pingan_console.dispatch.actions import FormInvalid, action_forms, body_of, unit_choices


def _task(*allowed: str, **fields: object) -> dict:
    return {"allowed_actions": list(allowed), "due_at": "2026-11-25T09:00:00Z", **fields}


def test_one_form_per_allowed_action_in_the_services_order() -> None:
    forms, unsupported = action_forms(_task("accept", "return"))
    assert [form.action for form in forms] == ["accept", "return"]
    assert [form.label for form in forms] == ["签收", "退单"]
    assert unsupported == []


def test_no_allowed_actions_means_no_forms() -> None:
    assert action_forms(_task()) == ([], [])


def test_an_action_the_console_has_no_form_for_is_named_not_hidden() -> None:
    forms, unsupported = action_forms(_task("reply", "teleport"))
    assert [form.action for form in forms] == ["reply"]
    assert unsupported == ["teleport"]


def test_the_return_form_asks_for_a_reason_code_and_a_reason() -> None:
    (form,), _ = action_forms(_task("return"))
    fields = {field.name: field for field in form.fields}
    assert fields["reason_code"].required and fields["reason"].required
    assert ("not_our_remit", "非本单位职责") in fields["reason_code"].choices


def test_a_unit_converts_a_dispute_into_a_case_with_its_kind_and_reason() -> None:
    (form,), unsupported = action_forms(_task("convert-to-case"))
    assert (form.label, unsupported) == ("转调解", [])
    fields = {field.name: field for field in form.fields}
    assert fields["dispute_kind"].required and fields["reason"].required
    assert ("neighbour", "邻里纠纷") in fields["dispute_kind"].choices
    body = body_of("convert-to-case", {"dispute_kind": ["land"], "reason": [" 宅基地界址争执 "]})
    assert body == {"dispute_kind": "land", "reason": "宅基地界址争执"}


def test_the_extension_form_starts_at_the_current_deadline_in_county_time() -> None:
    (form,), _ = action_forms(_task("request-extension"))
    due = next(field for field in form.fields if field.name == "requested_due_at")
    assert due.value == "2026-11-25T17:00"


def test_the_flag_form_offers_lifting_a_flag_already_set() -> None:
    (form,), _ = action_forms(_task("flag", flagged=True))
    flagged = next(field for field in form.fields if field.name == "flagged")
    assert flagged.value == "false"
    assert flagged.choices == (("false", "取消督办"),)


def test_reassign_and_assign_show_the_routing_explanation() -> None:
    forms, _ = action_forms(_task("reassign", "cancel"))
    assert [form.explain for form in forms] == [True, False]


def test_an_extension_date_is_read_as_county_time() -> None:
    body = body_of(
        "request-extension", {"requested_due_at": ["2026-12-04T17:00"], "reason": ["等材料"]}
    )
    assert body == {"requested_due_at": "2026-12-04T17:00:00+08:00", "reason": "等材料"}


def test_a_malformed_date_is_refused_before_the_service_is_asked() -> None:
    with pytest.raises(FormInvalid) as refused:
        body_of("request-extension", {"requested_due_at": ["next week"], "reason": ["x"]})
    assert refused.value.field == "requested_due_at"


def test_a_reply_carries_attachment_metadata_only() -> None:
    form = {
        "result": ["已修复路灯"],
        "measures": [""],
        "attachment_name": ["现场照片.jpg", "", "说明.pdf"],
        "attachment_size": ["204800", "", "1024"],
        "attachment_type": ["image/jpeg", "", ""],
    }
    assert body_of("reply", form) == {
        "result": "已修复路灯",
        "attachments": [
            {"file_name": "现场照片.jpg", "size_bytes": 204800, "content_type": "image/jpeg",
             "url": ""},
            {"file_name": "说明.pdf", "size_bytes": 1024,
             "content_type": "application/octet-stream", "url": ""},
        ],
    }  # fmt: skip


def test_an_attachment_size_must_be_a_number_of_bytes() -> None:
    with pytest.raises(FormInvalid):
        body_of(
            "reply", {"result": ["x"], "attachment_name": ["a.jpg"], "attachment_size": ["2MB"]}
        )


def test_an_empty_unit_lets_the_rules_assign() -> None:
    assert body_of("assign", {"unit_code": [""], "reason": [""], "sla_class": [""]}) == {}
    assert body_of("assign", {"unit_code": ["331199001-ZZ"]}) == {"unit_code": "331199001-ZZ"}


def test_review_and_decision_radios_become_booleans() -> None:
    assert body_of("review", {"accepted": ["false"], "comment": ["补充照片"]}) == {
        "accepted": False,
        "comment": "补充照片",
    }
    assert body_of("decide-extension", {"approved": ["true"], "due_at": [""]}) == {"approved": True}
    assert body_of("callback", {"verdict": ["satisfied"], "resolved": [""]}) == {
        "verdict": "satisfied"
    }


def test_units_are_grouped_by_kind_departments_first() -> None:
    units = [
        {"code": "331199001-ZZ", "name": "城关街道综治中心", "kind": "township_center"},
        {"code": "331199-D-CG", "name": "青山县综合行政执法局", "kind": "department"},
        {"code": "X", "name": "新类型单位", "kind": "something_new"},
    ]
    groups = unit_choices(units)
    assert [group.group for group in groups] == [
        "县级部门",
        "乡镇（街道）综治中心",
        "something_new",
    ]
    assert groups[0].units == (("331199-D-CG", "青山县综合行政执法局"),)


def test_every_time_limit_rule_of_dispatch_has_a_chinese_label() -> None:
    # The task page names the rule (时限规则) in words, not dispatch's id (SLA-ORDINARY).
    import json
    from pathlib import Path

    from pingan_console.dispatch.labels import SLA_RULE_LABELS

    policy = (
        Path(__file__).parents[4] / "services/dispatch/src/pingan_dispatch/data/sla_policy.json"
    )
    ids = {rule["id"] for rule in json.loads(policy.read_text(encoding="utf-8"))["rules"]}
    assert ids <= set(SLA_RULE_LABELS), ids - set(SLA_RULE_LABELS)
