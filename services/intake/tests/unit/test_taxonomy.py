"""The taxonomy and the labelled set are consistent data (pure: no I/O beyond package data)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from pingan_common.events import CategoryGroup, Disposition, RiskLevel, Urgency
from pingan_intake.classification.taxonomy import (
    CHANNELS,
    SLA_CLASSES,
    TAXONOMY_VERSION,
    all_subcategories,
    classification_for_override,
    load_labelled_examples,
    load_templated_examples,
    subcategory,
)

G, D, U = CategoryGroup, Disposition, Urgency

# Codes other services and their tests already use (dispatch routing, riskassess, mediation).
CODES_IN_USE = (
    "threat_self_harm", "threat_revenge", "group_wage_arrears", "petition_threat",
    "mental_illness_incident", "community_correction_absent", "gas_leak", "fire",
    "fire_lane_blocked", "dangerous_building", "elevator", "road_collapse", "fight",
    "gambling_drugs", "fraud", "suspicious_person", "wage_arrears", "neighbour", "family",
    "property_management", "land", "general", "street_light", "water_outage", "power_outage",
    "garbage", "noise", "street_vending", "illegal_building", "pollution", "road_damage",
    "policy", "other",
)  # fmt: skip


def test_taxonomy_is_versioned():
    assert re.fullmatch(r"\d{4}\.\d+", TAXONOMY_VERSION)


def test_taxonomy_has_at_least_45_unique_snake_case_codes_over_all_eight_groups():
    codes = [sub.code for sub in all_subcategories()]

    assert len(codes) >= 45
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", code) for code in codes)
    assert {sub.group for sub in all_subcategories()} == set(CategoryGroup)


@pytest.mark.parametrize("code", CODES_IN_USE)
def test_codes_used_by_other_services_are_kept(code: str):
    assert subcategory(code).code == code


@pytest.mark.parametrize("sub", all_subcategories(), ids=lambda sub: sub.code)
def test_every_subcategory_has_valid_defaults(sub):
    assert sub.label and not sub.label.isascii()
    assert isinstance(sub.default_urgency, Urgency)
    assert sub.dispositions and len(set(sub.dispositions)) == len(sub.dispositions)
    assert sub.risk_level is None or isinstance(sub.risk_level, RiskLevel)
    assert sub.sla_class in SLA_CLASSES
    for cue in sub.cues:
        re.compile(cue)
    if sub.code != "other":
        assert sub.cues, "every subcategory but the catch-all has rule cues"


@pytest.mark.parametrize("sub", all_subcategories(), ids=lambda sub: sub.code)
def test_only_consultations_are_answered_at_intake(sub):
    if sub.group is G.CONSULTATION:
        assert sub.dispositions == (D.ANSWER,)
        assert sub.sla_class == "consultation"
    else:
        assert D.ANSWER not in sub.dispositions


@pytest.mark.parametrize(
    "sub",
    [sub for sub in all_subcategories() if sub.group is G.EXTREME_THREAT],
    ids=lambda sub: sub.code,
)
def test_threats_are_urgent_red_and_go_to_the_police_first(sub):
    assert sub.default_urgency is U.URGENT
    assert sub.risk_level is RiskLevel.RED
    assert sub.dispositions[:2] == (D.POLICE_TRANSFER, D.RISK)


def test_subcategories_are_in_priority_order_threats_first():
    groups = [sub.group for sub in all_subcategories()]

    assert groups[: groups.count(G.EXTREME_THREAT)] == [G.EXTREME_THREAT] * groups.count(
        G.EXTREME_THREAT
    )
    assert groups[-1] is G.CONSULTATION


def test_unknown_code_is_a_key_error():
    with pytest.raises(KeyError):
        subcategory("no_such_code")


def test_override_takes_the_operator_choice_and_fills_the_rest_from_the_taxonomy():
    result = classification_for_override("gas_leak", None, [])

    assert (result.group, result.code, result.label) == (G.SAFETY_HAZARD, "gas_leak", "燃气泄漏")
    assert result.urgency is U.URGENT
    assert result.dispositions == (D.TASK,)
    assert result.confidence == 1.0


def test_override_keeps_the_operator_urgency_and_dispositions():
    result = classification_for_override("neighbour", U.URGENT, [D.POLICE_TRANSFER, D.MEDIATION])

    assert result.urgency is U.URGENT
    assert result.dispositions == (D.POLICE_TRANSFER, D.MEDIATION)
    assert result.disposition is D.POLICE_TRANSFER


def test_override_to_a_threat_carries_the_red_risk_level():
    assert classification_for_override("threat_revenge", None, []).risk_level is RiskLevel.RED


def test_hand_written_set_has_2000_tickets_25_of_every_code_in_every_channel():
    examples = load_labelled_examples()
    per_code = Counter(example.code for example in examples)

    assert len(examples) >= 2000
    assert {sub.code for sub in all_subcategories()} == set(per_code)
    assert min(per_code.values()) >= 25
    assert {example.channel for example in examples} == set(CHANNELS)


def test_labelled_texts_are_unique_and_labels_valid():
    examples = load_labelled_examples()

    assert len({example.text for example in examples}) == len(examples)
    for example in examples:
        assert example.dispositions
        if example.group is G.EXTREME_THREAT:
            assert example.urgency is U.URGENT
            assert example.dispositions[0] is D.POLICE_TRANSFER
        if example.group is G.CONSULTATION:
            assert example.dispositions == (D.ANSWER,)


def test_every_labelled_ticket_names_its_hand_written_batch():
    batches = Counter(example.source for example in load_labelled_examples())

    assert all(source.startswith("hand:b") for source in batches)
    assert len(batches) >= 10


def test_templated_rows_are_kept_apart_and_marked():
    templated = load_templated_examples()

    assert templated
    assert {example.source for example in templated} <= {"template", "template-hand"}
    assert not {e.text for e in templated} & {e.text for e in load_labelled_examples()}


def test_keywords_are_the_plain_word_cues_without_pattern_syntax():
    sub = subcategory("threat_arson_explosion")

    assert "炸药" in sub.keywords
    assert all(keyword in sub.cues for keyword in sub.keywords)
    assert not any(set(keyword) & set(".()|?*+[]{}") for keyword in sub.keywords)
    assert len(sub.keywords) < len(sub.cues)
