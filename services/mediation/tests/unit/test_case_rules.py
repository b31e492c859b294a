"""The pure rules of a case: the level rules, the lifecycle table, the mediator choice and the
民转刑 signs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pingan_common.auth import Principal
from pingan_mediation.cases.levels import LevelRules, decide_level, default_rules, next_level
from pingan_mediation.cases.lifecycle import CASE_LIFECYCLE, CaseView
from pingan_mediation.cases.signals import session_signals
from pingan_mediation.mediators.assignment import Candidate, choose

RULES = default_rules()


@pytest.mark.parametrize(
    ("kind", "amount", "people", "level", "rule"),
    [
        ("neighbour", None, 2, "village", "VILLAGE"),
        ("neighbour", Decimal("99999.99"), 9, "village", "VILLAGE"),
        ("neighbour", Decimal("100000"), 2, "township", "TOWNSHIP-AMOUNT"),
        ("family", None, 10, "township", "TOWNSHIP-MASS"),
        ("land", None, 2, "township", "TOWNSHIP-KIND"),
        ("wage_arrears", None, 29, "township", "TOWNSHIP-KIND"),
        ("wage_arrears", None, 30, "county", "COUNTY-MASS"),
        ("demolition", None, 4, "township", "TOWNSHIP-KIND"),
        ("demolition", None, 5, "county", "COUNTY-DEMOLITION-MASS"),
        ("debt", Decimal("1000000"), 2, "county", "COUNTY-AMOUNT"),
    ],
)
def test_the_level_follows_kind_amount_and_people(kind, amount, people, level, rule):
    decision = decide_level(RULES, kind=kind, amount=amount, people=people)

    assert (decision.level, decision.rule_id) == (level, rule)
    assert decision.rules_version == RULES.version


def test_without_a_matching_rule_the_village_takes_it():
    rules = LevelRules(version="t", rules=())

    assert decide_level(rules, kind="x", amount=None, people=1).level == "village"


def test_escalation_goes_village_township_county_and_stops():
    assert [next_level(level) for level in ("village", "township", "county")] == [
        "township",
        "county",
        None,
    ]


def _principal(subject: str, role: str) -> Principal:
    return Principal(subject=subject, name=subject, roles=frozenset({role}), area_code="331199")


MEDIATOR = _principal("m1", "mediator")
OTHER_MEDIATOR = _principal("m2", "mediator")
LEADER = _principal("l1", "leader")
OPERATOR = _principal("o1", "operator")


def _view(state: str, **changes) -> CaseView:
    fields = {"level": "village", "mediator_id": "m1", "leader_id": None, **changes}
    return CaseView(state=state, **fields)


def test_a_registered_case_may_be_accepted_declined_completed_or_withdrawn_by_staff():
    assert CASE_LIFECYCLE.allowed_actions(
        _view("registered", mediator_id=None), OTHER_MEDIATOR
    ) == [
        "accept",
        "decline",
        "add-party",
        "withdraw",
    ]


def test_only_the_cases_mediator_runs_the_mediation():
    view = _view("mediating", scheduled_sessions=1)

    assert "record-session" in CASE_LIFECYCLE.allowed_actions(view, MEDIATOR)
    assert "record-session" not in CASE_LIFECYCLE.allowed_actions(view, OTHER_MEDIATOR)
    assert not CASE_LIFECYCLE.may_act(view, "schedule-session", OTHER_MEDIATOR)


def test_a_leader_takes_a_case_and_then_owns_it():
    view = _view("mediating", leader_id="l1")

    assert "take-lead" in CASE_LIFECYCLE.allowed_actions(_view("mediating"), LEADER)
    assert CASE_LIFECYCLE.may_act(view, "schedule-session", LEADER)


def test_an_operator_may_do_nothing_to_a_case():
    for state in ("registered", "accepted", "mediating", "agreed", "failed", "referred"):
        assert CASE_LIFECYCLE.allowed_actions(_view(state), OPERATOR) == []


def test_an_agreement_closes_only_when_every_term_is_settled():
    assert "close" not in CASE_LIFECYCLE.allowed_actions(_view("agreed", open_terms=1), MEDIATOR)
    assert "close" in CASE_LIFECYCLE.allowed_actions(_view("agreed", open_terms=0), MEDIATOR)


def test_finished_cases_allow_nothing():
    for state in ("closed", "declined", "withdrawn"):
        assert CASE_LIFECYCLE.allowed_actions(_view(state), MEDIATOR) == []


def _candidate(id_: str, load: int, *specialties: str) -> Candidate:
    return Candidate(id_, id_, "U", "331199001001", specialties, load)


def test_a_specialist_is_chosen_before_a_lighter_load():
    chosen = choose([_candidate("a", 0), _candidate("b", 5, "neighbour")], "neighbour")

    assert chosen is not None and chosen.mediator.id == "b"


def test_among_equals_the_lightest_load_is_chosen_then_the_id():
    chosen = choose([_candidate("c", 2), _candidate("b", 1), _candidate("a", 1)], "debt")

    assert chosen is not None and chosen.mediator.id == "a"
    assert choose([], "debt") is None


def test_two_failed_sessions_then_a_threat_are_two_signs():
    second = session_signals(failed_sessions=2, threat=False, violence=False)
    then = session_signals(
        failed_sessions=2, threat=True, violence=False, already={s.reason for s in second}
    )

    assert [s.reason for s in second] == ["repeated_failure"]
    assert [s.reason for s in then] == ["threat_in_session"]


def test_one_failed_session_is_no_sign():
    assert session_signals(failed_sessions=1, threat=False, violence=False) == []


def test_violence_is_the_reddest_sign():
    (sign,) = session_signals(failed_sessions=0, threat=False, violence=True)

    assert (sign.reason, sign.level_hint) == ("violence_in_session", "red")
