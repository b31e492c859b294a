"""The statistical half of the classifier: character n-grams and a linear model.

Chinese has no spaces, so the features are character 1–3-grams (TF-IDF), which catch words and
their colloquial variants alike; the channel is a small extra feature (110 transfers lean toward
public order, grid reports toward city services). Trained on the labelled tickets in ``data/``.

The linear model is a one-vs-rest linear SVM (liblinear: a fifth of the time SGD took for the
same accuracy on this set); its decision values become scores by a softmax at a fixed
temperature. Those scores rank subcategories; they are not probabilities until
``calibration`` maps them to how often such an answer was right.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from pingan_intake.classification.taxonomy import CHANNELS, LabelledExample

RANDOM_STATE = 20250
# How much the channel weighs against the text's n-grams (whose TF-IDF rows have unit norm).
CHANNEL_WEIGHT = 0.3
# Softmax temperature over the SVM's decision values (which mostly lie in -1.5 … 1).
TEMPERATURE = 12.0
C = 1.0


class TextModel:
    """A trained model. Scores one text by hand from the fitted weights: sklearn's per-call input
    checks cost more than the arithmetic (~10 ms against ~0.3 ms), and classify() must stay
    well under 20 ms. ``sklearn_probabilities`` is the reference the fast path is tested against.
    """

    def __init__(self, vectorizer: TfidfVectorizer, classifier: LinearSVC) -> None:
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
        return dict(zip(self.codes, _softmax(decision).tolist(), strict=True))

    def sklearn_probabilities(self, text: str, channel: str | None) -> dict[str, float]:
        features = _features(self.vectorizer.transform([text]), [channel])
        row = _softmax(np.asarray(self.classifier.decision_function(features))[0])
        return dict(zip(self.codes, row.tolist(), strict=True))


def _softmax(decision: np.ndarray) -> np.ndarray:
    scaled = TEMPERATURE * (decision - decision.max())
    scores = np.exp(scaled)
    return scores / scores.sum()


def train(
    examples: Sequence[LabelledExample], vectorizer: TfidfVectorizer | None = None
) -> TextModel:
    """Fit the model; a vectorizer already fitted (on a superset) may be passed to save time."""
    if vectorizer is None:
        vectorizer = fit_vectorizer([example.text for example in examples])
    text_features = vectorizer.transform([example.text for example in examples])
    features = _features(text_features, [example.channel for example in examples])
    classifier = LinearSVC(C=C, random_state=RANDOM_STATE)
    classifier.fit(features, [example.code for example in examples])
    return TextModel(vectorizer, classifier)


def fit_vectorizer(texts: Sequence[str]) -> TfidfVectorizer:
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    vectorizer.fit(texts)
    return vectorizer


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
