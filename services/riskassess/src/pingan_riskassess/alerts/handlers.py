"""What dispatch's verification tasks (核查) tell an alert: the task it got, and its finding.

``task.created`` of kind ``verification`` names the alert; ``task.replied`` carries the
finding (found through riskassess's ``task_facts``), ``task.closed`` carries it again with the
alert id. A clear finding (``signals.rules.verification_finding``: 属实 / 不属实, 误报 …)
verifies the alert as the system; an unclear one is kept as the report and waits for the
analyst's ``verify``.
"""

from __future__ import annotations

import logging
from uuid import UUID

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.dispatch import TaskClosed, TaskReplied
from pingan_common.events.envelope import EventEnvelope
from pingan_common.lifecycle import SYSTEM
from pingan_riskassess.alerts.actions import do_verify
from pingan_riskassess.alerts.schemas import VerifyBody
from pingan_riskassess.alerts.work import ALERTS, AlertWork
from pingan_riskassess.models import Alert, TaskFact
from pingan_riskassess.signals.rules import verification_finding
from pingan_riskassess.signals.ruleset import default_rules

log = logging.getLogger("pingan.riskassess.verification")


async def on_verification_replied(event: TaskReplied, ctx: HandlerContext) -> None:
    fact = await ctx.session.get(TaskFact, event.data.task_id)
    if fact is None or fact.kind != "verification" or fact.alert_id is None:
        return
    await take_finding(ctx, event, fact.alert_id, event.data.task_id, event.data.result)


async def on_verification_closed(event: TaskClosed, ctx: HandlerContext) -> None:
    data = event.data
    if data.kind != "verification" or data.alert_id is None or not data.result:
        return
    await take_finding(ctx, event, data.alert_id, data.task_id, data.result)


async def take_finding(
    ctx: HandlerContext, event: EventEnvelope, alert_id: UUID, task_id: UUID, result: str
) -> None:
    alert = await ctx.session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        log.warning("verification finding for unknown alert %s ignored", alert_id)
        return
    work = AlertWork(ALERTS, ctx.session, ctx.outbox, ctx.clock(), SYSTEM, event)
    if alert.state != "verification_requested":
        if alert.verification_task_id != task_id:  # not the reply already taken, repeated
            work.record(alert, "verification-report-late", alert.state, {"task_id": task_id})
        return
    alert.verification_task_id = task_id
    alert.verification_report = result
    outcome = verification_finding(result, default_rules())
    if outcome is None:
        work.record(alert, "verification-reported", alert.state, {"task_id": task_id})
        return
    await do_verify(work, alert, VerifyBody(outcome=outcome, notes=result), task_id=task_id)
