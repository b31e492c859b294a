"""Raising an alert for a registered ticket that shows risk signals."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events import AlertRaised, AlertRaisedData, RiskSignal, TicketRegistered
from pingan_common.ids import new_id
from pingan_riskassess.models import Alert
from pingan_riskassess.rules import Assessment


async def raise_alert(
    event: TicketRegistered, assessment: Assessment, ctx: HandlerContext
) -> Alert:
    data = event.data
    now = ctx.clock()
    alert = Alert(
        id=new_id(),
        ticket_id=data.ticket_id,
        ticket_number=data.ticket_number,
        source_event_id=event.id,
        level=assessment.level.value,
        state="raised",
        signals=[
            {"rule": s.rule, "evidence": s.evidence, "level": s.level.value}
            for s in assessment.signals
        ],
        area_code=data.area_code,
        summary=assessment.summary,
        notify_roles=assessment.notify_roles,
        raised_at=now,
    )
    ctx.session.add(alert)
    await ctx.publish(
        AlertRaised.create(
            AlertRaisedData(
                alert_id=alert.id,
                ticket_id=alert.ticket_id,
                ticket_number=alert.ticket_number,
                level=assessment.level,
                signals=[RiskSignal(rule=s.rule, evidence=s.evidence) for s in assessment.signals],
                area_code=alert.area_code,
                summary=alert.summary,
                notify_roles=alert.notify_roles,
                raised_at=now,
            ),
            subject=str(alert.id),
            correlationid=event.correlationid,
            causation=event,
            time=now,
        )
    )
    return alert
