"""Action forms from the task's ``allowed_actions``: which fields each action's body has, and
the body built back from what the user typed.

The service decides what may be done (``allowed_actions``); the console only draws a form for
each of those actions, in the service's order, and never adds or hides one by its own rules.
The bodies follow dispatch's schemas (``pingan_dispatch.tasks.schemas``); the service
validates them again and answers 422 with the field when one is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pingan_console.dispatch import labels
from pingan_console.dispatch.timefmt import county_input_value, from_county_input

FieldKind = Literal["text", "textarea", "select", "datetime", "radio", "unit", "attachments"]
Choices = tuple[tuple[str, str], ...]
FormData = Mapping[str, Sequence[str]]  # every value of each field, as a form posts them
ROUTING_UNIT = ""  # the empty choice of an optional unit: let the routing rules choose


class FormInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    choices: Choices = ()
    value: str = ""
    max_length: int | None = 500
    hint: str = ""


@dataclass(frozen=True)
class ActionForm:
    action: str
    label: str
    fields: tuple[FormField, ...]
    tone: str = ""
    explain: bool = False  # show the routing explanation beside it (unit choice)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitChoice:
    group: str
    units: tuple[tuple[str, str], ...]


APPROVE: Choices = (("true", "同意"), ("false", "不同意"))
REVIEW: Choices = (("true", "通过"), ("false", "退回重办"))
RESOLVED: Choices = (("true", "已解决"), ("false", "未解决"), ("", "未说明"))
FLAG: Choices = (("true", "挂牌督办"),)
UNFLAG: Choices = (("false", "取消督办"),)


def _reason(label: str = "原因", *, required: bool = True) -> FormField:
    return FormField("reason", label, "textarea", required=required)


def _comment(label: str = "意见") -> FormField:
    return FormField("comment", label, "textarea")


def _unit(*, required: bool, label: str = "承办单位") -> FormField:
    return FormField("unit_code", label, "unit", required=required, max_length=None)


def _fields_of(action: str, task: Mapping[str, Any]) -> tuple[FormField, ...]:
    if action == "assign":
        return (
            _unit(required=False, label="承办单位（留空则按规则派单）"),
            FormField("sla_class", "时限类别", "select", choices=labels.SLA_CLASSES),
            _reason("派单说明", required=False),
        )
    if action == "accept":
        return (_comment("签收备注"),)
    if action == "return":
        return (
            FormField("reason_code", "退单原因", "select", True, labels.RETURN_REASONS),
            _reason("退单说明"),
        )
    if action == "reassign":
        return (_unit(required=True, label="改派至"), _reason("改派理由"))
    if action == "request-extension":
        return (
            FormField(
                "requested_due_at", "申请延期至", "datetime", required=True,
                value=county_input_value(task.get("due_at")), max_length=None,
                hint="累计延期不超过10个工作日（县时间）",
            ),
            _reason("延期理由"),
        )  # fmt: skip
    if action == "decide-extension":
        return (
            FormField("approved", "审批结果", "radio", True, APPROVE, "true"),
            FormField("due_at", "批准的期限（留空按申请）", "datetime", max_length=None),
            _comment("审批意见"),
        )  # fmt: skip
    if action == "reply":
        return (
            FormField("result", "办理结果", "textarea", required=True, max_length=2000),
            FormField("measures", "采取措施", "textarea", max_length=2000),
            FormField(
                "attachments", "附件（仅登记文件名、大小、类型，文件本身不经控制台上传）",
                "attachments", max_length=None,
            ),
        )  # fmt: skip
    if action == "review":
        return (
            FormField("accepted", "审核结果", "radio", True, REVIEW, "true"),
            _comment("审核意见（退回时请说明）"),
        )  # fmt: skip
    if action == "callback":
        return (
            FormField("verdict", "回访评价", "select", True, labels.VERDICTS),
            FormField("resolved", "问题是否解决", "radio", False, RESOLVED, ""),
            _comment("回访记录"),
        )  # fmt: skip
    if action == "reopen":
        return (_unit(required=False, label="重办单位（留空为原单位）"), _reason("重办原因"))
    if action == "flag":
        flagged = bool(task.get("flagged"))
        return (
            FormField("flagged", "督办", "radio", True, UNFLAG if flagged else FLAG,
                      "false" if flagged else "true"),
            _reason("督办说明"),
        )  # fmt: skip
    if action == "cancel":
        return (
            FormField("reason", "撤销原因", "select", True, labels.CANCEL_REASONS),
            _comment("说明"),
        )
    if action == "convert-to-case":
        return (
            FormField("dispute_kind", "纠纷类型", "select", True, labels.DISPUTE_KINDS),
            _reason("转调解理由（为何属于矛盾纠纷）"),
        )
    raise KeyError(action)


TONES = {"accept": "primary", "reply": "primary", "assign": "primary", "review": "primary",
         "return": "danger", "cancel": "danger"}  # fmt: skip
EXPLAINED = frozenset({"assign", "reassign", "reopen"})


def action_forms(task: Mapping[str, Any]) -> tuple[list[ActionForm], list[str]]:
    """A form per allowed action, in the service's order; and the actions the console has no
    form for (shown by name, so nothing the service allows is silently hidden)."""
    forms: list[ActionForm] = []
    unknown: list[str] = []
    for action in task.get("allowed_actions", []):
        try:
            fields = _fields_of(action, task)
        except KeyError:
            unknown.append(action)
            continue
        title = labels.label(labels.ACTION_LABELS, action)
        if action == "flag" and task.get("flagged"):
            title = "督办（已挂牌）"
        forms.append(ActionForm(action, title, fields, TONES.get(action, ""), action in EXPLAINED))
    return forms, unknown


def unit_choices(units: Sequence[Mapping[str, Any]]) -> list[UnitChoice]:
    """The directory's units grouped by kind, in the order a dispatcher looks for them."""
    order = list(labels.UNIT_KIND_LABELS)
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in units:
        groups.setdefault(unit["kind"], []).append((unit["code"], unit["name"]))
    kinds = sorted(groups, key=lambda kind: order.index(kind) if kind in order else len(order))
    return [
        UnitChoice(labels.label(labels.UNIT_KIND_LABELS, kind), tuple(groups[kind]))
        for kind in kinds
    ]


# --- from the posted form back to the action's body ---------------------------------------------


def _one(form: FormData, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _optional(form: FormData, name: str) -> str | None:
    return _one(form, name) or None


def _boolean(form: FormData, name: str) -> bool | None:
    value = _one(form, name)
    if value == "":
        return None
    if value not in ("true", "false"):
        raise FormInvalid(name, "请选择一项")
    return value == "true"


def _instant(form: FormData, name: str, *, required: bool) -> str | None:
    value = _one(form, name)
    if not value:
        if required:
            raise FormInvalid(name, "请填写日期和时间")
        return None
    try:
        return from_county_input(value).isoformat()
    except ValueError:
        raise FormInvalid(name, "日期时间格式不正确") from None


def attachments(form: FormData) -> list[dict[str, Any]]:
    """Attachment metadata rows (name, size, type); a row without a name is left out.

    The file itself is never uploaded through the console; ``url`` stays empty (no stored
    copy exists) unless the handler gives where the file is kept.
    """
    names = form.get("attachment_name") or []
    sizes = form.get("attachment_size") or []
    types = form.get("attachment_type") or []
    urls = form.get("attachment_url") or []
    rows: list[dict[str, Any]] = []
    for index, name in enumerate(names):
        if not name.strip():
            continue
        size_text = sizes[index].strip() if index < len(sizes) else ""
        try:
            size = int(size_text or "0")
        except ValueError:
            raise FormInvalid("attachment_size", f"附件“{name}”的大小应为字节数") from None
        if size < 0:
            raise FormInvalid("attachment_size", f"附件“{name}”的大小不能为负数")
        content_type = types[index].strip() if index < len(types) else ""
        rows.append(
            {
                "file_name": name.strip(),
                "size_bytes": size,
                "content_type": content_type or "application/octet-stream",
                "url": urls[index].strip() if index < len(urls) else "",
            }
        )
    return rows


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


BODIES: dict[str, Callable[[FormData], dict[str, Any]]] = {
    "assign": lambda f: _without_none(
        {"unit_code": _optional(f, "unit_code"), "sla_class": _optional(f, "sla_class"),
         "reason": _optional(f, "reason")}
    ),
    "accept": lambda f: _without_none({"comment": _optional(f, "comment")}),
    "return": lambda f: {"reason_code": _one(f, "reason_code"), "reason": _one(f, "reason")},
    "reassign": lambda f: {"unit_code": _one(f, "unit_code"), "reason": _one(f, "reason")},
    "request-extension": lambda f: {
        "requested_due_at": _instant(f, "requested_due_at", required=True),
        "reason": _one(f, "reason"),
    },
    "decide-extension": lambda f: _without_none(
        {"approved": _boolean(f, "approved"), "due_at": _instant(f, "due_at", required=False),
         "comment": _optional(f, "comment")}
    ),
    "reply": lambda f: _without_none(
        {"result": _one(f, "result"), "measures": _optional(f, "measures"),
         "attachments": attachments(f)}
    ),
    "review": lambda f: _without_none(
        {"accepted": _boolean(f, "accepted"), "comment": _optional(f, "comment")}
    ),
    "callback": lambda f: _without_none(
        {"verdict": _one(f, "verdict"), "resolved": _boolean(f, "resolved"),
         "comment": _optional(f, "comment")}
    ),
    "reopen": lambda f: _without_none(
        {"unit_code": _optional(f, "unit_code"), "reason": _one(f, "reason")}
    ),
    "flag": lambda f: {"flagged": _boolean(f, "flagged") is not False, "reason": _one(f, "reason")},
    "cancel": lambda f: _without_none(
        {"reason": _one(f, "reason"), "comment": _optional(f, "comment")}
    ),
    "convert-to-case": lambda f: {
        "dispute_kind": _one(f, "dispute_kind"), "reason": _one(f, "reason")
    },
}  # fmt: skip


def body_of(action: str, form: FormData) -> dict[str, Any]:
    """The JSON body of ``action`` from the posted form (KeyError for an unknown action)."""
    return BODIES[action](form)
