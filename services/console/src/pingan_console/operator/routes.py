"""The operator's call form (来电登记): suggestions while typing, the caller's history, the
registration with its banners, a consultation answered from the knowledge base, corrections.

Every call goes to intake with the operator's own token: intake classifies, masks, detects
duplicates and keeps the overrides; this only arranges its answers for a fast, keyboard-only
form. ``Idempotency-Key`` (one per form instance) makes a double submit one ticket.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse

from pingan_common.auth.masking import mask_phone
from pingan_console.operator.places import suggest_places
from pingan_console.operator.view_models import (
    CallForm,
    banners_of,
    caller_history,
    correction_body,
    correction_needed,
    suggestions_of,
    ticket_body,
    validation_messages,
)
from pingan_console.sessions.store import Session
from pingan_console.shell.auth import require_roles
from pingan_console.shell.context import Console, ConsoleDep
from pingan_console.shell.render import render
from pingan_console.tickets.catalog import grouped, load_subcategories
from pingan_console.tickets.formatting import (
    DISPOSITION_LABELS,
    RISK_LABELS,
    URGENCY_LABELS,
    category_text,
    is_finished,
    label,
    status_text,
)
from pingan_console.upstream import UpstreamError

router = APIRouter(tags=["operator"])
Operator = require_roles("operator", "admin")
TicketId = Annotated[str, Path(pattern=r"^[A-Za-z0-9\-]{1,64}$")]
HISTORY_REASON = "来电登记：查看来电人的历史来电"
HISTORY_LIMIT = 20
KB_LIMIT = 3
KB_QUERY_CHARS = 200
IN_FLIGHT_RETRIES = 5
CORRECTION_REASON = "话务员受理时一键更正"


@router.get("/operator", response_class=HTMLResponse, include_in_schema=False)
async def call_form(
    request: Request, console: ConsoleDep, session: Session = Operator
) -> HTMLResponse:
    return render(
        request,
        "operator/page.html",
        session,
        form_key=str(uuid.uuid4()),
        **await _choices(console),
    )


@router.post("/operator/suggest", response_class=HTMLResponse, include_in_schema=False)
async def suggest(
    request: Request,
    console: ConsoleDep,
    session: Session = Operator,
    description: Annotated[str, Form(max_length=4000)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
) -> HTMLResponse:
    text = description.strip()
    found = suggest_places(console.county, text, address)
    places = [(place, console.area_name(place.area_code)) for place in found]
    if len(text) < 2:
        return render(
            request, "operator/_suggestions.html", session, suggestions=None, places=places
        )
    result = await console.upstream.post(
        "intake", "/v1/classify", session.access_token, {"text": text, "channel": "hotline_12345"}
    )
    suggestions = suggestions_of(result)
    knowledge = await _knowledge_hits(console, session, text) if suggestions.is_consultation else []
    return render(
        request,
        "operator/_suggestions.html",
        session,
        suggestions=suggestions,
        places=places,
        accept_all=suggestions.all_fields(found[0] if found else None),
        knowledge=knowledge,
    )


@router.get("/operator/caller-history", response_class=HTMLResponse, include_in_schema=False)
async def history(
    request: Request,
    console: ConsoleDep,
    session: Session = Operator,
    caller_phone: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    phone = caller_phone.strip()
    if not phone:
        return render(request, "operator/_history.html", session, history=None, error=None)
    try:
        page = await console.upstream.get(
            "intake", "/v1/tickets", session.access_token,
            caller_phone=phone, reason=HISTORY_REASON, limit=HISTORY_LIMIT,
        )  # fmt: skip
    except UpstreamError as exc:
        if exc.status != 422:
            raise
        return render(
            request, "operator/_history.html", session, history=None, error="号码格式不正确"
        )
    view = caller_history(mask_phone(phone), page, datetime.now(UTC), status_text)
    return render(request, "operator/_history.html", session, history=view, error=None)


@router.post("/operator/calls", response_class=HTMLResponse, include_in_schema=False)
async def register_call(
    request: Request, console: ConsoleDep, session: Session = Operator
) -> HTMLResponse:
    form_data = await request.form()
    form = CallForm.of(dict(form_data))
    key = str(form_data.get("idempotency_key") or "") or str(uuid.uuid4())
    try:
        ticket, created = await _register(console, session, form, key)
    except UpstreamError as exc:
        if exc.status != 422:
            raise
        messages = validation_messages(exc.body)
        return render(request, "operator/_errors.html", session, status_code=422, messages=messages)
    if correction_needed(form, ticket):
        body = correction_body(
            ticket["category"]["code"], ticket["urgency"], form.disposition, form.reason,
            default_reason=CORRECTION_REASON,
        )  # fmt: skip
        ticket = await console.upstream.post(
            "intake", f"/v1/tickets/{ticket['id']}/reclassify", session.access_token, body
        )
    notice = None if created else "重复提交：此来电已登记，未新建工单"
    return await _result(request, console, session, ticket, notice=notice)


@router.post(
    "/operator/tickets/{ticket_id}/answer", response_class=HTMLResponse, include_in_schema=False
)
async def answer_from_knowledge(
    request: Request,
    ticket_id: TicketId,
    console: ConsoleDep,
    knowledge_entry_id: Annotated[str, Form(pattern=r"^[A-Z0-9-]{1,32}$")],
    session: Session = Operator,
) -> HTMLResponse:
    token = session.access_token
    entry = await console.upstream.get("intake", f"/v1/knowledge/{knowledge_entry_id}", token)
    body = {"answer": entry["answer"], "knowledge_entry_id": knowledge_entry_id}
    headers = {"Idempotency-Key": f"kb-answer:{ticket_id}:{knowledge_entry_id}"}
    await console.upstream.post(
        "intake", f"/v1/tickets/{ticket_id}/answer", token, body, headers=headers
    )
    ticket = await console.upstream.get("intake", f"/v1/tickets/{ticket_id}", token)
    notice = f"已按知识库「{entry['title']}」答复来电人，工单已办结"
    return await _result(request, console, session, ticket, notice=notice)


@router.post(
    "/operator/tickets/{ticket_id}/reclassify",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def correct(
    request: Request,
    ticket_id: TicketId,
    console: ConsoleDep,
    code: Annotated[str, Form(pattern=r"^[a-z0-9_]{1,64}$")],
    session: Session = Operator,
    urgency: Annotated[str, Form(max_length=16)] = "",
    disposition: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    body = correction_body(
        code, urgency, disposition, reason.strip(), default_reason=CORRECTION_REASON
    )
    ticket = await console.upstream.post(
        "intake", f"/v1/tickets/{ticket_id}/reclassify", session.access_token, body
    )
    return await _result(request, console, session, ticket, notice="已更正分类，记入话务员更正")


async def _register(
    console: Console, session: Session, form: CallForm, key: str
) -> tuple[dict[str, Any], bool]:
    """The ticket and whether this request created it (a replay of the key answers 200)."""
    for attempt in range(IN_FLIGHT_RETRIES):
        try:
            response = await console.upstream.request(
                "intake", "POST", "/v1/tickets", session.access_token,
                json=ticket_body(form), headers={"Idempotency-Key": key},
            )  # fmt: skip
        except UpstreamError as exc:
            # The same key still in flight (a double submit): wait for the first to commit.
            if exc.status != 409 or attempt == IN_FLIGHT_RETRIES - 1:
                raise
            await asyncio.sleep(0.3 * (attempt + 1))
            continue
        return response.json(), response.status_code == 201
    raise AssertionError("unreachable")


async def _result(
    request: Request,
    console: Console,
    session: Session,
    ticket: dict[str, Any],
    *,
    notice: str | None,
) -> HTMLResponse:
    consult = ticket.get("disposition") == "answer" and not is_finished(ticket)
    knowledge = await _knowledge_entries(console, session, ticket["description"]) if consult else []
    return render(
        request,
        "operator/_result.html",
        session,
        ticket=ticket,
        banners=banners_of(ticket),
        knowledge=knowledge,
        notice=notice,
        finished=is_finished(ticket),
        status=status_text(ticket),
        category=category_text(ticket["category"]),
        risk=label(RISK_LABELS, ticket.get("risk_level")),
        area=console.area_name(ticket["location"]["area_code"]),
        **await _choices(console),
    )


async def _choices(console: Console) -> dict[str, Any]:
    return {
        "groups": grouped(await load_subcategories(console.upstream)),
        "urgencies": URGENCY_LABELS,
        "dispositions": DISPOSITION_LABELS,
    }


async def _knowledge_hits(console: Console, session: Session, text: str) -> list[dict[str, Any]]:
    result = await console.upstream.get(
        "intake", "/v1/knowledge", session.access_token, q=text[:KB_QUERY_CHARS], limit=KB_LIMIT
    )
    items: list[dict[str, Any]] = result.get("items", [])
    return items


async def _knowledge_entries(console: Console, session: Session, text: str) -> list[dict[str, Any]]:
    """The best answers with their full text, for the operator to read out."""
    hits = await _knowledge_hits(console, session, text)
    token = session.access_token
    return list(
        await asyncio.gather(
            *(console.upstream.get("intake", f"/v1/knowledge/{hit['id']}", token) for hit in hits)
        )
    )
