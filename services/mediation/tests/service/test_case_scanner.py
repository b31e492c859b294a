"""The case clock scanner on the real database: the three-week warning, the overdue case, a
term falling due and breached (with its 民转刑 signal), each published once, also when two
replicas scan at the same instant. The passes are run with given instants (the app's own
scanner is off in tests)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pingan_common.events.mediation import (
    CaseDeadlineWarning,
    CaseOverdue,
    CaseRiskSignal,
    CaseTermBreached,
    CaseTermDue,
)
from pingan_mediation.cases.scanner import run_pass


async def _pass(mediation, now: datetime):  # type: ignore[no-untyped-def]
    runtime = mediation.service.runtime
    return await run_pass(runtime.sessions, runtime.outbox, now)


async def test_an_accepted_case_is_warned_after_three_weeks_and_overdue_after_its_deadline(
    cases, mediation
):
    case = await cases.new()
    accepted = await cases.ok(case, "accept")
    accepted_at = datetime.fromisoformat(accepted["accepted_at"])
    due_at = datetime.fromisoformat(accepted["due_at"])

    await _pass(mediation, accepted_at + timedelta(days=20))
    assert await cases.published(case, CaseDeadlineWarning.event_type()) == 0
    await _pass(mediation, accepted_at + timedelta(days=21, minutes=1))
    assert await cases.published(case, CaseDeadlineWarning.event_type()) == 1
    await _pass(mediation, due_at - timedelta(minutes=1))
    assert await cases.published(case, CaseOverdue.event_type()) == 0
    await _pass(mediation, due_at + timedelta(minutes=1))
    await _pass(mediation, due_at + timedelta(days=1))

    assert await cases.published(case, CaseOverdue.event_type()) == 1
    assert await cases.published(case, CaseDeadlineWarning.event_type()) == 1
    steps = [e["action"] for e in (await cases.get(case)).json()["timeline"]]
    assert steps[-2:] == ["deadline-warning", "overdue"]


async def test_an_extension_rearms_the_clock(cases, mediation):
    case = await cases.mediating()
    due_at = datetime.fromisoformat(case["due_at"])
    await _pass(mediation, due_at + timedelta(minutes=1))
    assert await cases.published(case, CaseOverdue.event_type()) == 1

    extended = await cases.ok(case, "extend", {"reason": "等待鉴定"})
    new_due = datetime.fromisoformat(extended["due_at"])
    await _pass(mediation, new_due - timedelta(days=2))
    await _pass(mediation, new_due + timedelta(minutes=1))

    assert await cases.published(case, CaseDeadlineWarning.event_type()) == 1
    assert await cases.published(case, CaseOverdue.event_type()) == 2


async def test_a_term_falls_due_on_its_day_and_is_breached_after_it_with_a_signal(cases, mediation):
    case = await cases.mediating()
    await cases.ok(case, "record-agreement", cases.AGREEMENT)  # term 2 due 10 Dec, term 1 20 Dec
    await cases.ok(case, "record-followup", {"term_no": 2, "performed": True, "note": "已道歉"})

    await _pass(mediation, datetime.fromisoformat("2026-12-19T23:59:00+08:00"))
    assert await cases.published(case, CaseTermDue.event_type()) == 0
    await _pass(mediation, datetime.fromisoformat("2026-12-20T08:00:00+08:00"))
    assert await cases.published(case, CaseTermDue.event_type()) == 1
    assert await cases.published(case, CaseTermBreached.event_type()) == 0

    breach = datetime.fromisoformat("2026-12-21T00:01:00+08:00")
    await asyncio.gather(_pass(mediation, breach), _pass(mediation, breach))  # two replicas

    assert await cases.published(case, CaseTermBreached.event_type()) == 1
    assert await cases.published(case, CaseRiskSignal.event_type()) == 1
    detail = (await cases.get(case)).json()
    assert [t["state"] for t in detail["terms"]] == ["breached", "performed"]
    assert "close" not in detail["allowed_actions"]  # a breached term needs its follow-up
    after = await cases.ok(
        case, "record-followup", {"term_no": 1, "performed": True, "note": "补付"}
    )
    assert "close" in after["allowed_actions"]


async def test_a_term_found_only_after_its_day_is_breached_without_a_due_notice(cases, mediation):
    case = await cases.mediating()
    await cases.ok(case, "record-agreement", cases.AGREEMENT)

    await _pass(mediation, datetime.fromisoformat("2026-12-25T09:00:00+08:00"))

    assert await cases.published(case, CaseTermDue.event_type()) == 0
    assert await cases.published(case, CaseTermBreached.event_type()) == 2
    assert await cases.published(case, CaseRiskSignal.event_type()) == 1  # once per case
