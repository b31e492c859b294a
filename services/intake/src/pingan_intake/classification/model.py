"""The statistical half of the classifier: character n-grams and a linear model.

Chinese has no spaces, so the features are character 1–3-grams (TF-IDF), which catch words and
their colloquial variants alike; the channel is a small extra feature (110 transfers lean toward
public order, grid reports toward city services). Trained on the labelled tickets in ``data/``.

The linear model is a one-vs-rest linear SVM (liblinear: a fifth of the time SGD took for the
same accuracy on this set); its decision values become scores by a softmax at a fixed
temperature. A second SVM of the same kind over the eight groups (the group head) weighs each
subcategory by how likely its group is: a group has many more rows than any one of its
subcategories, and the county's figures are judged on the group first. Those scores rank
subcategories; they are not probabilities until ``calibration`` maps them to how often such an
answer was right.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pingan_intake.classification.features import NGRAM_RANGE, TfidfFeatures
from pingan_intake.classification.taxonomy import CHANNELS, LabelledExample, subcategory

if TYPE_CHECKING:  # scikit-learn and SciPy are imported only to train (features.py says why)
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

RANDOM_STATE = 20250
# How much the channel weighs against the text's n-grams (whose TF-IDF rows have unit norm).
CHANNEL_WEIGHT = 0.3
# Softmax temperature over the SVM's decision values (which mostly lie in -1.5 … 1).
TEMPERATURE = 12.0
C = 1.0
# The group head's exponent: score(code) ∝ p(code) · p(group of code) ** GROUP_WEIGHT. Chosen by
# scripts/crossvalidate_classifier.py (whole writing batches held out), not on any evaluation set.
GROUP_WEIGHT = 0.5


@dataclass(frozen=True)
class GroupHead:
    """The group SVM's weights, and for each subcategory (in the model's order) its group's row."""

    text_weights: Any  # features × groups
    channel_weights: Any  # groups × channels, already times CHANNEL_WEIGHT
    intercept: Any
    group_of_code: Any  # index into the groups, per subcategory

    @classmethod
    def fitted(cls, features: TfidfFeatures, codes: Sequence[str], classifier: Any) -> GroupHead:
        weights = np.asarray(classifier.coef_)
        groups = list(classifier.classes_)
        return cls(
            text_weights=np.ascontiguousarray(weights[:, : features.size].T),
            channel_weights=weights[:, features.size :] * CHANNEL_WEIGHT,
            intercept=np.asarray(classifier.intercept_, dtype=float),
            group_of_code=np.array([groups.index(subcategory(code).group) for code in codes]),
        )

    def weights_per_code(self, row: tuple[Any, Any] | None, channel: str | None) -> np.ndarray:
        decision = self.intercept.copy()
        if row is not None:
            columns, values = row
            decision += values @ self.text_weights[columns]
        if channel in CHANNELS:
            decision += self.channel_weights[:, CHANNELS.index(channel)]
        return softmax(decision)[self.group_of_code] ** GROUP_WEIGHT


class TextModel:
    """A trained model, scored by hand from the fitted weights (numpy only): sklearn's per-call
    input checks cost more than the arithmetic (~10 ms against ~0.3 ms), and classify() must
    stay well under 20 ms. ``reference_probabilities`` in the unit tests is what it is checked
    against.
    """

    def __init__(
        self,
        features: TfidfFeatures,
        codes: Sequence[str],
        coef: Any,
        intercept: Any,
        group_head: GroupHead | None = None,
    ) -> None:
        self.features = features
        self.group_head = group_head
        self.codes: tuple[str, ...] = tuple(codes)
        weights = np.asarray(coef)
        self._text_weights = np.ascontiguousarray(weights[:, : features.size].T)
        self._channel_weights = weights[:, features.size :] * CHANNEL_WEIGHT
        self._intercept = np.asarray(intercept, dtype=float)

    def probabilities(self, text: str, channel: str | None) -> dict[str, float]:
        """Probability of each subcategory code for this text (sums to 1)."""
        decision = self._intercept.copy()
        row = self.features.row(text)
        if row is not None:
            columns, values = row
            decision += values @ self._text_weights[columns]
        if channel in CHANNELS:
            decision += self._channel_weights[:, CHANNELS.index(channel)]
        scores = softmax(decision)
        if self.group_head is not None:
            scores = scores * self.group_head.weights_per_code(row, channel)
            scores /= scores.sum()
        return dict(zip(self.codes, scores.tolist(), strict=True))


def softmax(decision: np.ndarray) -> np.ndarray:
    scaled = TEMPERATURE * (decision - decision.max())
    scores = np.exp(scaled)
    return scores / scores.sum()


def train(
    examples: Sequence[LabelledExample], vectorizer: TfidfVectorizer | None = None
) -> TextModel:
    """Fit the model; a vectorizer already fitted (on a superset) may be passed to save time."""
    vectorizer, classifier = fit(examples, vectorizer)
    features = TfidfFeatures.from_vectorizer(vectorizer)
    return TextModel(
        features,
        classifier.classes_,
        classifier.coef_,
        classifier.intercept_,
        GroupHead.fitted(features, classifier.classes_, fit_group_head(examples, vectorizer)),
    )


def fit(
    examples: Sequence[LabelledExample], vectorizer: TfidfVectorizer | None = None
) -> tuple[TfidfVectorizer, Any]:
    """The fitted scikit-learn vectorizer and linear SVM behind ``train``'s model."""
    from sklearn.svm import LinearSVC

    if vectorizer is None:
        vectorizer = fit_vectorizer([example.text for example in examples])
    text_features = vectorizer.transform([example.text for example in examples])
    features = channel_features(text_features, [example.channel for example in examples])
    classifier = LinearSVC(C=C, random_state=RANDOM_STATE)
    classifier.fit(features, [example.code for example in examples])
    return vectorizer, classifier


def fit_group_head(examples: Sequence[LabelledExample], vectorizer: TfidfVectorizer) -> Any:
    """The linear SVM over the groups, on the same features as the subcategory SVM."""
    from sklearn.svm import LinearSVC

    text_features = vectorizer.transform([example.text for example in examples])
    features = channel_features(text_features, [example.channel for example in examples])
    classifier = LinearSVC(C=C, random_state=RANDOM_STATE)
    classifier.fit(features, [example.group.value for example in examples])
    return classifier


def fit_vectorizer(texts: Sequence[str]) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAM_RANGE, sublinear_tf=True)
    vectorizer.fit(texts)
    return vectorizer


def channel_features(text_features: csr_matrix, channels: Sequence[str | None]) -> csr_matrix:
    """The text's TF-IDF columns, then one column per channel."""
    from scipy.sparse import csr_matrix, hstack

    rows, cols = [], []
    for row, channel in enumerate(channels):
        if channel in CHANNELS:
            rows.append(row)
            cols.append(CHANNELS.index(channel))
    data = np.full(len(rows), CHANNEL_WEIGHT)
    channel_columns = csr_matrix((data, (rows, cols)), shape=(len(channels), len(CHANNELS)))
    return hstack([text_features, channel_columns], format="csr")


def stratified_split(
    examples: Sequence[LabelledExample], held_out_fraction: float = 0.25, seed: int = 7
) -> tuple[list[LabelledExample], list[LabelledExample]]:
    """(training, held_out): the same fraction of every code held out, the same way every run."""
    by_code: dict[str, list[LabelledExample]] = defaultdict(list)
    for example in examples:
        by_code[example.code].append(example)
    training, held_out = [], []
    for code in sorted(by_code):
        # Order by a hash of the text, not file position, so regenerating the file in another
        # order does not change the split.
        group = sorted(by_code[code], key=lambda e: _stable_key(e.text))
        random.Random(f"{seed}:{code}").shuffle(group)
        count = max(1, round(len(group) * held_out_fraction))
        held_out.extend(group[:count])
        training.extend(group[count:])
    return training, held_out


def _stable_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
