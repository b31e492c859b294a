"""The stability assessment's decision gate, pure: refused unless the conclusion is low or
mitigations with owners and dates are recorded; a high-risk matter never proceeds."""

from __future__ import annotations

import pytest

from pingan_riskassess.assessments.lifecycle import decision_refusal


@pytest.mark.parametrize(
    ("decision", "conclusion", "mitigations"),
    [("proceed", "low", 0), ("proceed_with_mitigations", "low", 1),
     ("proceed_with_mitigations", "medium", 2), ("postpone", "high", 0), ("reject", "high", 0)],
)  # fmt: skip
def test_the_gate_allows(decision: str, conclusion: str, mitigations: int):
    assert decision_refusal(decision, conclusion, mitigations) is None


@pytest.mark.parametrize(
    ("decision", "conclusion", "mitigations"),
    [("proceed", "high", 3), ("proceed_with_mitigations", "high", 3), ("proceed", "medium", 2),
     ("proceed_with_mitigations", "medium", 0), ("proceed_with_mitigations", "low", 0)],
)  # fmt: skip
def test_the_gate_refuses(decision: str, conclusion: str, mitigations: int):
    assert decision_refusal(decision, conclusion, mitigations)
