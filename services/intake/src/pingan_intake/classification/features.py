"""Character n-gram TF-IDF features, scored without scikit-learn.

Both learned models (``model.py``, ``threat_model.py``) are fitted with scikit-learn's
``TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)``, but a running intake
only needs what the fit produced: the vocabulary and the idf weights. Keeping scikit-learn (and
SciPy under it) out of the serving path saves about three seconds of imports at every start —
a killed intake must serve again within ten (issue 12) — and its per-call input checks, which
cost more than the arithmetic. ``char_ngrams`` reproduces scikit-learn's analyzer exactly
(the unit tests compare them on odd inputs).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

NGRAM_RANGE = (1, 3)
_WHITE_SPACES = re.compile(r"\s\s+")


def char_ngrams(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """The character n-grams scikit-learn's ``analyzer="char"`` gives (lower case, runs of
    white space as one space)."""
    document = _WHITE_SPACES.sub(" ", text.lower())
    low, high = ngram_range
    grams = list(document) if low == 1 else []
    for n in range(max(low, 2), min(high, len(document)) + 1):
        grams.extend(document[i : i + n] for i in range(len(document) - n + 1))
    return grams


@dataclass(frozen=True)
class TfidfFeatures:
    """A fitted vectorizer's vocabulary and idf: a text → its non-zero columns and values."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    ngram_range: tuple[int, int] = NGRAM_RANGE

    @classmethod
    def from_vectorizer(cls, vectorizer: Any) -> TfidfFeatures:
        return cls(
            vocabulary=dict(vectorizer.vocabulary_),
            idf=np.asarray(vectorizer.idf_, dtype=float),
            ngram_range=tuple(vectorizer.ngram_range),
        )

    @property
    def size(self) -> int:
        return len(self.idf)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(columns, values) of the text's TF-IDF row as fitted — sublinear tf, idf, unit
        length — or None when no n-gram of the text is in the vocabulary."""
        counts = Counter(g for g in char_ngrams(text, self.ngram_range) if g in self.vocabulary)
        if not counts:
            return None
        columns = np.fromiter((self.vocabulary[g] for g in counts), dtype=np.intp)
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float))) * self.idf[columns]
        return columns, values / np.linalg.norm(values)
