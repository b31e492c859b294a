"""Group, subcategory and disposition accuracy out of fold, with whole writing batches held out.

Each batch of ``data/hand/`` falls into one of five folds (by a hash of its name, as in
``tune_threat_thresholds.py``): the text model and the threat model train on the other folds
(plus the templated rows unless ``--without-templated``), and the whole pipeline (rules, model,
threats, groups) judges the held-out rows. A writer's phrasing stays on one side, so the figure
is what a new writer's calls get, as far as the training data can tell. Options change the
model's settings for a comparison; the defaults are the production ones.

These are figures on training rows, for choosing settings. Never reads the independent sets
(services/intake/tests/data) or the holdout of data/hand/holdout.

    uv run --frozen python scripts/crossvalidate_classifier.py [--c 1.0] [--temperature 12]
        [--rule-boost 0.35] [--group-weight 0.5] [--ngram-max 3] [--without-templated]
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from collections.abc import Sequence

from pingan_intake.classification import classifier, model
from pingan_intake.classification.classifier import Classifier, train_threat_model
from pingan_intake.classification.taxonomy import (
    LabelledExample,
    load_labelled_examples,
    load_templated_examples,
    subcategory,
)

FOLDS = 5


def batch_fold(example: LabelledExample) -> int:
    return int(hashlib.sha256(example.source.encode()).hexdigest(), 16) % FOLDS


def fitted_vectorizer(texts: Sequence[str], ngram_max: int):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, ngram_max), sublinear_tf=True)
    return vectorizer.fit(texts)


def out_of_fold(
    hand: list[LabelledExample], templated: list[LabelledExample], ngram_max: int
) -> list[tuple[LabelledExample, str, str]]:
    """(row, chosen code, primary disposition) for every hand-written row, out of fold."""
    judged = []
    for fold in range(FOLDS):
        inside = [e for e in hand if batch_fold(e) != fold] + templated
        vectorizer = fitted_vectorizer([e.text for e in inside], ngram_max)
        judge = Classifier(model.train(inside, vectorizer), threat=train_threat_model(inside)).judge
        for example in (e for e in hand if batch_fold(e) == fold):
            chosen = judge(example.text, example.channel).classification
            judged.append((example, chosen.code or "", chosen.disposition.value))
    return judged


def report(judged: list[tuple[LabelledExample, str, str]]) -> None:
    total = len(judged)
    group_right = Counter[str]()
    support = Counter[str]()
    code_right = disposition_right = 0
    for example, code, disposition in judged:
        support[example.group] += 1
        if code and subcategory(code).group == example.group:
            group_right[example.group] += 1
        code_right += code == example.code
        disposition_right += disposition == example.dispositions[0].value
    print(f"{total} rows out of fold ({FOLDS} folds by writing batch)")
    print(f"  group {sum(group_right.values()) / total:.1%}, subcategory {code_right / total:.1%}")
    print(f"  primary disposition {disposition_right / total:.1%}")
    for group in sorted(support, key=lambda g: group_right[g] / support[g]):
        print(f"  {group:16} {group_right[group] / support[group]:6.1%} of {support[group]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=model.C)
    parser.add_argument("--temperature", type=float, default=model.TEMPERATURE)
    parser.add_argument("--rule-boost", type=float, default=classifier.RULE_BOOST)
    parser.add_argument("--channel-weight", type=float, default=model.CHANNEL_WEIGHT)
    parser.add_argument("--group-weight", type=float, default=model.GROUP_WEIGHT)
    parser.add_argument("--ngram-max", type=int, default=3)
    parser.add_argument("--without-templated", action="store_true")
    args = parser.parse_args()
    model.C, model.TEMPERATURE = args.c, args.temperature
    model.CHANNEL_WEIGHT, model.GROUP_WEIGHT = args.channel_weight, args.group_weight
    classifier.RULE_BOOST = args.rule_boost
    templated = [] if args.without_templated else load_templated_examples()
    print(
        f"C {args.c}, temperature {args.temperature}, rule boost {args.rule_boost}, "
        f"channel weight {args.channel_weight}, group weight {args.group_weight}, "
        f"n-grams 1–{args.ngram_max}, "
        f"templated rows {'out' if args.without_templated else 'in'}"
    )
    report(out_of_fold(load_labelled_examples(), templated, args.ngram_max))


if __name__ == "__main__":
    main()
