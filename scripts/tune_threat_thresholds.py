"""Choose the threat thresholds on the training rows, with whole writing batches held out.

Random folds put rows of one writing batch on both sides, so a batch's own phrasing is learned
and the out-of-fold false red looks better than it is for a new writer. Here each batch of
``data/hand/`` falls into one of five folds (by a hash of its name): the text model and the
threat model are trained on the other folds (plus the templated rows), and every held-out row
keeps what the decision reads: the rules' assessment, the model's threat subcategories, the
threat model's probability. The production decision (``classifier._threat_raised``) is then
run over a grid of thresholds; the script prints the points that keep false red at or under
``--false-red`` of the non-threat rows and keep every threat of the unit tests
(``TRICKY_THREATS``: the issue's and the rules' examples) red with the production models,
highest recall first, and the current setting.

Never reads the independent sets (services/intake/tests/data) or the holdout of data/hand/holdout.

    uv run --frozen python scripts/tune_threat_thresholds.py [--false-red 0.02]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pingan_intake.classification import classifier, rules, threat_model, threats
from pingan_intake.classification.classifier import default_classifier
from pingan_intake.classification.model import train
from pingan_intake.classification.taxonomy import (
    LabelledExample,
    load_labelled_examples,
    load_templated_examples,
)

FOLDS = 5
RAISE_AT = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
PARTIAL_AT = (0.3, 0.4, 0.5, 0.6)
RULES_NEED_AT = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)


@dataclass(frozen=True)
class HeldOut:
    threat: bool
    assessment: threats.ThreatAssessment
    probabilities: dict[str, float]
    threat_p: float


def batch_fold(example: LabelledExample) -> int:
    return int(hashlib.sha256(example.source.encode()).hexdigest(), 16) % FOLDS


def must_raise_rows() -> list[HeldOut]:
    """The unit tests' threats, as the production models see them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from services.intake.tests.unit.test_classification import TRICKY_THREATS

    production = default_classifier()
    rows = []
    for text in TRICKY_THREATS:
        judgement = production.judge(text)
        model_text = rules.without_negated(text, rules.find(text).negated_spans) or text
        probabilities = production.model.probabilities(model_text, None)
        rows.append(HeldOut(True, judgement.threat, probabilities, judgement.threat_probability))
    return rows


def held_out_rows() -> list[HeldOut]:
    hand, templated = load_labelled_examples(), load_templated_examples()
    rows = []
    for fold in range(FOLDS):
        inside = [e for e in hand if batch_fold(e) != fold]
        text_model = train([*inside, *templated])
        learned = threat_model.train(inside)
        for example in (e for e in hand if batch_fold(e) == fold):
            hits = rules.find(example.text)
            model_text = rules.without_negated(example.text, hits.negated_spans) or example.text
            rows.append(
                HeldOut(
                    threat=threat_model.is_threat_code(example.code),
                    assessment=threats.assess(example.text),
                    probabilities=text_model.probabilities(model_text, example.channel),
                    threat_p=learned.probability(example.text),
                )
            )
    return rows


@contextmanager
def thresholds(raise_at: float, partial_at: float, rules_need_at: float) -> Iterator[None]:
    saved = (threat_model.RAISE_AT, classifier.THREAT_PARTIAL_AT, classifier.THREAT_RULES_NEED_AT)
    threat_model.RAISE_AT = raise_at
    classifier.THREAT_PARTIAL_AT = partial_at
    classifier.THREAT_RULES_NEED_AT = rules_need_at
    try:
        yield
    finally:
        (
            threat_model.RAISE_AT,
            classifier.THREAT_PARTIAL_AT,
            classifier.THREAT_RULES_NEED_AT,
        ) = saved


def raised(rows: list[HeldOut]) -> list[bool]:
    return [classifier._threat_raised(r.assessment, r.probabilities, r.threat_p) for r in rows]


def measure(rows: list[HeldOut]) -> tuple[float, float]:
    """(share of threats raised, share of the other rows raised)."""
    hits = raised(rows)
    threats_raised = [hit for hit, r in zip(hits, rows, strict=True) if r.threat]
    others_raised = [hit for hit, r in zip(hits, rows, strict=True) if not r.threat]
    return sum(threats_raised) / len(threats_raised), sum(others_raised) / len(others_raised)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--false-red", type=float, default=0.02)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    rows, required = held_out_rows(), must_raise_rows()
    current = measure(rows)
    print(f"{len(rows)} held-out rows, {sum(r.threat for r in rows)} threats")
    print(
        f"current (raise {threat_model.RAISE_AT}, partial {classifier.THREAT_PARTIAL_AT}, "
        f"rules need {classifier.THREAT_RULES_NEED_AT}): "
        f"recall {current[0]:.1%}, false red {current[1]:.2%}"
    )
    points = []
    for raise_at, partial_at, need_at in itertools.product(RAISE_AT, PARTIAL_AT, RULES_NEED_AT):
        with thresholds(raise_at, partial_at, need_at):
            recall, false_red = measure(rows)
            keeps_required = all(raised(required))
        if false_red <= args.false_red and keeps_required:
            points.append((recall, -false_red, raise_at, partial_at, need_at))
    print(f"within {args.false_red:.0%} false red, best first:")
    for recall, false_red, raise_at, partial_at, need_at in sorted(points, reverse=True)[
        : args.top
    ]:
        print(
            f"  raise {raise_at}, partial {partial_at}, rules need {need_at}: "
            f"recall {recall:.1%}, false red {-false_red:.2%}"
        )


if __name__ == "__main__":
    main()
