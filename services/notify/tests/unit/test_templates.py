"""The template catalog: strict rendering, versions, lookup by event and channel, previews."""

from __future__ import annotations

import pytest

from pingan_common.events import catalog
from pingan_notify.sms.segments import count_segments
from pingan_notify.templates.catalog import (
    MissingTemplateVariable,
    TemplateCatalog,
    TemplateError,
    UnexpectedTemplateVariable,
    UnknownTemplate,
    default_catalog,
    preview,
)

TASK_VARIABLES = {
    "unit_name": "城关街道综治中心",
    "ticket_number": "QS20261123000042",
    "accept_due_at": "2026-11-23 10:30",
    "due_at": "2026-11-30 10:00",
}


def test_the_receipt_sms_carries_the_ticket_number_and_the_sign_name():
    rendered = preview("ticket_receipt.sms", {"ticket_number": "QS20261123000042"})

    assert rendered.body.startswith("您反映的问题已受理，工单号QS20261123000042")
    assert rendered.text == f"【{default_catalog().sign_name}】{rendered.body}"
    assert rendered.template_code == "SMS_900011"
    assert rendered.params == {"ticket_number": "QS20261123000042"}
    assert rendered.segments == count_segments(rendered.text)
    assert rendered.title is None


def test_the_survey_sms_tells_the_citizen_how_to_answer():
    rendered = preview("callback_survey.sms", {"ticket_number": "QS20261123000042"})

    assert "回复1满意，2基本满意，3不满意" in rendered.body


def test_an_in_app_template_has_a_title_and_no_segments():
    rendered = preview("task_assigned.in_app", TASK_VARIABLES)

    assert rendered.title == "新派工单 QS20261123000042"
    assert rendered.body == (
        "工单 QS20261123000042 已派至 城关街道综治中心，请于 2026-11-23 10:30 前签收，"
        "2026-11-30 10:00 前办结。"
    )
    assert rendered.segments is None
    assert rendered.template_code is None


def test_a_missing_variable_is_an_error_naming_it():
    variables = dict(TASK_VARIABLES)
    del variables["due_at"]

    with pytest.raises(MissingTemplateVariable) as raised:
        preview("task_assigned.sms", variables)

    assert raised.value.name == "due_at"
    assert "due_at" in str(raised.value)


def test_a_none_value_counts_as_missing():
    with pytest.raises(MissingTemplateVariable):
        preview("ticket_receipt.sms", {"ticket_number": None})


def test_an_unexpected_variable_is_an_error_naming_it():
    with pytest.raises(UnexpectedTemplateVariable) as raised:
        preview("ticket_receipt.sms", {"ticket_number": "QS1", "tikcet_number": "QS1"})

    assert raised.value.names == ["tikcet_number"]


def test_values_are_converted_to_strings():
    rendered = preview("ticket_receipt.sms", {"ticket_number": 20261123000042})

    assert rendered.params == {"ticket_number": "20261123000042"}
    assert "工单号20261123000042" in rendered.body


def test_a_value_longer_than_its_limit_is_cut_with_an_ellipsis():
    long_name = "城关街道" + "某" * 40
    rendered = preview("task_assigned.sms", TASK_VARIABLES | {"unit_name": long_name})

    assert len(rendered.params["unit_name"]) == 30
    assert rendered.params["unit_name"].endswith("…")
    assert rendered.body.startswith(rendered.params["unit_name"] + "：")


def test_a_value_containing_braces_is_not_expanded_again():
    rendered = preview("ticket_receipt.sms", {"ticket_number": "{ticket_number}"})

    assert "工单号{ticket_number}" in rendered.body


def test_the_latest_version_is_used_unless_one_is_asked_for():
    latest = preview("ticket_receipt.sms", {"ticket_number": "QS1"})
    first = preview("ticket_receipt.sms", {"ticket_number": "QS1"}, version=1)

    assert (latest.version, first.version) == (2, 1)
    assert latest.template_code != first.template_code
    assert latest.body != first.body


def test_an_unknown_template_or_version_is_an_error():
    with pytest.raises(UnknownTemplate):
        preview("no_such.sms", {})
    with pytest.raises(UnknownTemplate):
        preview("ticket_receipt.sms", {"ticket_number": "QS1"}, version=9)


@pytest.mark.parametrize(
    ("event_type", "channel", "template_id"),
    [
        ("pingan.intake.ticket.registered.v1", "sms", "ticket_receipt.sms"),
        ("pingan.dispatch.task.assigned.v1", "in_app", "task_assigned.in_app"),
        ("pingan.riskassess.alert.raised.v1", "sms", "alert_raised.sms"),
        ("pingan.mediation.case.opened.v1", "in_app", "case_opened.in_app"),
    ],
)
def test_templates_are_found_by_event_type_and_channel(event_type, channel, template_id):
    assert default_catalog().for_event(event_type, channel).id == template_id


def test_there_is_no_template_for_the_webhook_channel():
    with pytest.raises(UnknownTemplate):
        default_catalog().for_event("pingan.intake.ticket.registered.v1", "webhook")


@pytest.mark.parametrize(
    "kind",
    [
        "ticket_receipt",
        "callback_survey",
        "task_assigned",
        "deadline_warning",
        "task_overdue",
        "task_escalated",
        "task_flagged",
        "alert_raised",
        "case_opened",
        "session_scheduled",
        "survey_thanks",
    ],
)
def test_each_notice_has_an_sms_template_with_its_own_provider_code(kind):
    template = default_catalog().get(f"{kind}.sms")

    assert template.template_code and template.template_code.startswith("SMS_")
    assert template.variables


def test_provider_template_codes_are_unique_across_the_catalog():
    codes = [t.template_code for t in default_catalog().templates if t.template_code]

    assert len(codes) == len(set(codes))


def test_every_template_renders_with_exactly_its_variables():
    catalog = default_catalog()
    for template in catalog.templates:
        rendered = catalog.render(template, dict.fromkeys(template.variables, "值"))
        assert "{" not in rendered.body and "{" not in (rendered.title or "")


def test_every_sms_template_fits_two_segments_with_full_length_values():
    catalog = default_catalog()
    for template in catalog.templates:
        if template.channel != "sms":
            continue
        values = {name: "办" * limit for name, limit in template.variables.items()}
        assert catalog.render(template, values).segments <= 2, template.id


def one_sms_template_catalog(**changes: object) -> dict[str, object]:
    """A catalog of one valid SMS template, with ``changes`` made to that template."""
    template = {
        "id": "x.sms",
        "version": 1,
        "event_type": "pingan.test.x.v1",
        "channel": "sms",
        "template_code": "SMS_1",
        "variables": ["a"],
        "body": "{a}",
    }
    return {"sign_name": "测试", "templates": [template | changes]}


def test_a_catalog_whose_placeholders_differ_from_its_variables_is_refused():
    bad = one_sms_template_catalog(body="{a}{b}")

    with pytest.raises(TemplateError, match="placeholders"):
        TemplateCatalog.from_json(bad)


def test_an_sms_template_without_a_provider_code_is_refused():
    bad = one_sms_template_catalog(template_code=None)

    with pytest.raises(TemplateError, match="template_code"):
        TemplateCatalog.from_json(bad)


def test_every_template_names_an_event_type_of_the_catalog():
    # a template under a mistyped event type is never used (it once said session.scheduled)
    known = {event_class.event_type() for event_class in catalog.EVENT_CLASSES}
    unknown = {t.event_type for t in default_catalog().templates} - known
    assert unknown == set()


def test_an_alert_reminder_sms_says_which_reminder_it_is():
    variables = {"level_label": "红色", "ticket_number": "QS1", "summary": "扬言跳楼"}
    rendered = preview("alert_reminder.sms", variables | {"reminder_number": "2"})

    assert rendered.body.startswith("第2次提醒，红色预警仍未确认：工单QS1，扬言跳楼。")
    assert rendered.template_code != preview("alert_raised.sms", variables).template_code
