"""Confidence that means what it says, and when to ask a person instead.

The classifier's raw score for its answer (model score plus rule boosts, renormalised) ranks
answers well but is no probability. ``fit`` learns, by isotonic regression, how often answers with
each raw score were right — on out-of-fold answers of the training tickets, never on the tickets
it is judged on — and ``Calibration`` maps a raw score to that share. Below ``REVIEW_BELOW`` the
answer carries ``needs_review``: the operator confirms or corrects it instead of the platform
acting on a likely wrong guess. ``reliability`` is the table that shows whether it worked: in each
band of stated confidence, how often the answer was right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

# An answer less likely than this to be right goes to the operator (needs_review).
REVIEW_BELOW = 0.5
# Never claim certainty from a few hundred examples.
FLOOR, CEILING = 0.02, 0.98
BANDS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class Calibration:
    """A monotone map from raw score to the probability that the answer is right."""

    raw: tuple[float, ...] = (0.0, 1.0)
    calibrated: tuple[float, ...] = (0.0, 1.0)

    def __call__(self, score: float) -> float:
        return float(np.interp(score, self.raw, self.calibrated))


def fit(scores: Sequence[float], correct: Sequence[bool]) -> Calibration:
    if len(scores) < 20:
        return Calibration()
    from sklearn.isotonic import IsotonicRegression  # only to fit (features.py says why)

    isotonic = IsotonicRegression(y_min=FLOOR, y_max=CEILING, out_of_bounds="clip")
    isotonic.fit(np.asarray(scores, dtype=float), np.asarray(correct, dtype=float))
    return Calibration(
        raw=tuple(float(x) for x in isotonic.X_thresholds_),
        calibrated=tuple(float(y) for y in isotonic.y_thresholds_),
    )


def needs_review(confidence: float) -> bool:
    return confidence < REVIEW_BELOW


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


def reliability(
    confidences: Sequence[float], correct: Sequence[bool], bands: Sequence[float] = BANDS
) -> list[Band]:
    """For each band of stated confidence: how many answers, their mean confidence, how many were
    right. Calibrated answers have accuracy close to mean confidence in every band."""
    rows = []
    for low, high in pairwise(bands):
        inside = [
            (c, ok)
            for c, ok in zip(confidences, correct, strict=True)
            if low <= c < high or (high == bands[-1] and c == high)
        ]
        rows.append(
            Band(
                low=low,
                high=high,
                count=len(inside),
                mean_confidence=sum(c for c, _ in inside) / len(inside) if inside else None,
                accuracy=sum(ok for _, ok in inside) / len(inside) if inside else None,
            )
        )
    return rows


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """Mean gap between stated confidence and accuracy, weighted by band size."""
    total = len(confidences)
    if not total:
        return 0.0
    return (
        sum(
            band.count * abs((band.mean_confidence or 0.0) - (band.accuracy or 0.0))
            for band in reliability(confidences, correct)
        )
        / total
    )
