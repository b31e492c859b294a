"""The case state machine, pure: which action may move a case from which state, and who acts.

States::

    registered ─accept─▶ accepted ─assign─▶ mediating ─record-agreement─▶ agreed ─close─▶ closed
        │                   ▲                 │  (schedule-session,          (record-followup
        ├─decline─▶ declined│                 │   record-session)             per term)
        │                   └──escalate───────┤
        │                                     └─record-failure─▶ failed ─refer─▶ referred ─close─┐
        │                                                          └──────close──────────────────┤
        └─ withdraw (registered, accepted, mediating) ─▶ withdrawn                    closed ◀───┘

* ``accepted``: the committee took the case (受理) and its clock runs; it waits for a mediator.
* ``mediating``: a mediator holds it; sessions are scheduled and held in this state.
* ``escalate`` hands the case to the next level's body (a township center, then the county),
  back to ``accepted`` there; it is possible while the case is accepted, mediating or failed.
* ``take-lead`` (领导包案) and ``extend`` leave the state unchanged.

Who may act: the case's mediator (or the leader who took it) runs the mediation — sessions,
agreement, failure, referral, follow-ups (owner-only); mediators of the committee or center
whose area covers the case (its staff) accept, decline, assign, escalate, extend, withdraw and
close; leaders take cases (领导包案) and may do what staff do; admins may do everything.
Visibility by area (a township's mediators see the township) is checked before the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pingan_common.auth import Principal
from pingan_common.lifecycle import Guard, Lifecycle, Rule, states

State = Literal[
    "registered",
    "accepted",
    "mediating",
    "agreed",
    "failed",
    "referred",
    "closed",
    "declined",
    "withdrawn",
]
Action = Literal[
    "accept",
    "decline",
    "assign",
    "take-lead",
    "add-party",
    "schedule-session",
    "record-session",
    "record-agreement",
    "record-failure",
    "escalate",
    "extend",
    "refer",
    "record-followup",
    "close",
    "withdraw",
]

NOT_STARTED = states("registered", "accepted")
OPEN_STATES = states("registered", "accepted", "mediating", "agreed", "failed", "referred")
CLOCK_STATES = states("registered", "accepted", "mediating")
FINISHED_STATES = states("closed", "declined", "withdrawn")

STAFF = frozenset({"mediator", "leader"})
OWNERS = frozenset({"mediator", "leader"})


@dataclass(frozen=True)
class CaseView:
    """What the rules need to know of a case."""

    state: str
    level: str
    mediator_id: str | None
    leader_id: str | None
    extension_count: int = 0
    scheduled_sessions: int = 0
    open_terms: int = 0


def _below_county(case: CaseView) -> str | None:
    return (
        "the case is at the county already: there is no level above"
        if case.level == "county"
        else None
    )


def _no_extension_yet(case: CaseView) -> str | None:
    return "the case was extended once already" if case.extension_count else None


def _a_session_scheduled(case: CaseView) -> str | None:
    return None if case.scheduled_sessions else "no scheduled session to record; schedule one first"


def _terms_settled(case: CaseView) -> str | None:
    if case.state == "agreed" and case.open_terms:
        return f"{case.open_terms} term(s) of the agreement are not yet followed up as performed"
    return None


def _has_mediator(case: CaseView) -> str | None:
    return None if case.mediator_id or case.leader_id else "no mediator holds the case yet"


def owns(case: CaseView, principal: Principal) -> bool:
    return principal.subject in {case.mediator_id, case.leader_id} - {None}


def _owner_only_reason(case: CaseView, action: str) -> str:
    return f"{action} is for the case's mediator ({case.mediator_id or 'none yet'}) only"


def _staff(
    from_states: frozenset[str], *guards: Guard[CaseView], to: str | None = None
) -> Rule[CaseView]:
    return Rule(STAFF, from_states, to_state=to, guards=guards)


def _owner(
    from_states: frozenset[str], *guards: Guard[CaseView], to: str | None = None
) -> Rule[CaseView]:
    return Rule(OWNERS, from_states, to_state=to, guards=guards, owner_only=True)


# In this order ``allowed_actions`` lists them.
RULES: dict[str, Rule[CaseView]] = {
    "accept": _staff(states("registered"), to="accepted"),
    "decline": _staff(states("registered"), to="declined"),
    "assign": _staff(states("accepted", "mediating"), to="mediating"),
    "take-lead": Rule(frozenset({"leader"}), OPEN_STATES - states("referred")),
    "add-party": _staff(states("registered", "accepted", "mediating")),
    "schedule-session": _owner(states("mediating")),
    "record-session": _owner(states("mediating"), _a_session_scheduled),
    "record-agreement": _owner(states("mediating"), to="agreed"),
    "record-failure": _owner(states("mediating"), to="failed"),
    "escalate": _staff(states("accepted", "mediating", "failed"), _below_county, to="accepted"),
    "extend": _staff(states("accepted", "mediating"), _no_extension_yet),
    "refer": _owner(states("failed"), _has_mediator, to="referred"),
    "record-followup": _owner(states("agreed")),
    "close": _staff(states("agreed", "failed", "referred"), _terms_settled, to="closed"),
    "withdraw": _staff(states("registered", "accepted", "mediating"), to="withdrawn"),
}

CASE_LIFECYCLE = Lifecycle[CaseView](
    aggregate="case",
    rules=RULES,
    state_of=lambda case: case.state,
    owns=owns,
    owner_only_reason=_owner_only_reason,
)
