"""The case clock scanner: the three-week warning, the overdue case, a term falling due, a term
breached.

One pass runs each stage: it claims a batch of due rows with ``FOR UPDATE SKIP LOCKED`` (over
the stage's partial index), publishes the stage's event once per row and marks the row in the
same transaction, so several replicas may scan at once without publishing a stage twice. A case
stage records *for which due date* it fired, so an extension re-arms it. A breached term opens a
follow-up (the mediator's next visit) and raises the 民转刑 ``term_breached`` signal once per
case. Time comes from the caller (the runtime clock), so tests move it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, text

from pingan_common.db import SessionFactory
from pingan_common.events.mediation import (
    CaseDeadlineData,
    CaseDeadlineWarning,
    CaseOverdue,
    CaseTermBreached,
    CaseTermData,
    CaseTermDue,
)
from pingan_common.lifecycle import SYSTEM
from pingan_common.outbox import Outbox
from pingan_common.runtime import Runtime
from pingan_common.workers import PeriodicWorker
from pingan_mediation.cases.sessions import refs_of
from pingan_mediation.cases.signals import breach_signal
from pingan_mediation.cases.work import CASES, Work, raise_signals
from pingan_mediation.models import (
    OVERDUE_PENDING,
    TERM_BREACH_PENDING,
    TERM_DUE_PENDING,
    WARN_PENDING,
    Case,
    CaseTerm,
)
from pingan_mediation.settings import MediationSettings

SCANNER_WORKER = "mediation-case-scanner"


@dataclass
class PassResult:
    published: dict[str, int] = field(
        default_factory=lambda: {"warning": 0, "overdue": 0, "term_due": 0, "term_breached": 0}
    )

    @property
    def total(self) -> int:
        return sum(self.published.values())


async def run_pass(
    sessions: SessionFactory, outbox: Outbox, now: datetime, *, batch_size: int = 200
) -> PassResult:
    result = PassResult()
    for stage in (_warning, _overdue, _term_due, _term_breached):
        while True:
            async with sessions() as session, session.begin():
                work = Work(CASES, session, outbox, now, SYSTEM)
                done = await stage(work, now, batch_size)
            result.published[stage.__name__.lstrip("_")] += done
            if done < batch_size:
                break
    return result


async def _claim_cases(
    work: Work, pending: str, instant: str, now: datetime, limit: int
) -> list[Case]:
    rows = await work.session.scalars(
        select(Case)
        .where(text(pending), getattr(Case, instant) <= now)
        .order_by(getattr(Case, instant))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def _warning(work: Work, now: datetime, limit: int) -> int:
    cases = await _claim_cases(work, WARN_PENDING, "warn_at", now, limit)
    for case in cases:
        case.warned_due_at = case.due_at
        if case.due_at <= now:
            continue  # the scanner was down past the deadline: the overdue notice says more
        work.record(case, "deadline-warning", case.state, {"due_at": case.due_at})
        await work.publish(case, CaseDeadlineWarning, _deadline(work, case))
    return len(cases)


async def _overdue(work: Work, now: datetime, limit: int) -> int:
    cases = await _claim_cases(work, OVERDUE_PENDING, "due_at", now, limit)
    for case in cases:
        case.overdue_due_at = case.due_at
        work.record(case, "overdue", case.state, {"due_at": case.due_at})
        await work.publish(case, CaseOverdue, _deadline(work, case))
    return len(cases)


def _deadline(work: Work, case: Case) -> CaseDeadlineData:
    return CaseDeadlineData(**work.fields(case), due_at=case.due_at, mediator_id=case.mediator_id)


async def _claim_terms(
    work: Work, pending: str, instant: str, now: datetime, limit: int
) -> list[CaseTerm]:
    rows = await work.session.scalars(
        select(CaseTerm)
        .where(text(pending), getattr(CaseTerm, instant) <= now)
        .order_by(getattr(CaseTerm, instant), CaseTerm.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def _term_due(work: Work, now: datetime, limit: int) -> int:
    terms = await _claim_terms(work, TERM_DUE_PENDING, "due_notice_at", now, limit)
    for term in terms:
        term.due_notified_at = now
        if term.breach_at <= now:
            continue  # already past its day: the breach says more
        case = await _case(work, term)
        await work.publish(case, CaseTermDue, _term(work, case, term))
    return len(terms)


async def _term_breached(work: Work, now: datetime, limit: int) -> int:
    terms = await _claim_terms(work, TERM_BREACH_PENDING, "breach_at", now, limit)
    for term in terms:
        term.state = "breached"
        term.due_notified_at = term.due_notified_at or now
        case = await _case(work, term)
        work.record(
            case,
            "term-breached",
            case.state,
            {"term_no": term.term_no, "due_on": term.due_on.isoformat()},
        )
        await work.publish(case, CaseTermBreached, _term(work, case, term))
        await raise_signals(work, case, [breach_signal(term.term_no)], await refs_of(work, case))
    return len(terms)


async def _case(work: Work, term: CaseTerm) -> Case:
    case = await work.session.get(Case, term.case_id, with_for_update=True)
    assert case is not None
    return case


def _term(work: Work, case: Case, term: CaseTerm) -> CaseTermData:
    return CaseTermData(
        **work.fields(case),
        agreement_id=term.agreement_id,
        term_no=term.term_no,
        obligor_ref=term.obligor_ref,
        amount=float(term.amount) if term.amount is not None else None,
        due_on=term.due_on,
    )


def scanner_worker(runtime: Runtime) -> PeriodicWorker | None:
    """The scanner as a background loop (None when switched off by settings)."""
    settings = runtime.settings
    assert isinstance(settings, MediationSettings)
    if not settings.scanner_enabled:
        return None

    async def one_pass() -> PassResult:
        return await run_pass(
            runtime.sessions, runtime.outbox, runtime.now(), batch_size=settings.scanner_batch_size
        )

    return PeriodicWorker(SCANNER_WORKER, one_pass, interval=settings.scanner_interval_seconds)
