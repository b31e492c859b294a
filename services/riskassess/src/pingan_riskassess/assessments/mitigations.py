"""A mitigation's lifecycle after the decision, on the engine, and its overdue scanner::

    planned ──start──▶ in_progress ──complete──▶ done
       │                    │                     ▲
       └────(due date passes: the scanner)──▶ overdue ──start / complete (late)

An overdue mitigation stays visible as overdue until it is done (then ``late`` is recorded);
starting an overdue one keeps it overdue, because the date has passed all the same. Who:
analysts (and admins) record the progress the owning unit reports.

The scanner finds, at an injected instant, the mitigations still planned or in progress whose
due date (a county day) is before that instant's county day, marks them overdue and publishes
``mitigation.overdue`` once each (the state change is the marker).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pingan_common.auth import Principal, ensure_visible
from pingan_common.county_time import county_date
from pingan_common.db import SessionFactory
from pingan_common.events.riskassess_assessments import (
    MitigationEventData,
    MitigationOverdue,
)
from pingan_common.lifecycle import SYSTEM, AggregateKind, AggregateWork, Lifecycle, Rule, states
from pingan_common.outbox import Outbox
from pingan_common.runtime import Runtime
from pingan_common.workers import PeriodicWorker
from pingan_riskassess.models import Mitigation, MitigationHistory
from pingan_riskassess.settings import RiskassessSettings

log = logging.getLogger("pingan.riskassess.mitigations")

MITIGATION_SCANNER = "riskassess-mitigation-scanner"
OPEN_STATES = ("planned", "in_progress")


@dataclass(frozen=True)
class MitigationView:
    state: str


RULES: dict[str, Rule[MitigationView]] = {
    "start": Rule(frozenset({"analyst"}), states("planned", "overdue"), to_state=None),
    "complete": Rule(
        frozenset({"analyst"}), states("planned", "in_progress", "overdue"), to_state="done"
    ),
}

MITIGATION_LIFECYCLE = Lifecycle[MitigationView](
    aggregate="mitigation", rules=RULES, state_of=lambda m: m.state
)


def _visible(principal: Principal, mitigation: Mitigation) -> None:
    ensure_visible(principal, mitigation.area_code, "mitigation", str(mitigation.id))


MITIGATIONS = AggregateKind[Mitigation, MitigationView](
    name="mitigation",
    model=Mitigation,
    history_model=MitigationHistory,
    history_key="mitigation_id",
    lifecycle=MITIGATION_LIFECYCLE,
    view=lambda m, now: MitigationView(state=m.state),
    correlation=lambda m: str(m.assessment_id),
    ensure_visible=_visible,
)


def event_data(work: AggregateWork[Mitigation], m: Mitigation) -> dict:
    return {
        "mitigation_id": m.id,
        "assessment_id": m.assessment_id,
        "area_code": m.area_code,
        "measure": m.measure,
        "owner": m.owner,
        "due_date": m.due_date,
        "state": m.state,
        "actor": work.actor,
        "occurred_at": work.now,
    }


def is_late(m: Mitigation, now: datetime) -> bool:
    return county_date(now) > m.due_date


async def mark_overdue(sessions: SessionFactory, outbox: Outbox, now: datetime) -> int:
    """Mark every open mitigation whose due date has passed at ``now``; returns how many."""
    today = county_date(now)
    async with sessions.begin() as session:
        due = list(
            await session.scalars(
                select(Mitigation)
                .where(Mitigation.state.in_(OPEN_STATES), Mitigation.due_date < today)
                .order_by(Mitigation.due_date, Mitigation.id)
                .with_for_update(skip_locked=True)
            )
        )
        work = AggregateWork(MITIGATIONS, session, outbox, now, SYSTEM)
        for mitigation in due:
            previous = mitigation.state
            mitigation.state = "overdue"
            mitigation.overdue_at = now
            work.record(
                mitigation, "overdue", previous, {"due_date": mitigation.due_date.isoformat()}
            )
            await work.publish(
                mitigation, MitigationOverdue, MitigationEventData(**event_data(work, mitigation))
            )
    if due:
        outbox.nudge()
        log.info("mitigation scanner at %s: %d overdue", now.isoformat(), len(due))
    return len(due)


def mitigation_scanner(runtime: Runtime) -> PeriodicWorker | None:
    settings = runtime.settings
    assert isinstance(settings, RiskassessSettings)
    if not settings.scanner_enabled:
        return None

    async def one_pass() -> int:
        return await mark_overdue(runtime.sessions, runtime.outbox, runtime.now())

    return PeriodicWorker(MITIGATION_SCANNER, one_pass, interval=settings.scanner_interval_seconds)
