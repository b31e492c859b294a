"""How good the classifier's judgement is on a labelled set: the figures docs/classifier.md reports.

Pure: labelled rows and the classifier's judgements in, figures out. Group, subcategory, urgency
and primary-disposition accuracy; accuracy per group and a confusion matrix over groups; the
threat detector's recall on threats and its false red alerts on calls that are none; how well
stated confidence matches accuracy (reliability bands) and what review would catch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pingan_common.events import CategoryGroup, RiskLevel
from pingan_intake.classification import calibration
from pingan_intake.classification.calibration import Band
from pingan_intake.classification.taxonomy import CHANNELS, Classification, LabelledExample

GROUPS = tuple(group.value for group in CategoryGroup)


@dataclass(frozen=True)
class Expected:
    """One labelled call, from our own set or from an independent file."""

    text: str
    channel: str | None
    group: str
    code: str | None
    urgency: str | None
    dispositions: tuple[str, ...]
    threat: bool  # an extreme threat: it must raise a red alert

    @classmethod
    def of(cls, example: LabelledExample) -> Expected:
        return cls(
            text=example.text,
            channel=example.channel,
            group=example.group.value,
            code=example.code,
            urgency=example.urgency.value,
            dispositions=tuple(d.value for d in example.dispositions),
            threat=example.group is CategoryGroup.EXTREME_THREAT,
        )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Expected:
        """A row of an independent evaluation file: id, text, channel, code, group, urgency,
        dispositions, threat, note. A channel the taxonomy does not know is read as none."""
        group = row["group"]
        threat = row.get("threat")
        return cls(
            text=row["text"],
            channel=row.get("channel") if row.get("channel") in CHANNELS else None,
            group=group,
            code=row.get("code"),
            urgency=row.get("urgency"),
            dispositions=tuple(row.get("dispositions") or ()),
            threat=bool(threat) if threat is not None else group == "extreme_threat",
        )


def read_rows(lines: Iterable[str]) -> list[Expected]:
    return [Expected.from_row(json.loads(line)) for line in lines if line.strip()]


@dataclass(frozen=True)
class GroupRow:
    group: str
    support: int
    group_accuracy: float | None
    code_accuracy: float | None


@dataclass(frozen=True)
class Report:
    examples: int
    group_accuracy: float
    code_accuracy: float
    urgency_accuracy: float | None
    disposition_accuracy: float | None  # primary disposition
    threats: int
    threat_recall: float | None  # threats raised as extreme threats (red)
    non_threats: int
    false_red_rate: float | None  # calls with no threat raised red
    # A threat not raised red may still carry threat_review: the operator is asked to check it.
    threat_caught: float | None  # threats raised red or sent to threat review
    threat_review_rate: float | None  # calls with no threat sent to threat review (not red)
    per_group: list[GroupRow]
    confusion: dict[str, dict[str, int]]  # expected group -> classified group -> count
    reliability: list[Band]
    calibration_error: float
    review_share: float  # flagged needs_review
    accuracy_not_reviewed: float | None  # subcategory accuracy of the answers not flagged
    accuracy_reviewed: float | None
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, with_misses: bool = False) -> dict[str, Any]:
        document = asdict(self)
        if not with_misses:
            document.pop("misses")
        return document


def report(
    rows: Sequence[Expected],
    results: Sequence[Classification],
    confidences: Sequence[float] | None = None,
) -> Report:
    """Figures for ``results`` (one per row). ``confidences`` replaces the stated confidence
    (e.g. cross-fitted when the calibration was fitted on these rows)."""
    pairs = list(zip(rows, results, strict=True))
    stated = list(confidences) if confidences is not None else [r.confidence for r in results]
    code_right = [r.code == e.code for e, r in pairs]
    review = [calibration.needs_review(c) for c in stated]
    kept = [ok for ok, flagged in zip(code_right, review, strict=True) if not flagged]
    flagged = [ok for ok, flagged in zip(code_right, review, strict=True) if flagged]
    threats = [(e, r) for e, r in pairs if e.threat]
    others = [(e, r) for e, r in pairs if not e.threat]
    return Report(
        examples=len(pairs),
        group_accuracy=_share(pairs, lambda e, r: r.group.value == e.group) or 0.0,
        code_accuracy=_share(pairs, lambda e, r: r.code == e.code) or 0.0,
        urgency_accuracy=_share(
            [(e, r) for e, r in pairs if e.urgency], lambda e, r: r.urgency.value == e.urgency
        ),
        disposition_accuracy=_share(
            [(e, r) for e, r in pairs if e.dispositions],
            lambda e, r: r.disposition.value == e.dispositions[0],
        ),
        threats=len(threats),
        threat_recall=_share(threats, lambda e, r: _red(r)),
        non_threats=len(others),
        false_red_rate=_share(others, lambda e, r: _red(r)),
        threat_caught=_share(threats, lambda e, r: _red(r) or r.threat_review),
        threat_review_rate=_share(others, lambda e, r: not _red(r) and r.threat_review),
        per_group=[
            GroupRow(
                group,
                len(scored),
                _share(scored, lambda e, r: r.group.value == e.group),
                _share(scored, lambda e, r: r.code == e.code),
            )
            for group in GROUPS
            if (scored := [(e, r) for e, r in pairs if e.group == group])
        ],
        confusion=confusion_matrix(pairs),
        reliability=calibration.reliability(stated, code_right),
        calibration_error=round(calibration.expected_calibration_error(stated, code_right), 4),
        review_share=sum(review) / len(review) if review else 0.0,
        accuracy_not_reviewed=_mean(kept),
        accuracy_reviewed=_mean(flagged),
        misses=[
            {"text": e.text, "expected": e.code, "got": r.code, "confidence": c}
            for (e, r), c in zip(pairs, stated, strict=True)
            if r.code != e.code
        ],
    )


def confusion_matrix(pairs: Sequence[tuple[Expected, Classification]]) -> dict[str, dict[str, int]]:
    matrix = {expected: dict.fromkeys(GROUPS, 0) for expected in GROUPS}
    for expected, result in pairs:
        matrix.setdefault(expected.group, dict.fromkeys(GROUPS, 0))[result.group.value] += 1
    return {group: row for group, row in matrix.items() if any(row.values())}


def cross_fitted(raw: Sequence[float], correct: Sequence[bool]) -> list[float]:
    """Calibrated confidences for rows whose calibration must not have seen them: the rows are
    split in two alternating halves, each calibrated by the map fitted on the other."""
    out = [0.0] * len(raw)
    for half in (0, 1):
        fit_on = [i for i in range(len(raw)) if i % 2 != half]
        fitted = calibration.fit([raw[i] for i in fit_on], [correct[i] for i in fit_on])
        for i in range(half, len(raw), 2):
            out[i] = fitted(raw[i])
    return out


def _red(result: Classification) -> bool:
    return result.risk_level is RiskLevel.RED


def _share(
    pairs: Sequence[tuple[Expected, Classification]],
    correct: Callable[[Expected, Classification], bool],
) -> float | None:
    return sum(1 for e, r in pairs if correct(e, r)) / len(pairs) if pairs else None


def _mean(values: Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None
