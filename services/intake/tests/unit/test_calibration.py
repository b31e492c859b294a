"""Calibrated confidence and abstention (pure)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from pingan_intake.classification import calibration
from pingan_intake.classification.calibration import Calibration, fit, reliability
from pingan_intake.classification.classifier import (
    classify,
    default_classifier,
    fingerprint,
    stored_calibration,
)
from pingan_intake.classification.evaluation import Expected, cross_fitted, report
from pingan_intake.classification.taxonomy import load_training_examples


def _synthetic(n: int = 2000, seed: int = 3) -> tuple[list[float], list[bool]]:
    """Raw scores whose true chance of being right is raw**2: overconfident raw scores."""
    rng = random.Random(seed)
    raw = [rng.random() for _ in range(n)]
    return raw, [rng.random() < r * r for r in raw]


def test_calibration_maps_raw_scores_to_how_often_they_were_right():
    raw, correct = _synthetic()

    fitted = fit(raw, correct)

    assert fitted(0.5) == pytest.approx(0.25, abs=0.08)
    assert fitted(0.9) == pytest.approx(0.81, abs=0.08)


def test_the_map_is_monotone_and_never_claims_certainty():
    fitted = fit(*_synthetic())
    values = [fitted(x / 100) for x in range(101)]

    assert values == sorted(values)
    assert min(values) >= calibration.FLOOR and max(values) <= calibration.CEILING


def test_calibrated_scores_have_accuracy_close_to_their_confidence_on_new_rows():
    raw, correct = _synthetic(4000)
    fitted = fit(raw[:2000], correct[:2000])
    stated = [fitted(r) for r in raw[2000:]]

    assert calibration.expected_calibration_error(stated, correct[2000:]) < 0.05
    assert calibration.expected_calibration_error(raw[2000:], correct[2000:]) > 0.1


def test_too_few_rows_give_the_identity_map():
    assert fit([0.2, 0.9], [False, True]) == Calibration()


def test_below_the_review_threshold_an_answer_needs_review():
    assert calibration.needs_review(calibration.REVIEW_BELOW - 0.01)
    assert not calibration.needs_review(calibration.REVIEW_BELOW)


def test_reliability_bands_count_every_answer_once():
    raw, correct = _synthetic(500)

    bands = reliability(raw, correct)

    assert sum(band.count for band in bands) == 500
    assert all(
        band.mean_confidence is None or band.low <= band.mean_confidence <= band.high
        for band in bands
    )


def test_cross_fitted_confidences_come_from_the_other_half():
    raw, correct = _synthetic(400)

    stated = cross_fitted(raw, correct)

    assert len(stated) == 400
    assert calibration.expected_calibration_error(stated, correct) < 0.1


def test_a_text_that_states_no_matter_needs_review():
    result = classify("你好，我想反映一个情况")

    assert result.needs_review
    assert result.confidence < calibration.REVIEW_BELOW


def test_a_clear_report_is_trusted():
    result = classify("人民路的路灯坏了一个星期了，晚上很黑，麻烦修一下")

    assert result.code == "street_light"
    assert not result.needs_review


def test_the_stored_calibration_was_fitted_for_the_current_training_data():
    # Regenerate with scripts/generate_labelled_tickets.py when this fails.
    stored = stored_calibration()

    assert stored is not None
    assert stored[0] == fingerprint(load_training_examples())
    assert default_classifier().calibrate == stored[1]


def test_the_report_counts_review_and_false_red_alerts():
    rows = [
        Expected("a", None, "city_service", "street_light", "normal", ("task",), False),
        Expected(
            "b", None, "extreme_threat", "threat_self_harm", "urgent", ("police_transfer",), True
        ),
    ]
    results = [classify("人民路的路灯坏了，晚上很黑"), classify("我不想活了，药都准备好了")]

    figures = report(rows, results)

    assert figures.threat_recall == 1.0
    assert figures.false_red_rate == 0.0
    assert figures.group_accuracy == 1.0
    assert figures.confusion["extreme_threat"]["extreme_threat"] == 1


def test_the_report_counts_threats_sent_to_threat_review_as_caught_but_not_red():
    threat = Expected(
        "b", None, "extreme_threat", "threat_self_harm", "urgent", ("police_transfer",), True
    )
    calm = Expected("a", None, "city_service", "street_light", "normal", ("task",), False)
    red = classify("我不想活了，药都准备好了")
    reviewed = replace(classify("人民路的路灯坏了，晚上很黑"), threat_review=True)

    figures = report([threat, threat, calm, calm], [red, reviewed, reviewed, red])

    assert figures.threat_recall == 0.5
    assert figures.threat_caught == 1.0
    assert figures.false_red_rate == 0.5
    assert figures.threat_review_rate == 0.5
