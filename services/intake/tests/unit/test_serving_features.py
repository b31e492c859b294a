"""Serving without scikit-learn: the hand-written n-grams and scores are exactly scikit-learn's,
and a stored classifier loads and answers with neither scikit-learn nor SciPy imported."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pingan_intake.classification import model, threat_model
from pingan_intake.classification.classifier import Classifier
from pingan_intake.classification.features import TfidfFeatures, char_ngrams
from pingan_intake.classification.taxonomy import load_labelled_examples, subcategory

pytestmark = pytest.mark.unit

ODD_TEXTS = ["", "a", "路灯", "下水道堵了", "AbC  dE\t\n\nf", "他说要跳楼！！", "😀 😀", " x "]


@pytest.fixture(scope="module")
def examples():  # type: ignore[no-untyped-def]
    rows = load_labelled_examples()
    # Every fourth row: all codes, a fraction of the training time.
    return rows[::4]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_char_ngrams_are_scikit_learns(text: str) -> None:
    analyzer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).build_analyzer()

    assert char_ngrams(text) == analyzer(text)


def test_text_model_scores_exactly_as_scikit_learn_does(examples) -> None:  # type: ignore[no-untyped-def]
    vectorizer, classifier = model.fit(examples)
    served = model.TextModel(
        TfidfFeatures.from_vectorizer(vectorizer),
        classifier.classes_,
        classifier.coef_,
        classifier.intercept_,
    )
    for text, channel in [(t, None) for t in ODD_TEXTS] + [("楼下吵架", "police_110")]:
        features = model.channel_features(vectorizer.transform([text]), [channel])
        reference = model.softmax(np.asarray(classifier.decision_function(features))[0])
        fast = served.probabilities(text, channel)

        assert list(fast) == list(classifier.classes_)
        assert np.allclose(list(fast.values()), reference, atol=1e-12)


def test_the_group_head_weighs_each_subcategory_by_its_groups_score(examples) -> None:  # type: ignore[no-untyped-def]
    vectorizer, classifier = model.fit(examples)
    groups = model.fit_group_head(examples, vectorizer)
    served = model.train(examples, vectorizer)
    group_of = [subcategory(code).group for code in classifier.classes_]
    for text, channel in [("楼下吵架", "police_110"), ("三十多个工人没拿到工资", None), ("", None)]:
        features = model.channel_features(vectorizer.transform([text]), [channel])
        by_code = model.softmax(np.asarray(classifier.decision_function(features))[0])
        by_group = dict(
            zip(
                groups.classes_,
                model.softmax(np.asarray(groups.decision_function(features))[0]),
                strict=True,
            )
        )
        reference = by_code * np.array([by_group[g] for g in group_of]) ** model.GROUP_WEIGHT
        reference /= reference.sum()

        assert np.allclose(list(served.probabilities(text, channel).values()), reference)


def test_threat_model_scores_exactly_as_scikit_learn_does(examples) -> None:  # type: ignore[no-untyped-def]
    vectorizer, classifier = threat_model.fit(examples)
    served = threat_model.ThreatModel(
        TfidfFeatures.from_vectorizer(vectorizer), classifier.coef_, classifier.intercept_
    )
    for text in [*ODD_TEXTS, "活着没意思，大不了一起完蛋"]:
        reference = classifier.predict_proba(vectorizer.transform([text]))[0][1]

        assert served.probability(text) == pytest.approx(reference, abs=1e-12)


def test_a_stored_classifier_answers_without_importing_scikit_learn_or_scipy(
    examples, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    stored = tmp_path / "classifier.pickle"
    stored.write_bytes(
        pickle.dumps(Classifier(model.train(examples), threat=threat_model.train(examples)))
    )
    script = (
        "import pickle, sys; import pingan_intake.bootstrap; "
        f"c = pickle.loads(open({str(stored)!r}, 'rb').read()); "
        "print(c.classify('楼下的下水道堵了').code); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    code, imported = run.stdout.splitlines()

    assert code and code != "None"
    assert imported == "[]"
