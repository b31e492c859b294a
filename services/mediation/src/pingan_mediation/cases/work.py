"""Cases in the database: what the engine needs to know of a case (``CASES``), the unit of work
every change goes through, and what the actions share (event fields, closing, signals).

Every change goes through a ``Work`` (the engine's unit of work: the open transaction, the
outbox, the time and the actor), so the state change, its history row and its events commit
together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pingan_common.auth import Principal
from pingan_common.auth import ensure_visible as ensure_area_visible
from pingan_common.events.mediation import (
    CaseClosed,
    CaseClosedData,
    CaseOutcome,
    CaseRiskSignal,
    CaseRiskSignalData,
)
from pingan_common.lifecycle import AggregateKind, AggregateWork
from pingan_mediation.cases.lifecycle import CASE_LIFECYCLE, CaseView
from pingan_mediation.cases.signals import Signal
from pingan_mediation.models import Case, CaseHistory, CaseParty


@dataclass
class Work(AggregateWork[Case]):
    """One unit of work on cases; ``actor_name`` is shown where a person takes a case."""

    actor_name: str = ""

    def fields(self, case: Case) -> dict[str, Any]:
        """What every case event after its opening carries (``CaseEventData``)."""
        return {
            "case_id": case.id,
            "case_number": case.case_number,
            "ticket_id": case.ticket_id,
            "ticket_number": case.ticket_number,
            "committee_code": case.committee_code,
            "area_code": case.area_code,
            "state": case.state,
            "actor": self.actor,
            "occurred_at": self.now,
        }


def view_of(case: Case, now: datetime) -> CaseView:
    return CaseView(
        state=case.state,
        level=case.level,
        mediator_id=case.mediator_id,
        leader_id=case.leader_id,
        extension_count=case.extension_count,
        scheduled_sessions=case.scheduled_sessions,
        open_terms=case.open_terms,
    )


def ensure_visible(principal: Principal, case: Case) -> None:
    """The case's mediator and its leader see it wherever they sit; others by area. To anyone
    else the case is not there (404), so a refusal tells nothing of it."""
    if principal.subject in {case.mediator_id, case.leader_id}:
        return
    ensure_area_visible(principal, case.area_code, "case", str(case.id))


CASES = AggregateKind[Case, CaseView](
    name="case",
    model=Case,
    history_model=CaseHistory,
    history_key="case_id",
    lifecycle=CASE_LIFECYCLE,
    view=view_of,
    correlation=lambda case: str(case.ticket_id or case.id),
    ensure_visible=ensure_visible,
)


def party_refs(parties: list[CaseParty]) -> list[str]:
    return [party.ref for party in sorted(parties, key=lambda p: p.position)]


async def finish(
    work: Work,
    case: Case,
    *,
    state: str,
    action: str,
    outcome: CaseOutcome,
    summary: str,
    details: dict | None = None,
) -> None:
    """End the case (closed, declined or withdrawn) and announce ``case.closed`` with the
    outcome, after the action's own event: intake closes the ticket on it."""
    previous = case.state
    case.state = state
    case.outcome = outcome
    case.outcome_summary = summary
    case.closed_at = work.now
    work.record(case, action, previous, {"outcome": outcome, "summary": summary, **(details or {})})


async def publish_closed(work: Work, case: Case) -> None:
    assert case.outcome is not None and case.outcome_summary is not None
    await work.publish(
        case,
        CaseClosed,
        CaseClosedData(
            **work.fields(case),
            outcome=case.outcome,
            summary=case.outcome_summary,
            level=case.level,
            mediator_id=case.mediator_id,
        ),
    )


async def raise_signals(work: Work, case: Case, signals: list[Signal], refs: list[str]) -> None:
    """Publish each new 民转刑 sign once per case and remember it on the case."""
    for signal in signals:
        if signal.reason in case.signals_raised:
            continue
        case.signals_raised = [*case.signals_raised, signal.reason]
        await work.publish(
            case,
            CaseRiskSignal,
            CaseRiskSignalData(
                case_id=case.id,
                case_number=case.case_number,
                ticket_id=case.ticket_id,
                area_code=case.area_code,
                dispute_kind=case.dispute_type or "general",
                reason=signal.reason,
                evidence=signal.evidence,
                level_hint=signal.level_hint,
                party_refs=refs,
                failed_sessions=case.failed_sessions,
                raised_at=work.now,
            ),
        )
