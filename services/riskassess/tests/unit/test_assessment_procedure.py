"""What each procedure needs before a conclusion, and the mean scores, pure."""

from __future__ import annotations

from pingan_riskassess.assessments.procedure import mean_scores, missing


def test_the_normal_procedure_needs_a_hearing_another_consultation_and_five_experts():
    nothing = missing("normal", scored_experts=0, hearing_kinds=[])
    symposium_only = missing("normal", scored_experts=5, hearing_kinds=["symposium", "symposium"])
    hearing_only = missing("normal", scored_experts=5, hearing_kinds=["hearing"])
    four_experts = missing("normal", scored_experts=4, hearing_kinds=["hearing", "public_notice"])
    complete = missing("normal", scored_experts=5, hearing_kinds=["hearing", "symposium"])

    assert len(nothing) == 3
    assert symposium_only == ["a public hearing (听证会)"]
    assert hearing_only == ["2 consultation record(s) (have 1)"]
    assert four_experts == ["scores of 5 drawn experts (have 4)"]
    assert complete == []


def test_the_simplified_procedure_needs_one_consultation_and_three_experts():
    assert missing("simplified", scored_experts=3, hearing_kinds=["symposium"]) == []
    assert missing("simplified", scored_experts=3, hearing_kinds=[]) == [
        "1 consultation record(s) (have 0)"
    ]
    assert missing("simplified", scored_experts=2, hearing_kinds=["hearing"]) == [
        "scores of 3 drawn experts (have 2)"
    ]


def test_the_conclusions_scores_are_the_experts_means_per_dimension():
    scores = mean_scores(
        [
            {"legality": 90, "reasonableness": 80, "feasibility": 70, "controllability": 60},
            {"legality": 85, "reasonableness": 75, "feasibility": 71, "controllability": 61},
        ]
    )

    assert scores == {
        "legality": 87.5,
        "reasonableness": 77.5,
        "feasibility": 70.5,
        "controllability": 60.5,
    }
    assert mean_scores([]) == {}
