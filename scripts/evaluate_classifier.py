"""The intake classifier's figures: on the held-out split of its own hand-written tickets, and on
an independent evaluation set when one is present.

1. Own held-out split (labelled as such): a stratified quarter of the hand-written tickets
   (``data/labelled_tickets.jsonl``), never trained on; the model trains on the other three
   quarters plus the templated rows. The rules (threats, groups, cues) were written by the same
   author who wrote these tickets, looking at the training quarters only: read these figures as
   an upper bound. Stated confidence here is cross-fitted (each half of the split calibrated on
   the other half), since the service's calibration is fitted on this split.
2. Independent set (``services/intake/tests/data/independent_eval.jsonl``, written apart from
   the training data and the rules): the classifier as the service runs it, trained on all
   training tickets with its stored calibration. Nothing of that file trains or tunes anything.

Both report group, subcategory and primary-disposition accuracy, a per-group table, a confusion
matrix over groups, threat recall, the false red-alert rate, and a reliability table; everything
is written to a JSON file (``--out``).

    uv run --frozen python scripts/evaluate_classifier.py [--json] [--misses] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from pingan_intake.classification.classifier import (
    Classifier,
    calibration_split,
    default_classifier,
    train_threat_model,
)
from pingan_intake.classification.evaluation import (
    GROUPS,
    Expected,
    Report,
    cross_fitted,
    read_rows,
    report,
)
from pingan_intake.classification.model import train
from pingan_intake.classification.taxonomy import (
    TAXONOMY_VERSION,
    USE_TEMPLATED,
    load_labelled_examples,
    load_training_examples,
)

ROOT = Path(__file__).resolve().parents[1]
INDEPENDENT = ROOT / "services/intake/tests/data/independent_eval.jsonl"
DEFAULT_OUT = ROOT / "docs/classifier-eval.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--misses", action="store_true", help="list held-out misses (own split)")
    parser.add_argument("--independent", type=Path, default=INDEPENDENT)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    parser.add_argument(
        "--without-templated",
        action="store_true",
        help="own split only: train without the templated rows (to compare)",
    )
    args = parser.parse_args()

    results: dict[str, Any] = {"taxonomy_version": TAXONOMY_VERSION}
    sections = []
    held_out_report, meta = own_held_out(templated=not args.without_templated)
    results["own_held_out"] = {**meta, **held_out_report.as_dict()}
    title = "Own held-out split (hand-written, same author as the rules)"
    sections.append((title, held_out_report, meta))
    if args.independent.is_file() and not args.without_templated:
        independent_report, meta = independent(args.independent)
        results["independent"] = {**meta, **independent_report.as_dict()}
        sections.append(("Independent evaluation set", independent_report, meta))
    else:
        results["independent"] = None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(markdown(title, rep, meta) for title, rep, meta in sections))
        print(f"\n(written to {args.out})")
    if args.misses:
        for miss in held_out_report.misses:
            got, confidence = miss["got"], miss["confidence"]
            print(f"- {miss['expected']} → {got} ({confidence:.2f}): {miss['text']}")


def own_held_out(templated: bool = True) -> tuple[Report, dict[str, Any]]:
    examples = load_training_examples()
    training, held_out = calibration_split(examples)
    if not templated:
        training = [e for e in training if e.hand_written]
    assert not {e.text for e in training} & {e.text for e in held_out}, "held-out text in training"
    started = time.perf_counter()
    # the whole detector, as in production: the model, the rules and the learned threat layer
    classifier = Classifier(train(training), threat=train_threat_model(training))
    seconds = time.perf_counter() - started
    judgements = [classifier.judge(e.text, e.channel) for e in held_out]
    rows = [Expected.of(e) for e in held_out]
    correct = [j.classification.code == e.code for e, j in zip(held_out, judgements, strict=True)]
    confidences = cross_fitted([j.raw_confidence for j in judgements], correct)
    p50, p99 = latency_ms(classifier, [e.text for e in held_out])
    meta = {
        "what": "held-out quarter of the hand-written tickets (own data, not independent)",
        "hand_written": len(load_labelled_examples()),
        "training_rows": len(training),
        "templated_rows_in_training": USE_TEMPLATED and templated,
        "training_seconds": round(seconds, 3),
        "classify_ms_p50": round(p50, 3),
        "classify_ms_p99": round(p99, 3),
        "confidence": "cross-fitted on the two halves of the split",
    }
    return report(rows, [j.classification for j in judgements], confidences), meta


def independent(path: Path) -> tuple[Report, dict[str, Any]]:
    rows = read_rows(path.read_text(encoding="utf-8").splitlines())
    classifier = default_classifier()
    results = [classifier.classify(row.text, row.channel) for row in rows]
    meta = {
        "what": f"independent evaluation set ({path.name}); trained on all training rows",
        "command": "make classifier-eval",
    }
    return report(rows, results), meta


def latency_ms(classifier: Classifier, texts: list[str]) -> tuple[float, float]:
    timings = []
    for text in texts * 3:
        started = time.perf_counter()
        classifier.classify(text, "hotline_12345")
        timings.append((time.perf_counter() - started) * 1000)
    centiles = statistics.quantiles(timings, n=100)
    return centiles[49], centiles[98]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def markdown(title: str, rep: Report, meta: dict[str, Any]) -> str:
    lines = [
        f"### {title}",
        "",
        f"{meta['what']}: {rep.examples} tickets.",
        "",
        "| group | support | group right | subcategory right |",
        "|---|---:|---:|---:|",
    ]
    for row in rep.per_group:
        lines.append(
            f"| {row.group} | {row.support} | {_pct(row.group_accuracy)} | "
            f"{_pct(row.code_accuracy)} |"
        )
    lines += [
        f"| **all** | {rep.examples} | **{_pct(rep.group_accuracy)}** | "
        f"**{_pct(rep.code_accuracy)}** |",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| group accuracy | {_pct(rep.group_accuracy)} |",
        f"| subcategory accuracy | {_pct(rep.code_accuracy)} |",
        f"| primary-disposition accuracy | {_pct(rep.disposition_accuracy)} |",
        f"| urgency accuracy | {_pct(rep.urgency_accuracy)} |",
        f"| threat recall ({rep.threats} threats) | {_pct(rep.threat_recall)} |",
        f"| false red alerts ({rep.non_threats} calls without a threat) | "
        f"{_pct(rep.false_red_rate)} |",
        f"| threats red or sent to threat review | {_pct(rep.threat_caught)} |",
        f"| calls without a threat sent to threat review | {_pct(rep.threat_review_rate)} |",
        f"| flagged needs_review | {_pct(rep.review_share)} |",
        f"| subcategory accuracy, not flagged / flagged | {_pct(rep.accuracy_not_reviewed)} / "
        f"{_pct(rep.accuracy_reviewed)} |",
        f"| expected calibration error | {rep.calibration_error:.3f} |",
    ]
    if "classify_ms_p50" in meta:
        lines.append(
            f"| classify() p50 / p99 | {meta['classify_ms_p50']:.2f} ms / "
            f"{meta['classify_ms_p99']:.2f} ms |"
        )
    lines += ["", "Reliability (stated confidence against how often the subcategory was right):"]
    lines += [""]
    lines += ["| confidence | answers | mean stated | right |", "|---|---:|---:|---:|"]
    for band in rep.reliability:
        lines.append(
            f"| {band.low:.1f}–{band.high:.1f} | {band.count} | {_pct(band.mean_confidence)} | "
            f"{_pct(band.accuracy)} |"
        )
    short = {g: g.split("_")[0][:8] for g in GROUPS}
    present = [g for g in GROUPS if g in rep.confusion]
    lines += ["", "Confusion over groups (rows: expected, columns: classified):", ""]
    lines.append("| expected \\ got | " + " | ".join(short[g] for g in GROUPS) + " |")
    lines.append("|---|" + "---:|" * len(GROUPS))
    for group in present:
        row = rep.confusion[group]
        lines.append(f"| {group} | " + " | ".join(str(row.get(g, 0)) for g in GROUPS) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
