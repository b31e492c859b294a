"""Risk assessment's reports on a ticket: each step of a warning's lifecycle shows in the
timeline (raised, level raised, acknowledged, verification requested, verified, handled,
closed); the status follows the ticket's handling, not the alert.

Operators and other staff read the timeline, so a line says the level and the step, and of
the evidence only what is not key-person data (``alert_text.shareable_evidence``); notes,
findings and measures are free text about the subject and stay in riskassess. An alert with no
ticket (about a key person, a place, a case) carries a derived ticket id intake never
registered: ``append_entry`` finds no ticket and the event is applied as nothing.
"""

from __future__ import annotations

from uuid import UUID

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import AlertRaised
from pingan_common.events.alert_text import level_label, shareable_evidence
from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.riskassess import (
    AlertAcknowledged,
    AlertClosed,
    AlertHandled,
    AlertLevelRaised,
    AlertVerified,
    VerificationRequested,
)
from pingan_common.events.values import RiskLevel
from pingan_intake.timeline.projection import append_entry

VERIFIED_LINES = {"confirmed": "核查属实", "false_alarm": "核查为误报"}
CLOSED_LINES = {"confirmed": "（核查属实）", "false_alarm": "（误报）", None: ""}


def _with_evidence(line: str, evidence: str) -> str:
    return f"{line}：{evidence}" if evidence else line


async def _entry(
    ctx: HandlerContext,
    event: EventEnvelope,
    ticket_id: UUID | None,
    step: str,
    summary: str,
    alert_id: UUID,
    level: RiskLevel,
    **details: str,
) -> None:
    if ticket_id is None:
        return
    await append_entry(
        ctx,
        event,
        ticket_id,
        step,
        summary,
        {"alert_id": str(alert_id), "level": level.value, **details},
    )


async def record_alert_raised(event: AlertRaised, ctx: HandlerContext) -> None:
    data = event.data
    line = _with_evidence(
        f"风险预警（{level_label(data.level)}）", shareable_evidence(data.signals)
    )
    await _entry(ctx, event, data.ticket_id, "alert_raised", line, data.alert_id, data.level)


async def record_alert_level_raised(event: AlertLevelRaised, ctx: HandlerContext) -> None:
    data = event.data
    line = _with_evidence(
        f"风险预警升级：{level_label(data.previous_level)}→{level_label(data.level)}",
        shareable_evidence(data.signals),
    )
    await _entry(
        ctx,
        event,
        data.ticket_id,
        "alert_level_raised",
        line,
        data.alert_id,
        data.level,
        previous_level=data.previous_level.value,
    )


async def record_alert_acknowledged(event: AlertAcknowledged, ctx: HandlerContext) -> None:
    data = event.data
    line = f"风险预警（{level_label(data.level)}）已签收"
    await _entry(ctx, event, data.ticket_id, "alert_acknowledged", line, data.alert_id, data.level)


async def record_verification_requested(event: VerificationRequested, ctx: HandlerContext) -> None:
    data = event.data
    line = f"风险预警（{level_label(data.level)}）已派发现场核查"
    await _entry(
        ctx, event, data.ticket_id, "alert_verification_requested", line, data.alert_id, data.level
    )


async def record_alert_verified(event: AlertVerified, ctx: HandlerContext) -> None:
    data = event.data
    line = f"风险预警（{level_label(data.level)}）{VERIFIED_LINES[data.outcome]}"
    await _entry(
        ctx,
        event,
        data.ticket_id,
        "alert_verified",
        line,
        data.alert_id,
        data.level,
        outcome=data.outcome,
    )


async def record_alert_handled(event: AlertHandled, ctx: HandlerContext) -> None:
    data = event.data
    line = f"风险预警（{level_label(data.level)}）已处置"
    await _entry(ctx, event, data.ticket_id, "alert_handled", line, data.alert_id, data.level)


async def record_alert_closed(event: AlertClosed, ctx: HandlerContext) -> None:
    data = event.data
    line = f"风险预警（{level_label(data.level)}）已关闭{CLOSED_LINES[data.outcome]}"
    await _entry(ctx, event, data.ticket_id, "alert_closed", line, data.alert_id, data.level)


HANDLERS: HandlerRegistry = {
    AlertRaised: [record_alert_raised],
    AlertLevelRaised: [record_alert_level_raised],
    AlertAcknowledged: [record_alert_acknowledged],
    VerificationRequested: [record_verification_requested],
    AlertVerified: [record_alert_verified],
    AlertHandled: [record_alert_handled],
    AlertClosed: [record_alert_closed],
}
