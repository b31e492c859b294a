"""Accuracy of the intake classifier on a held-out split of its labelled set, and its speed.

Holds out the same share of every subcategory (fixed seed), trains the model on the rest only,
classifies the held-out tickets with rules + model, and prints a Markdown table (or JSON).

    .venv/bin/python scripts/evaluate_classifier.py [--json] [--misses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict

from pingan_intake.classification.classifier import Classifier
from pingan_intake.classification.model import Evaluation, evaluate, stratified_split, train
from pingan_intake.classification.taxonomy import (
    TAXONOMY_VERSION,
    LabelledExample,
    load_labelled_examples,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--misses", action="store_true", help="list misclassified tickets")
    parser.add_argument("--held-out", type=float, default=0.25, help="share held out per code")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    examples = load_labelled_examples()
    training, held_out = stratified_split(examples, args.held_out, args.seed)
    assert not {e.text for e in training} & {e.text for e in held_out}, "held-out text in training"
    started = time.perf_counter()
    classifier = Classifier(train(training))
    training_seconds = time.perf_counter() - started
    result = evaluate(classifier.classify, held_out)
    p50, p99 = _latency_ms(classifier, held_out)

    summary = {
        "taxonomy_version": TAXONOMY_VERSION,
        "labelled": len(examples),
        "training": len(training),
        "held_out": len(held_out),
        "training_seconds": round(training_seconds, 3),
        "classify_ms_p50": round(p50, 3),
        "classify_ms_p99": round(p99, 3),
        **{k: v for k, v in asdict(result).items() if k != "misses"},
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(_markdown(result, summary))
    if args.misses:
        for example, got in result.misses:
            print(f"- {example.code} → {got.code} ({got.confidence:.2f}): {example.text}")


def _latency_ms(classifier: Classifier, examples: list[LabelledExample]) -> tuple[float, float]:
    timings = []
    for example in examples * 3:
        started = time.perf_counter()
        classifier.classify(example.text, example.channel)
        timings.append((time.perf_counter() - started) * 1000)
    centiles = statistics.quantiles(timings, n=100)
    return centiles[49], centiles[98]


def _markdown(result: Evaluation, summary: dict) -> str:
    lines = [
        f"Held-out split: {summary['held_out']} of {summary['labelled']} labelled tickets "
        f"(taxonomy {summary['taxonomy_version']}); trained on the other {summary['training']} "
        f"in {summary['training_seconds']:.2f} s.",
        "",
        "| group | support | group accuracy |",
        "|---|---:|---:|",
    ]
    for group, score in result.per_group.items():
        lines.append(f"| {group} | {score.support} | {score.accuracy:.1%} |")
    hand = result.hand_written_code_accuracy
    lines += [
        f"| **all groups** | {result.examples} | **{result.group_accuracy:.1%}** |",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| subcategory accuracy | {result.code_accuracy:.1%} |",
        f"| subcategory accuracy, hand-written hard cases only | "
        f"{'n/a' if hand is None else f'{hand:.1%}'} |",
        f"| urgency accuracy | {result.urgency_accuracy:.1%} |",
        f"| primary-disposition accuracy | {result.disposition_accuracy:.1%} |",
        f"| extreme-threat recall | {result.threat_recall:.1%} |",
        f"| classify() p50 / p99 | {summary['classify_ms_p50']:.2f} ms / "
        f"{summary['classify_ms_p99']:.2f} ms |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
