"""The SLA policy, pure: the shipped defaults, the matching precedence, and validation."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pingan_dispatch.sla.policy import SlaPolicy, Span, default_policy


def span(amount: int, unit: str) -> Span:
    return Span(amount=amount, unit=unit)  # type: ignore[arg-type]


def test_the_shipped_policy_is_versioned():
    assert default_policy().version == "2026.11.1"


@pytest.mark.parametrize(
    ("category_code", "group", "sla_class", "urgency", "rule", "handling", "sign_in"),
    [
        ("fight", "public_order", None, "urgent", "SLA-URGENT", "2 hours", "30 minutes"),
        (
            "water_outage",
            "city_service",
            None,
            "normal",
            "SLA-UTILITY-WATER",
            "24 hours",
            "1 hours",
        ),
        (
            "power_outage",
            "city_service",
            None,
            "normal",
            "SLA-UTILITY-POWER",
            "24 hours",
            "1 hours",
        ),
        ("gas_leak", "safety_hazard", None, "normal", "SLA-UTILITY-GAS", "24 hours", "1 hours"),
        ("heating_outage", None, None, "normal", "SLA-UTILITY-HEATING", "24 hours", "1 hours"),
        ("garbage", "city_service", None, "normal", "SLA-ORDINARY", "5 working days", "1 hours"),
        ("land", "dispute", "complex", "normal", "SLA-COMPLEX", "15 working days", "1 hours"),
        ("policy", "consultation", None, "normal", "SLA-CONSULTATION", "3 working days", "1 hours"),
        ("other", "city_service", "help", "normal", "SLA-HELP", "3 working days", "1 hours"),
        (None, None, None, "normal", "SLA-ORDINARY", "5 working days", "1 hours"),
    ],
)
def test_the_shipped_policy_gives_the_limits_in_force(
    category_code, group, sla_class, urgency, rule, handling, sign_in
):
    limits = default_policy().limits_for(category_code, group, sla_class, urgency)

    assert (limits.rule_id, str(limits.handling), str(limits.sign_in)) == (rule, handling, sign_in)


def test_every_task_gets_the_common_limits():
    limits = default_policy().limits_for("garbage", "city_service", None, "normal")

    assert limits.warn_fraction == Decimal("0.8")
    assert limits.return_window == span(2, "working_days")
    assert limits.max_extension == span(10, "working_days")
    assert limits.escalate_after == span(1, "working_days")
    assert limits.policy_version == "2026.11.1"


def test_an_urgent_gas_leak_takes_the_urgent_rule_not_the_utilities_24_hours():
    limits = default_policy().limits_for("gas_leak", "safety_hazard", None, "urgent")

    assert limits.rule_id == "SLA-URGENT"
    assert limits.handling == span(2, "hours")
    assert limits.escalate_after == span(1, "hours")


def test_a_complex_class_set_by_the_dispatcher_beats_the_category_rule():
    limits = default_policy().limits_for("water_outage", "city_service", "complex", "normal")

    assert limits.rule_id == "SLA-COMPLEX"


def policy_dict(*rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "test-1",
        "defaults": {
            "sign_in": {"amount": 1, "unit": "hours"},
            "escalate_after": {"amount": 1, "unit": "working_days"},
            "warn_fraction": "0.8",
            "return_window": {"amount": 2, "unit": "working_days"},
            "max_extension": {"amount": 10, "unit": "working_days"},
        },
        "rules": [
            {"id": "FALLBACK", "match": {}, "handling": {"amount": 5, "unit": "working_days"}},
            *rules,
        ],
    }


def rule(rule_id: str, days: int, **match: str) -> dict[str, Any]:
    return {"id": rule_id, "match": match, "handling": {"amount": days, "unit": "working_days"}}


PRECEDENCE = policy_dict(
    rule("GROUP", 7, group="city_service"),
    rule("CODE", 6, category_code="noise"),
    rule("CODE-IN-GROUP", 4, category_code="noise", group="city_service"),
    rule("CLASS", 15, sla_class="complex"),
    rule("URGENT", 1, urgency="urgent"),
)


@pytest.mark.parametrize(
    ("code", "group", "sla_class", "urgency", "winner"),
    [
        ("garbage", "city_service", None, "normal", "GROUP"),
        ("noise", "dispute", None, "normal", "CODE"),  # a code outranks its group's rule
        ("noise", "city_service", None, "normal", "CODE-IN-GROUP"),  # naming both is more
        ("noise", "city_service", "complex", "normal", "CLASS"),
        ("noise", "city_service", "complex", "urgent", "URGENT"),
        ("fight", "public_order", None, "normal", "FALLBACK"),
    ],
)
def test_the_most_decisive_matching_rule_wins(code, group, sla_class, urgency, winner):
    policy = SlaPolicy.from_dict(PRECEDENCE)

    assert policy.limits_for(code, group, sla_class, urgency).rule_id == winner


def test_rule_order_in_the_data_does_not_change_the_winner():
    reversed_rules = copy.deepcopy(PRECEDENCE)
    reversed_rules["rules"].reverse()
    policy = SlaPolicy.from_dict(reversed_rules)

    assert policy.limits_for("noise", "city_service", None, "normal").rule_id == "CODE-IN-GROUP"


def test_a_rule_without_its_own_sign_in_uses_the_default_and_one_with_it_overrides():
    raw = policy_dict(
        {
            "id": "FAST",
            "match": {"urgency": "urgent"},
            "handling": {"amount": 2, "unit": "hours"},
            "sign_in": {"amount": 15, "unit": "minutes"},
        }
    )
    policy = SlaPolicy.from_dict(raw)

    assert policy.limits_for(None, None, None, "urgent").sign_in == span(15, "minutes")
    assert policy.limits_for(None, None, None, "normal").sign_in == span(1, "hours")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["rules"].append(rule("AGAIN", 3, group="x")) or p["rules"].append(
            rule("AGAIN-2", 4, group="x")), "same match"),
        (lambda p: p["rules"].append(rule("FALLBACK", 3, group="y")), "unique"),
        (lambda p: p["rules"].pop(0), "fallback"),
        (lambda p: p["defaults"].update(warn_fraction="1.2"), "warn_fraction"),
        (lambda p: p["rules"].append(rule("ZERO", 0, group="z")), "amount"),
        (lambda p: p["rules"][0]["handling"].update(unit="fortnights"), "unit"),
        (lambda p: p["rules"].append(rule("BAD", 3, urgency="soon")), "urgency"),
        (lambda p: p.update(surprise=True), "surprise"),
    ],
)  # fmt: skip
def test_an_invalid_policy_is_refused(change, message):
    raw = policy_dict()
    change(raw)

    with pytest.raises(ValidationError, match=message):
        SlaPolicy.from_dict(raw)


def test_a_newer_policy_from_the_database_is_used_as_given():
    raw = policy_dict(rule("NOISE-FAST", 2, category_code="noise"))
    raw["version"] = "2027.01.1"

    limits = SlaPolicy.from_dict(raw).limits_for("noise", "city_service", None, "normal")

    assert (limits.policy_version, limits.rule_id) == ("2027.01.1", "NOISE-FAST")
    assert limits.handling == span(2, "working_days")
