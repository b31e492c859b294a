"""The statistical half of the classifier: character n-grams and a linear model.

Chinese has no spaces, so the features are character 1–3-grams (TF-IDF), which catch words and
their colloquial variants alike; the channel is a small extra feature (110 transfers lean toward
public order, grid reports toward city services). Trained on the labelled tickets in ``data/``.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from pingan_common.events import CategoryGroup
from pingan_intake.classification.taxonomy import CHANNELS, Classification, LabelledExample

RANDOM_STATE = 20250
# How much the channel weighs against the text's n-grams (whose TF-IDF rows have unit norm).
CHANNEL_WEIGHT = 0.3


class TextModel:
    """A trained model. Scores one text by hand from the fitted weights: sklearn's per-call input
    checks cost more than the arithmetic (~10 ms against ~0.3 ms), and classify() must stay
    well under 20 ms. ``sklearn_probabilities`` is the reference the fast path is tested against.
    """

    def __init__(self, vectorizer: TfidfVectorizer, classifier: SGDClassifier) -> None:
        self.vectorizer = vectorizer
        self.classifier = classifier
        self.codes: tuple[str, ...] = tuple(classifier.classes_)
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = vectorizer.idf_
        weights = np.asarray(classifier.coef_)
        self._text_weights = np.ascontiguousarray(weights[:, : len(self._idf)].T)
        self._channel_weights = weights[:, len(self._idf) :] * CHANNEL_WEIGHT
        self._intercept = np.asarray(classifier.intercept_)

    def probabilities(self, text: str, channel: str | None) -> dict[str, float]:
        """Probability of each subcategory code for this text (sums to 1)."""
        counts = Counter(gram for gram in self._analyze(text) if gram in self._vocabulary)
        decision = self._intercept.copy()
        if counts:
            columns = np.fromiter((self._vocabulary[g] for g in counts), dtype=np.intp)
            # TF-IDF as fitted: sublinear tf, idf, unit length.
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float))) * self._idf[columns]
            values /= np.linalg.norm(values)
            decision += values @ self._text_weights[columns]
        if channel in CHANNELS:
            decision += self._channel_weights[:, CHANNELS.index(channel)]
        # One-vs-rest logistic scores normalised to sum to 1, as SGDClassifier.predict_proba.
        scores = 1.0 / (1.0 + np.exp(-decision))
        scores /= scores.sum()
        return dict(zip(self.codes, scores.tolist(), strict=True))

    def sklearn_probabilities(self, text: str, channel: str | None) -> dict[str, float]:
        features = _features(self.vectorizer.transform([text]), [channel])
        row = self.classifier.predict_proba(features)[0]
        return dict(zip(self.codes, row.tolist(), strict=True))


def train(examples: Sequence[LabelledExample]) -> TextModel:
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    text_features = vectorizer.fit_transform([example.text for example in examples])
    features = _features(text_features, [example.channel for example in examples])
    # Logistic loss by SGD: the same linear model as LogisticRegression, trained in a fraction
    # of the time (lbfgs needs ~8 s for 60+ classes on this set; start-up must stay under 3 s).
    classifier = SGDClassifier(
        loss="log_loss", alpha=5e-5, max_iter=10, tol=None, random_state=RANDOM_STATE
    )
    classifier.fit(features, [example.code for example in examples])
    return TextModel(vectorizer, classifier)


def _features(text_features: csr_matrix, channels: Sequence[str | None]) -> csr_matrix:
    rows, cols = [], []
    for row, channel in enumerate(channels):
        if channel in CHANNELS:
            rows.append(row)
            cols.append(CHANNELS.index(channel))
    data = np.full(len(rows), CHANNEL_WEIGHT)
    channel_features = csr_matrix((data, (rows, cols)), shape=(len(channels), len(CHANNELS)))
    return hstack([text_features, channel_features], format="csr")


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


@dataclass(frozen=True)
class GroupScore:
    support: int
    accuracy: float


@dataclass(frozen=True)
class Evaluation:
    examples: int
    group_accuracy: float
    code_accuracy: float
    urgency_accuracy: float
    disposition_accuracy: float  # primary disposition
    threat_recall: float  # extreme threats raised as extreme threats
    hand_written_code_accuracy: float | None  # on the hand-written hard cases alone
    per_group: dict[str, GroupScore]
    misses: list[tuple[LabelledExample, Classification]] = field(default_factory=list)


def evaluate(
    classify: Callable[[str, str | None], Classification], examples: Sequence[LabelledExample]
) -> Evaluation:
    results = [(example, classify(example.text, example.channel)) for example in examples]
    threats = [(e, r) for e, r in results if e.group is CategoryGroup.EXTREME_THREAT]
    hand = [(e, r) for e, r in results if e.source == "hand"]
    return Evaluation(
        examples=len(results),
        group_accuracy=_share(results, lambda e, r: r.group is e.group),
        code_accuracy=_share(results, _same_code),
        urgency_accuracy=_share(results, lambda e, r: r.urgency is e.urgency),
        disposition_accuracy=_share(results, lambda e, r: r.disposition is e.dispositions[0]),
        threat_recall=_share(threats, lambda e, r: r.group is CategoryGroup.EXTREME_THREAT),
        hand_written_code_accuracy=_share(hand, _same_code) if hand else None,
        per_group={
            group.value: GroupScore(len(scored), _share(scored, lambda e, r: r.group is e.group))
            for group in CategoryGroup
            if (scored := [(e, r) for e, r in results if e.group is group])
        },
        misses=[(e, r) for e, r in results if not _same_code(e, r)],
    )


def _same_code(example: LabelledExample, result: Classification) -> bool:
    return result.code == example.code


def _share(
    pairs: Sequence[tuple[LabelledExample, Classification]],
    correct: Callable[[LabelledExample, Classification], bool],
) -> float:
    return sum(1 for e, r in pairs if correct(e, r)) / len(pairs) if pairs else 1.0
