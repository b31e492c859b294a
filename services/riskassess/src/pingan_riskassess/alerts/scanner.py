"""The acknowledgement scanner (which also signals key persons' overdue visits,
``keypersons.visits``): an alert nobody acknowledged in the time its level allows is
told again and escalated one level up the hierarchy (网格 → 村/社区 → 乡镇/街道 → 县).

A pass claims due alerts (state ``raised``, ``ack_due_at`` passed: a partial index) in batches
with ``FOR UPDATE SKIP LOCKED``, each batch its own transaction, so replicas may scan at once
and still escalate each alert once per deadline: the escalation moves ``ack_due_at`` on by the
level's time, which re-arms the next escalation. Time comes from the caller (the runtime
clock), so tests inject it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from pingan_common.db import SessionFactory
from pingan_common.events.riskassess import AlertEscalated, AlertEscalatedData
from pingan_common.events.values import RiskLevel
from pingan_common.lifecycle import SYSTEM
from pingan_common.outbox import Outbox
from pingan_common.runtime import Runtime
from pingan_common.workers import PeriodicWorker
from pingan_riskassess.alerts.work import ALERTS, AlertWork
from pingan_riskassess.keypersons.visits import signal_overdue_visits
from pingan_riskassess.models import Alert
from pingan_riskassess.settings import RiskassessSettings
from pingan_riskassess.signals.rules import acknowledge_within
from pingan_riskassess.signals.ruleset import RuleSet, default_rules

log = logging.getLogger("pingan.riskassess.scanner")

SCANNER_WORKER = "riskassess-acknowledgement-scanner"
# Area code lengths of the hierarchy: county 6, township 9, village 12, grid 14.
LEVEL_LENGTHS = (6, 9, 12, 14)


def area_above(area_code: str) -> str:
    """The area one level up; the county stays the county."""
    shorter = [n for n in LEVEL_LENGTHS if n < len(area_code)]
    return area_code[: shorter[-1]] if shorter else area_code


async def run_pass(
    sessions: SessionFactory,
    outbox: Outbox,
    now: datetime,
    *,
    rules: RuleSet | None = None,
    batch_size: int = 100,
) -> int:
    """Escalate every alert whose acknowledgement is overdue at ``now``; returns how many."""
    rules = rules or default_rules()
    escalated = 0
    while True:
        async with sessions.begin() as session:
            due = list(
                await session.scalars(
                    select(Alert)
                    .where(Alert.state == "raised", Alert.ack_due_at <= now)
                    .order_by(Alert.ack_due_at)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            work = AlertWork(ALERTS, session, outbox, now, SYSTEM)
            for alert in due:
                await escalate(work, alert, rules)
        escalated += len(due)
        if due:
            outbox.nudge()
        if len(due) < batch_size:
            break
    if escalated:
        log.info("acknowledgement scanner at %s escalated %d alerts", now.isoformat(), escalated)
    return escalated


async def escalate(work: AlertWork, alert: Alert, rules: RuleSet) -> None:
    level = RiskLevel(alert.level)
    alert.escalation_count += 1
    alert.escalated_area_code = area_above(alert.escalated_area_code or alert.area_code)
    alert.ack_due_at = work.now + acknowledge_within(level, rules)
    roles = ["leader", "analyst"]
    alert.notify_roles = roles
    details = {
        "escalation_count": alert.escalation_count,
        "to_area_code": alert.escalated_area_code,
        "ack_due_at": alert.ack_due_at,
    }
    work.record(alert, "escalate", alert.state, details)
    await work.publish(
        alert,
        AlertEscalated,
        AlertEscalatedData(
            **work.fields(alert),
            summary=alert.summary,
            escalation_count=alert.escalation_count,
            escalated_to_area_code=alert.escalated_area_code,
            notify_roles=roles,
            ack_due_at=alert.ack_due_at,
        ),
    )


def scanner_worker(runtime: Runtime) -> PeriodicWorker | None:
    settings = runtime.settings
    assert isinstance(settings, RiskassessSettings)
    if not settings.scanner_enabled:
        return None

    async def one_pass() -> int:
        now = runtime.now()
        escalated = await run_pass(runtime.sessions, runtime.outbox, now)
        return escalated + await signal_overdue_visits(runtime.sessions, runtime.outbox, now)

    return PeriodicWorker(SCANNER_WORKER, one_pass, interval=settings.scanner_interval_seconds)
