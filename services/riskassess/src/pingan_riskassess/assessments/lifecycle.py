"""The assessment's lifecycle and its decision gate::

    registered ──conclude──▶ concluded ──decide──▶ decided

Conclusions carry the NDRC meanings: ``high`` (most affected people object; a mass incident is
likely), ``medium`` (some object; conflict is likely), ``low`` (most support).

The gate (``decision_refusal``, a 422 when it refuses): ``proceed`` needs a low conclusion;
``proceed_with_mitigations`` a low or medium one *and* at least one mitigation with an owner
and a due date; a high conclusion allows only ``postpone`` or ``reject``.

Who: analysts register and conclude and record mitigations; leaders decide; admins do all.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.lifecycle import Lifecycle, Rule, states


@dataclass(frozen=True)
class AssessmentView:
    state: str


RULES: dict[str, Rule[AssessmentView]] = {
    "conclude": Rule(frozenset({"analyst"}), states("registered"), to_state="concluded"),
    "decide": Rule(frozenset({"leader"}), states("concluded"), to_state="decided"),
}

ASSESSMENT_LIFECYCLE = Lifecycle[AssessmentView](
    aggregate="assessment", rules=RULES, state_of=lambda a: a.state
)


def decision_refusal(decision: str, conclusion: str | None, mitigations: int) -> str | None:
    """Why the gate refuses this decision, or None when it may be taken."""
    if decision in ("postpone", "reject"):
        return None
    if conclusion == "high":
        return "a high-risk matter may only be postponed or rejected"
    if decision == "proceed" and conclusion != "low":
        return "only a low-risk matter proceeds as it is; record mitigations and decide with them"
    if decision == "proceed_with_mitigations" and mitigations == 0:
        return "record at least one mitigation with an owner and a due date first"
    return None
