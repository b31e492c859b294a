"""Alerts in the database: raising one per subject or raising its level, and the unit of work.

``ALERTS`` tells the lifecycle engine what an alert is (table, history, rules, view, scope).
``apply_signals`` is how every signal handler lands: the open alert of the subject gets the
signals and, if they reach higher, its new level (``alert.level_raised``); without one, a new
alert is raised (``alert.raised``). A level never falls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from pingan_common.auth import Principal
from pingan_common.auth import ensure_visible as ensure_area_visible
from pingan_common.events.riskassess import (
    AlertLevelRaised,
    AlertLevelRaisedData,
    AlertRaised,
    AlertRaisedData,
    RiskSignal,
)
from pingan_common.events.values import RiskLevel
from pingan_common.ids import new_id
from pingan_common.lifecycle import AggregateKind, AggregateWork
from pingan_riskassess.alerts.lifecycle import ALERT_LIFECYCLE, OPEN_STATES, AlertView
from pingan_riskassess.models import Alert, AlertHistory
from pingan_riskassess.signals.rules import (
    Signal,
    acknowledge_within,
    highest,
    notify_roles,
    period_raise,
    rank,
)
from pingan_riskassess.signals.ruleset import RuleSet


class AlertWork(AggregateWork[Alert]):
    def fields(self, alert: Alert) -> dict[str, Any]:
        """What every alert event after ``raised`` carries (``AlertEventData``)."""
        return {
            "alert_id": alert.id,
            "ticket_id": alert.ticket_id,
            "ticket_number": alert.ticket_number,
            "level": alert.level,
            "area_code": alert.area_code,
            "actor": self.actor,
            "occurred_at": self.now,
        }


def view_of(alert: Alert, now: datetime) -> AlertView:
    return AlertView(state=alert.state, outcome=alert.outcome)


def ensure_visible(principal: Principal, alert: Alert) -> None:
    ensure_area_visible(principal, alert.area_code, "alert", str(alert.id))


ALERTS = AggregateKind[Alert, AlertView](
    name="alert",
    model=Alert,
    history_model=AlertHistory,
    history_key="alert_id",
    lifecycle=ALERT_LIFECYCLE,
    view=view_of,
    correlation=lambda alert: str(alert.ticket_id),
    ensure_visible=ensure_visible,
)


@dataclass(frozen=True)
class Subject:
    kind: str  # ticket, caller, key_person, place, employer, case
    ref: str


@dataclass(frozen=True)
class Lead:
    """The ticket and area a new alert is raised on (the call that brought the signals)."""

    ticket_id: UUID
    ticket_number: str
    area_code: str


def signal_json(signal: Signal) -> dict[str, Any]:
    return {
        "rule": signal.rule,
        "level": signal.level.value,
        "evidence": signal.evidence,
        "score": signal.score,
        "event_ids": [str(i) for i in signal.event_ids],
        "rules_version": signal.rules_version,
    }


def risk_signal(signal: Signal) -> RiskSignal:
    return RiskSignal(
        rule=signal.rule,
        evidence=signal.evidence,
        level=signal.level,
        score=signal.score,
        rules_version=signal.rules_version,
        event_ids=list(signal.event_ids),
    )


def summary_of(signals: list[dict[str, Any]]) -> str:
    seen: dict[str, str] = {}
    for signal in signals:
        seen[signal["rule"]] = signal["evidence"]  # the latest evidence of each rule
    return "；".join(f"{rule}: {evidence}" for rule, evidence in seen.items())[:2000]


async def open_alert(work: AlertWork, subject: Subject) -> Alert | None:
    return await work.session.scalar(
        select(Alert)
        .where(
            Alert.subject_kind == subject.kind,
            Alert.subject_ref == subject.ref,
            Alert.state.in_(OPEN_STATES),
        )
        .with_for_update()
    )


async def apply_signals(
    work: AlertWork,
    subject: Subject,
    signals: list[Signal],
    lead: Lead,
    *,
    rules: RuleSet,
    day: date,
) -> Alert | None:
    """Land the signals on the subject's open alert, or raise one; None when none fired."""
    fired = [period_raise(s, day, rules) for s in signals if s is not None]
    if not fired:
        return None
    alert = await open_alert(work, subject)
    if alert is None:
        return await _raise(work, subject, fired, lead, rules)
    await _add(work, alert, fired, rules)
    return alert


async def _raise(
    work: AlertWork, subject: Subject, signals: list[Signal], lead: Lead, rules: RuleSet
) -> Alert:
    level = highest([s.level for s in signals])
    stored = [signal_json(s) for s in signals]
    alert_id = new_id()
    alert = Alert(
        id=alert_id,
        subject_kind=subject.kind,
        subject_ref=subject.ref,
        ticket_id=lead.ticket_id,
        ticket_number=lead.ticket_number,
        # A REST action (a visit finding a key person gone) has no event behind it.
        source_event_id=work.causation.id if work.causation else alert_id,
        level=level.value,
        state="raised",
        signals=stored,
        area_code=lead.area_code,
        summary=summary_of(stored),
        notify_roles=notify_roles(level),
        raised_at=work.now,
        ack_due_at=work.now + acknowledge_within(level, rules),
        escalation_count=0,
        updated_at=work.now,
    )
    work.session.add(alert)
    await work.session.flush()
    work.record(alert, "raise", None, {"level": level, "signals": stored})
    await work.publish(
        alert,
        AlertRaised,
        AlertRaisedData(
            alert_id=alert.id,
            ticket_id=alert.ticket_id,
            ticket_number=alert.ticket_number,
            level=level,
            signals=[risk_signal(s) for s in signals],
            area_code=alert.area_code,
            summary=alert.summary,
            notify_roles=alert.notify_roles,
            raised_at=work.now,
            subject_kind=subject.kind,
            subject_ref=subject.ref,
            ack_due_at=alert.ack_due_at,
        ),
    )
    return alert


async def _add(work: AlertWork, alert: Alert, signals: list[Signal], rules: RuleSet) -> None:
    # A rule that fires again at a level it already had on this alert adds nothing new.
    known = {(s["rule"], s["level"]) for s in alert.signals}
    stored = [signal_json(s) for s in signals if (s.rule, s.level.value) not in known]
    if not stored:
        return
    alert.signals = [*alert.signals, *stored]
    alert.summary = summary_of(alert.signals)
    new_level = highest([alert.level, *(s["level"] for s in stored)])
    if rank(new_level) <= rank(alert.level):
        work.record(alert, "signal", alert.state, {"signals": stored})
        return
    previous = RiskLevel(alert.level)
    alert.level = new_level.value
    alert.notify_roles = notify_roles(new_level)
    if alert.state == "raised":
        # The shorter time of the new level, from now, unless the old deadline is sooner.
        due = work.now + acknowledge_within(new_level, rules)
        alert.ack_due_at = min(due, alert.ack_due_at) if alert.ack_due_at else due
    work.record(
        alert, "raise-level", alert.state, {"from": previous, "to": new_level, "signals": stored}
    )
    await work.publish(
        alert,
        AlertLevelRaised,
        AlertLevelRaisedData(
            **work.fields(alert),
            previous_level=previous,
            signals=[risk_signal(s) for s in signals if signal_json(s) in stored],
            summary=alert.summary,
            notify_roles=alert.notify_roles,
            ack_due_at=alert.ack_due_at if alert.state == "raised" else None,
        ),
    )
