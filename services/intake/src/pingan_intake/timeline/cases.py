"""Mediation's reports on a ticket: a case opened puts the ticket in mediation; every later step
of the case is a timeline entry; the case's closing closes the ticket with the mediation's
outcome (unless a task of the ticket is still open: the last task's closing closes it then),
together with the calls merged into it (并单), so the citizen gets the survey like any other
closed ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import CaseOpened
from pingan_common.events.intake import TicketClosedData
from pingan_common.events.mediation import (
    CaseAccepted,
    CaseAgreementReached,
    CaseClosed,
    CaseDeadlineWarning,
    CaseDeclined,
    CaseEscalated,
    CaseEventData,
    CaseExtended,
    CaseFailed,
    CaseFollowupRecorded,
    CaseMediatorAssigned,
    CaseOverdue,
    CaseReferred,
    CaseRegistered,
    CaseSessionHeld,
    CaseSessionScheduled,
    CaseTermBreached,
    CaseTermDue,
    CaseWithdrawn,
)
from pingan_intake.tickets.closing import close_merged_tickets, close_ticket
from pingan_intake.tickets.event_data import ticket_fields
from pingan_intake.tickets.status import FINISHED_STATUSES
from pingan_intake.timeline.entries import intake_entry
from pingan_intake.timeline.projection import append_entry, has_open_work, track_task

SESSION_OUTCOMES = {"progress": "取得进展", "failed": "未达成一致", "adjourned": "休会，择期再调"}
ROUTES = {"litigation": "诉讼", "arbitration": "仲裁", "administrative": "行政裁决"}
LEVELS = {"village": "村（社区）", "township": "乡镇（街道）", "county": "县"}


async def record_case_opened(event: CaseOpened, ctx: HandlerContext) -> None:
    data = event.data
    ticket = await append_entry(
        ctx,
        event,
        data.ticket_id,
        "case_opened",
        f"调解案件 {data.case_number} 已由 {data.committee_name} 受理",
        {"case_id": str(data.case_id), "committee_code": data.committee_code},
        status="mediating",
    )
    if ticket is not None:
        await track_task(ctx, data.case_id, ticket.id, kind="case", status="open")


async def record_case_registered(event: CaseRegistered, ctx: HandlerContext) -> None:
    data = event.data
    if data.ticket_id is None:
        return
    ticket = await append_entry(
        ctx,
        event,
        data.ticket_id,
        "case_opened",
        f"调解案件 {data.case_number} 已在 {data.committee_name} 登记",
        {"case_id": str(data.case_id), "committee_code": data.committee_code},
        status="mediating",
    )
    if ticket is not None:
        await track_task(ctx, data.case_id, ticket.id, kind="case", status="open")


# What each later case event says on the ticket: (step, summary of the event's data).
SUMMARIES: dict[type, tuple[str, Callable[[Any], str]]] = {
    CaseAccepted: ("case_accepted", lambda d: f"调解受理，应于 {d.due_at:%Y-%m-%d} 前调结"),
    CaseDeclined: ("case_declined", lambda d: f"不予受理调解：{d.reason}"),
    CaseMediatorAssigned: (
        "case_mediator_assigned",
        lambda d: ("领导包案：" if d.role == "leader" else "指派调解员：") + d.mediator_name,
    ),
    CaseSessionScheduled: (
        "case_session_scheduled",
        lambda d: f"第{d.session_no}次调解定于 {d.starts_at:%Y-%m-%d %H:%M}，地点 {d.place}",
    ),
    CaseSessionHeld: (
        "case_session_held",
        lambda d: f"第{d.session_no}次调解：{SESSION_OUTCOMES[d.outcome]}",
    ),
    CaseAgreementReached: (
        "case_agreement_reached",
        lambda d: f"达成调解协议（{len(d.terms)}项），可于 {d.confirmation_due_on} 前申请司法确认",
    ),
    CaseFailed: ("case_failed", lambda d: f"调解不成：{d.reason}"),
    CaseReferred: (
        "case_referred",
        lambda d: f"引导当事人通过{ROUTES[d.route]}解决（{d.receiving_body}）",
    ),
    CaseEscalated: (
        "case_escalated",
        lambda d: f"提级至{LEVELS[d.to_level]}调处：{d.reason}",
    ),
    CaseExtended: ("case_extended", lambda d: f"调解期限延长至 {d.due_at:%Y-%m-%d}：{d.reason}"),
    CaseDeadlineWarning: ("case_deadline_warning", lambda d: "调解期限临近"),
    CaseOverdue: ("case_overdue", lambda d: "调解超期"),
    CaseTermDue: ("case_term_due", lambda d: f"调解协议第{d.term_no}项今日到期"),
    CaseTermBreached: ("case_term_breached", lambda d: f"调解协议第{d.term_no}项到期未履行"),
    CaseFollowupRecorded: (
        "case_followup",
        lambda d: "履行回访：" + ("已履行" if d.performed else "未履行"),
    ),
    CaseWithdrawn: ("case_withdrawn", lambda d: f"撤回调解：{d.reason}"),
}


async def record_case_event(event: Any, ctx: HandlerContext) -> None:
    data: CaseEventData = event.data
    if data.ticket_id is None:
        return
    step, summary = SUMMARIES[type(event)]
    await append_entry(
        ctx, event, data.ticket_id, step, summary(data), {"case_id": str(data.case_id)}
    )


async def record_case_closed(event: CaseClosed, ctx: HandlerContext) -> None:
    data = event.data
    if data.ticket_id is None:
        return
    ticket = await append_entry(
        ctx,
        event,
        data.ticket_id,
        "case_closed",
        f"调解结案：{data.summary}",
        {"case_id": str(data.case_id), "outcome": data.outcome},
    )
    if ticket is not None:
        await track_task(ctx, data.case_id, ticket.id, kind="case", status="closed")
    if ticket is None or ticket.status in FINISHED_STATUSES:
        return  # already closed (retracted, merged, answered): nothing more to tell
    if await has_open_work(ctx, ticket.id, "ticket"):
        return  # a department still works on it: its last task closes the ticket
    closed = TicketClosedData(
        **ticket_fields(ticket, data.actor, data.occurred_at),
        channel=ticket.channel,
        resolution="handled",
        outcome=f"调解结案：{data.summary}",
        handled_by=[data.committee_code],
        external_ref=ticket.external_ref,
    )
    ctx.session.add(
        intake_entry(
            ticket,
            event.time,
            "closed",
            f"工单办结：{closed.outcome}",
            {"resolution": "handled", "handled_by": closed.handled_by},
        )
    )
    await close_ticket(ctx.publish, ticket, closed, cause=event)
    await close_merged_tickets(
        ctx.session,
        ctx.publish,
        ticket,
        outcome=closed.outcome,
        actor=data.actor,
        now=data.occurred_at,
    )


HANDLERS: HandlerRegistry = {
    CaseOpened: [record_case_opened],
    CaseRegistered: [record_case_registered],
    **{event_class: [record_case_event] for event_class in SUMMARIES},
    CaseClosed: [record_case_closed],
}
