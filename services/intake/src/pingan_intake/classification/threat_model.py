"""The learned half of the threat detector: threat or not, from character n-grams.

The rules in ``threats.py`` were written by one author against one way of phrasing threats, and
miss what they were not written against ("我把猫托付给楼下了，信也写好了"). This model is trained
on every hand-written ticket, threat (any ``threat_*`` code) against not (everything else,
including ``petition_threat``, which is orange, and the look-alike non-threats of b03, b13 and
b16), and gives the probability that a text threatens a life. Character 1–3-grams, logistic
regression with balanced class weights (threats are a fifth of the rows).

Two thresholds, chosen on cross-validation of the training rows (``out_of_fold``), never on
the holdout: ``RAISE_AT``, from which the model alone raises a threat (red), and ``REVIEW_AT``,
from which an otherwise calm answer carries ``needs_review`` with ``threat_review`` — the
operator is asked to check for an extreme risk instead of the call being dropped.

Scored by hand from the fitted weights like ``model.TextModel`` (``features.py``: no
scikit-learn when serving).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pingan_intake.classification.features import TfidfFeatures
from pingan_intake.classification.taxonomy import LabelledExample

# Chosen with the thresholds of classifier.py by scripts/tune_threat_thresholds.py (batch-grouped
# cross-validation of the hand-written training rows; never the independent sets or the holdout
# in data/hand/holdout/); REVIEW_AT puts most of the threats not raised at review.
RAISE_AT = 0.7
REVIEW_AT = 0.3
C = 32.0
NGRAMS = (1, 3)
RANDOM_STATE = 20251


def is_threat_code(code: str) -> bool:
    return code.startswith("threat_")


class ThreatModel:
    def __init__(self, features: TfidfFeatures, coef: Any, intercept: Any) -> None:
        self.features = features
        self._weights = np.asarray(coef, dtype=float)[0]
        self._intercept = float(np.asarray(intercept)[0])

    def probability(self, text: str) -> float:
        """The probability that ``text`` threatens a life (0–1)."""
        decision = self._intercept
        row = self.features.row(text)
        if row is not None:
            columns, values = row
            decision += float(values @ self._weights[columns])
        return float(1.0 / (1.0 + np.exp(-decision)))


def train(examples: Sequence[LabelledExample]) -> ThreatModel:
    vectorizer, classifier = fit(examples)
    return ThreatModel(
        TfidfFeatures.from_vectorizer(vectorizer), classifier.coef_, classifier.intercept_
    )


def fit(examples: Sequence[LabelledExample]) -> tuple[Any, Any]:
    """The fitted scikit-learn vectorizer and logistic regression behind ``train``'s model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [e.text for e in examples]
    labels = [is_threat_code(e.code) for e in examples]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True)
    features = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(
        C=C, class_weight="balanced", max_iter=2000, random_state=RANDOM_STATE
    )
    classifier.fit(features, labels)
    return vectorizer, classifier


def out_of_fold(examples: Sequence[LabelledExample], folds: int = 5) -> list[float]:
    """Each example's probability from a model trained on the other folds."""
    out = [0.0] * len(examples)
    for fold in range(folds):
        inside = [e for i, e in enumerate(examples) if i % folds != fold]
        fitted = train(inside)
        for i in range(fold, len(examples), folds):
            out[i] = fitted.probability(examples[i].text)
    return out
