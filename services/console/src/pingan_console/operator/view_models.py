"""The call form's view models: the form as intake's ticket body, the classifier's answer as
suggestions, the caller's history, and the banners of a registered call. Plain functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pingan_common.events.values import group_label
from pingan_console.operator.places import PlaceSuggestion
from pingan_console.tickets.formatting import (
    DISPOSITION_LABELS,
    RISK_LABELS,
    URGENCY_LABELS,
    category_text,
    county_time,
    label,
    parse_instant,
)

CHANNEL = "hotline_12345"
REPEAT_WINDOW = timedelta(days=30)
THIRD_CALL = 3
FIELD_LABELS = {
    "body.description": "诉求内容",
    "body.caller.phone": "来电号码",
    "body.caller.name": "来电人",
    "body.location.address": "地址",
    "body.location.grid_code": "网格",
    "body.category_code": "分类",
    "body.urgency": "紧急程度",
    "body.code": "分类",
    "body.reason": "更正理由",
}
KEY_REUSED = "本次来电已按原内容登记；内容改动后请在结果中更正，或按 Alt+N 登记新来电"
LOW_CONFIDENCE = "分类置信度低，请核实类别"
# intake's review_note says it too; this is the console's words when an older intake omits it.
THREAT_REVIEW = "可能涉及极端风险，请核实"


@dataclass(frozen=True)
class CallForm:
    """What the operator typed; empty strings mean "not given" (or "as classified")."""

    description: str = ""
    caller_phone: str = ""
    caller_name: str = ""
    address: str = ""
    grid_code: str = ""
    category_code: str = ""
    urgency: str = ""
    disposition: str = ""
    reason: str = ""

    @classmethod
    def of(cls, form: dict[str, Any]) -> CallForm:
        values = {name: str(form.get(name) or "").strip() for name in cls.__dataclass_fields__}
        return cls(**values)


def ticket_body(form: CallForm) -> dict[str, Any]:
    """The body of ``POST /v1/tickets`` for a hotline call."""
    body: dict[str, Any] = {"channel": CHANNEL, "description": form.description}
    caller = {"name": form.caller_name, "phone": form.caller_phone}
    body["caller"] = {key: value for key, value in caller.items() if value}
    location = {"address": form.address, "grid_code": form.grid_code}
    body["location"] = {key: value for key, value in location.items() if value}
    if form.urgency:
        body["urgency"] = form.urgency
    if form.category_code:
        body["category_code"] = form.category_code
    return body


def correction_needed(form: CallForm, ticket: dict[str, Any]) -> bool:
    """The operator chose a disposition the registration did not give (intake's body has no
    disposition: it is corrected right after, through the reclassify route)."""
    code = (ticket.get("category") or {}).get("code")
    return bool(form.disposition and code and form.disposition != ticket.get("disposition"))


def correction_body(
    code: str, urgency: str, disposition: str, reason: str, *, default_reason: str
) -> dict[str, Any]:
    """The body of ``POST /v1/tickets/{id}/reclassify``; blank urgency means the category's."""
    body: dict[str, Any] = {"code": code, "reason": reason if len(reason) >= 2 else default_reason}
    if urgency:
        body["urgency"] = urgency
    if disposition:
        body["dispositions"] = [disposition]
    return body


@dataclass(frozen=True)
class Accept:
    """One suggestion the operator can take into the form with one click."""

    text: str
    fields: dict[str, str]
    detail: str = ""
    css: str = ""


@dataclass(frozen=True)
class Suggestions:
    category: Accept
    alternatives: list[Accept]
    urgency: Accept
    disposition: Accept
    risk: str | None
    risk_level: str | None
    confidence: int  # percent
    is_consultation: bool
    is_police: bool
    # The classifier's own doubts, said on the form so the operator checks before accepting:
    # a low-confidence category, and a call the threat detector could not rule out (not red).
    needs_review: bool = False
    threat_note: str | None = None

    @property
    def review_banners(self) -> list[Banner]:
        banners = []
        if self.threat_note:
            banners.append(Banner("threat-review", self.threat_note, "threat-review"))
        if self.needs_review:
            banners.append(Banner("review", LOW_CONFIDENCE, "low-confidence"))
        return banners

    def all_fields(self, place: PlaceSuggestion | None = None) -> dict[str, str]:
        """What "accept all" (Alt+A) takes: category, urgency, disposition, the first place."""
        fields = {**self.category.fields, **self.urgency.fields, **self.disposition.fields}
        if place is not None:
            fields |= place_fields(place)
        return fields


def place_fields(place: PlaceSuggestion) -> dict[str, str]:
    return {"address": place.address, "grid_code": place.grid_code or ""}


def suggestions_of(result: dict[str, Any]) -> Suggestions:
    """The classifier's answer (``POST /v1/classify``) as acceptable suggestions."""
    code = result.get("code") or ""
    category = Accept(
        text=category_text({"group": result.get("group"), "label": result.get("label")}),
        fields={"category_code": code} if code else {},
    )
    alternatives = [
        Accept(
            text=f"{group_label(alt['group'])} / {alt['label']}",
            fields={"category_code": alt["code"]},
            detail=f"{round(alt['confidence'] * 100)}%",
        )
        for alt in result.get("alternatives", [])
        if alt.get("code")
    ]
    urgency = str(result.get("urgency") or "")
    disposition = str(result.get("disposition") or "")
    risk = result.get("risk_level")
    return Suggestions(
        category=category,
        alternatives=alternatives,
        urgency=Accept(
            text=label(URGENCY_LABELS, urgency),
            fields={"urgency": urgency},
            css="urgent" if urgency == "urgent" else "",
        ),
        disposition=Accept(
            text=label(DISPOSITION_LABELS, disposition),
            fields={"disposition": disposition},
            css="police" if disposition == "police_transfer" else "",
        ),
        risk=label(RISK_LABELS, risk) if risk else None,
        risk_level=risk,
        confidence=round(float(result.get("confidence") or 0) * 100),
        is_consultation=disposition == "answer",
        is_police=disposition == "police_transfer",
        needs_review=bool(result.get("needs_review")),
        threat_note=(result.get("review_note") or THREAT_REVIEW)
        if result.get("threat_review")
        else None,
    )


@dataclass(frozen=True)
class HistoryRow:
    id: str
    number: str
    at: str
    category: str
    status: str


@dataclass(frozen=True)
class CallerHistory:
    phone_masked: str
    rows: list[HistoryRow]
    calls_in_window: int
    more: bool = False

    @property
    def this_call_number(self) -> int:
        """Which call in 30 days this one will be (the caller's, on any matter)."""
        return self.calls_in_window + 1

    @property
    def banner(self) -> str | None:
        if self.this_call_number >= THIRD_CALL:
            calls, this = self.calls_in_window, self.this_call_number
            return f"重复来电：该号码30天内已来电{calls}次，本次为第{this}次"
        if self.calls_in_window:
            return "该号码30天内来电过1次，注意是否为同一诉求"
        return None

    @property
    def third_call(self) -> bool:
        return self.this_call_number >= THIRD_CALL


def caller_history(
    phone_masked: str, page: dict[str, Any], now: datetime, status_of: Any
) -> CallerHistory:
    """``page``: intake's search by caller phone, newest first (masked as intake masks it)."""
    items = page.get("items", [])
    since = now - REPEAT_WINDOW
    recent = [
        item
        for item in items
        if (at := parse_instant(item.get("registered_at"))) is not None and at >= since
    ]
    rows = [
        HistoryRow(
            id=str(item["id"]),
            number=str(item["ticket_number"]),
            at=county_time(item.get("registered_at")),
            category=category_text(item.get("category") or {}),
            status=status_of(item),
        )
        for item in items
    ]
    return CallerHistory(phone_masked, rows, len(recent), more=bool(page.get("next_cursor")))


@dataclass(frozen=True)
class Banner:
    kind: str  # police, merge, repeat, review, threat-review (its CSS class)
    text: str
    testid: str = ""


def banners_of(ticket: dict[str, Any]) -> list[Banner]:
    """The banners of a registered call, the most urgent first: transfer to 110 now, merged
    into a matter with other callers, a repeat (third) call."""
    banners: list[Banner] = []
    if ticket.get("police_transfer_required") or ticket.get("disposition") == "police_transfer":
        prompt = ticket.get("operator_prompt") or "属于公安管辖事项，请立即将来电转接110"
        banners.append(Banner("police", f"立即转110：{prompt}", "police-banner"))
    master = ticket.get("merged_into")
    if master:
        text = f"已并入 {master['ticket_number']} 共 {master['caller_count']} 位来电人"
        banners.append(Banner("merge", text, "merge-banner"))
    elif int(ticket.get("caller_count") or 1) > 1:
        text = f"本工单为主单 共 {ticket['caller_count']} 位来电人"
        banners.append(Banner("merge", text, "merge-banner"))
    flag = ticket.get("repeat_flag")
    count = int(ticket.get("repeat_count") or 1)
    if flag == "third_call":
        text = f"第{count}次来电：同一来电人30天内就同一诉求第{count}次来电，请重点关注"
        banners.append(Banner("repeat third", text, "repeat-banner"))
    elif flag == "repeat":
        banners.append(Banner("repeat", f"重复来电：同一诉求第{count}次来电", "repeat-banner"))
    if (ticket.get("category") or {}).get("needs_review"):
        banners.append(Banner("review", f"{LOW_CONFIDENCE}，可在下方一键更正", "low-confidence"))
    return banners


def validation_messages(body: Any) -> list[str]:
    """A 422 problem's field errors, in the form's words."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        detail = body.get("detail") if isinstance(body, dict) else None
        return [str(detail or "提交的内容有误")]
    messages = []
    for error in errors:
        if error.get("field") == "header.Idempotency-Key":
            messages.append(KEY_REUSED)
            continue
        name = FIELD_LABELS.get(str(error.get("field")), str(error.get("field")))
        messages.append(f"{name}填写有误（{error.get('message', '')}）")
    return messages
