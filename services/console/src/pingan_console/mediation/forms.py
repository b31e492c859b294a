"""The case page's forms in, the mediation service's action bodies out (one function each)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pingan_common.county_time import COUNTY_TZ

Form = Mapping[str, str]
TERM_ROWS = 3  # term rows the agreement form offers


class FormProblem(ValueError):
    """What the mediator must fix before the form can be sent."""


def _text(form: Form, name: str, label: str, *, required: bool = True) -> str | None:
    value = (form.get(name) or "").strip()
    if required and len(value) < 2:
        raise FormProblem(f"请填写{label}")
    return value or None


def _int(form: Form, name: str) -> int | None:
    value = (form.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def county_instant(value: str, label: str) -> str:
    """A ``datetime-local`` value (county wall-clock time) as ISO 8601 with the zone."""
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError as bad:
        raise FormProblem(f"请填写{label}") from bad
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=COUNTY_TZ)
    return instant.isoformat()


def _lines(value: str | None) -> list[str]:
    return [
        part.strip()
        for part in (value or "").replace("，", ",").replace("、", ",").split(",")
        if part.strip()
    ]


def accept(form: Form) -> dict[str, Any]:
    return {"note": _text(form, "note", "说明", required=False)}


def decline(form: Form) -> dict[str, Any]:
    return {
        "reason_code": form.get("reason_code") or "other",
        "reason": _text(form, "reason", "理由"),
    }


def assign(form: Form) -> dict[str, Any]:
    return {"mediator_id": (form.get("mediator_id") or "").strip() or None}


def take_lead(form: Form) -> dict[str, Any]:
    return {"note": _text(form, "note", "说明", required=False)}


def add_party(form: Form) -> dict[str, Any]:
    body: dict[str, Any] = {
        "role": form.get("role") or "other",
        "name": _text(form, "name", "姓名"),
    }
    for name in ("phone", "id_number", "address"):
        if (form.get(name) or "").strip():
            body[name] = form[name].strip()
    body["prior_violence"] = form.get("prior_violence") == "1"
    return body


def schedule_session(form: Form) -> dict[str, Any]:
    return {
        "place": _text(form, "place", "调解地点"),
        "starts_at": county_instant(form.get("starts_at", ""), "调解时间"),
        "experts": _lines(form.get("experts")),
    }


def record_session(form: Form) -> dict[str, Any]:
    return {
        "session_no": _int(form, "session_no"),
        "outcome": form.get("outcome") or "progress",
        "attendance": _lines(form.get("attendance")),
        "record": _text(form, "record", "调解笔录"),
        "threat_recorded": form.get("threat_recorded") == "1",
        "violence_recorded": form.get("violence_recorded") == "1",
    }


def terms_of(form: Form) -> list[dict[str, Any]]:
    terms = []
    for row in range(1, TERM_ROWS + 1):
        description = (form.get(f"term{row}_description") or "").strip()
        if not description:
            continue
        due_on = (form.get(f"term{row}_due_on") or "").strip()
        party = _int(form, f"term{row}_party")
        if not due_on or party is None:
            raise FormProblem(f"第{row}项协议内容需填写履行人和履行期限")
        term: dict[str, Any] = {
            "obligor_party": party,
            "description": description,
            "due_on": due_on,
        }
        amount = (form.get(f"term{row}_amount") or "").strip()
        if amount:
            term["amount"] = amount
        terms.append(term)
    if not terms:
        raise FormProblem("协议至少写明一项履行内容")
    return terms


def record_agreement(form: Form) -> dict[str, Any]:
    return {"facts": _text(form, "facts", "纠纷事实"), "terms": terms_of(form)}


def reason_only(form: Form) -> dict[str, Any]:
    return {"reason": _text(form, "reason", "理由")}


def refer(form: Form) -> dict[str, Any]:
    return {
        "route": form.get("route") or "litigation",
        "receiving_body": _text(form, "receiving_body", "接收机关"),
        "note": _text(form, "note", "说明", required=False),
    }


def record_followup(form: Form) -> dict[str, Any]:
    return {
        "term_no": _int(form, "term_no"),
        "performed": form.get("performed") == "1",
        "note": _text(form, "note", "回访情况"),
    }


def close(form: Form) -> dict[str, Any]:
    return {"summary": _text(form, "summary", "结案说明", required=False)}


BODIES: dict[str, Callable[[Form], dict[str, Any]]] = {
    "accept": accept,
    "decline": decline,
    "assign": assign,
    "take-lead": take_lead,
    "add-party": add_party,
    "schedule-session": schedule_session,
    "record-session": record_session,
    "record-agreement": record_agreement,
    "record-failure": reason_only,
    "escalate": reason_only,
    "extend": reason_only,
    "refer": refer,
    "record-followup": record_followup,
    "close": close,
    "withdraw": reason_only,
}


def action_body(action: str, form: Form) -> dict[str, Any]:
    builder = BODIES.get(action)
    if builder is None:
        raise FormProblem(f"没有这项操作：{action}")
    return builder(form)


def term_rows() -> Sequence[int]:
    return range(1, TERM_ROWS + 1)
