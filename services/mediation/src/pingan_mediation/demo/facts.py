"""The measures' facts of one demo case, from its events alone, as known at a moment (events
after it have not happened yet) — so the figures are reproducible from the history."""

from __future__ import annotations

from datetime import datetime

from pingan_mediation.demo.history import DemoCase
from pingan_mediation.measures.figures import CaseFact

# The state an event leaves a case in (events not listed leave it as it is).
STATE_AFTER = {
    "registered": "registered",
    "accepted": "accepted",
    "session_held": "mediating",
    "agreement_reached": "agreed",
    "failed": "failed",
    "referred": "referred",
    "closed": "closed",
}


def fact_of(case: DemoCase, as_of: datetime) -> CaseFact:
    state, outcome, level, committee = "registered", None, "village", ""
    accepted_at = agreed_at = None
    agreed_level = satisfaction = None
    signals = 0
    on_time: set[int] = set()
    late: set[int] = set()
    for event in case.events:
        if event.at >= as_of:
            break
        detail = event.detail
        state = STATE_AFTER.get(event.action, state)
        if event.action in ("registered", "escalated"):
            committee, level = detail["committee_code"], detail["level"]
        elif event.action == "accepted":
            accepted_at = event.at
        elif event.action == "agreement_reached":
            agreed_at, agreed_level = event.at, detail["level"]
        elif event.action == "risk_signal":
            signals += 1
        elif event.action == "term_breached":
            late.add(detail["term_no"])
        elif event.action == "followup_recorded" and detail["term_no"] not in late:
            on_time.add(detail["term_no"])
        elif event.action == "closed":
            outcome = detail["outcome"]
            state = "closed"
        elif event.action == "survey_answered":
            satisfaction = detail["verdict"]
    return CaseFact(
        committee_code=committee,
        area_code=case.village_code,
        kind=case.kind,
        level=level,
        source=case.source,
        state=state,
        outcome=outcome,
        accepted_at=accepted_at,
        agreed_at=agreed_at,
        agreed_level=agreed_level,
        signals=signals,
        terms_on_time=len(on_time),
        terms_late_or_breached=len(late),
        satisfaction=satisfaction,
    )
