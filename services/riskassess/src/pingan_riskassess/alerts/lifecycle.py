"""The alert state machine, as data::

    raised ──acknowledge──▶ acknowledged ──request-verification──▶ verification_requested
      │  ▲                                                              │
      └──┘ escalate (not acknowledged in time)       verify (confirmed | false_alarm)
                                                                        ▼
                              closed ◀──close── handled ◀──handle── verified
                                 ▲                                      │
                                 └──────────close (false alarm)─────────┘

* The level rises with new signals about the same subject, in any open state; it never falls.
* ``acknowledge``: the leader on duty or an analyst (签收), within the time the level allows,
  else the scanner re-notifies and escalates one level up the hierarchy.
* ``request-verification`` publishes ``alert.verification_requested``; dispatch opens a 核查
  task. Its finding comes back with the task's events (``handlers``); a clear finding verifies
  the alert, an unclear one waits for ``verify`` by the analyst or leader.
* ``handle`` is for confirmed alerts only; a false alarm is closed directly.

Who may act: leaders and analysts (admins may do everything). Area scope as for reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.lifecycle import Lifecycle, Rule, states

ACTING_ROLES = frozenset({"leader", "analyst"})
READING_ROLES = ("analyst", "leader", "dispatcher", "grid_worker", "admin")
OPEN_STATES = states("raised", "acknowledged", "verification_requested", "verified", "handled")


@dataclass(frozen=True)
class AlertView:
    state: str
    outcome: str | None


def _confirmed(alert: AlertView) -> str | None:
    if alert.outcome != "confirmed":
        return "only a confirmed alert is handled; a false alarm is closed"
    return None


def _closable(alert: AlertView) -> str | None:
    if alert.state == "verified" and alert.outcome != "false_alarm":
        return "a confirmed alert is handled before it is closed"
    return None


RULES: dict[str, Rule[AlertView]] = {
    "acknowledge": Rule(ACTING_ROLES, states("raised"), to_state="acknowledged"),
    "request-verification": Rule(
        ACTING_ROLES, states("acknowledged"), to_state="verification_requested"
    ),
    "verify": Rule(ACTING_ROLES, states("verification_requested"), to_state="verified"),
    "handle": Rule(ACTING_ROLES, states("verified"), to_state="handled", guards=(_confirmed,)),
    "close": Rule(
        ACTING_ROLES, states("verified", "handled"), to_state="closed", guards=(_closable,)
    ),
}

ALERT_LIFECYCLE = Lifecycle[AlertView](
    aggregate="alert", rules=RULES, state_of=lambda alert: alert.state
)
