"""The ticket taxonomy and the labelled tickets, both kept as versioned data in ``data/``.

``data/taxonomy.json`` lists the subcategories in rule priority order (most dangerous first), each
with its defaults and the phrase cues the rules look for. ``data/labelled_tickets.jsonl`` holds the
hand-written tickets, the training set and the source of the held-out split;
``data/labelled_templated.jsonl`` the older template rows, extra training rows only when
``USE_TEMPLATED`` says so (regenerate both with ``scripts/generate_labelled_tickets.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from pingan_common.events import CategoryGroup, Disposition, RiskLevel, Urgency

CHANNELS = ("hotline_12345", "police_110", "grid_report", "web", "third_party", "open311")
SLA_CLASSES = ("urgent", "utilities", "ordinary", "complex", "consultation")
_PATTERN_SYNTAX = re.compile(r"[.()|?*+\[\]{}\\^$]")


@dataclass(frozen=True)
class Subcategory:
    code: str
    group: CategoryGroup
    label: str
    default_urgency: Urgency
    dispositions: tuple[Disposition, ...]
    risk_level: RiskLevel | None
    sla_class: str
    cues: tuple[str, ...] = ()  # regular expressions the rules look for

    @property
    def keywords(self) -> tuple[str, ...]:
        """The cues that are plain words (no pattern syntax), fit to show to people."""
        return tuple(cue for cue in self.cues if not _PATTERN_SYNTAX.search(cue))


@dataclass(frozen=True)
class LabelledExample:
    text: str
    channel: str
    code: str
    urgency: Urgency
    dispositions: tuple[Disposition, ...]
    # "hand:<batch>" (hand-written, data/hand/), "template" or "template-hand" (the older
    # generated set, extra training rows only), "override" (an operator's correction)
    source: str = "template"

    @property
    def hand_written(self) -> bool:
        return self.source.startswith("hand")

    @property
    def group(self) -> CategoryGroup:
        return subcategory(self.code).group


@dataclass(frozen=True)
class Alternative:
    group: CategoryGroup
    code: str
    label: str
    confidence: float


@dataclass(frozen=True)
class Classification:
    group: CategoryGroup
    code: str | None
    label: str
    urgency: Urgency
    dispositions: tuple[Disposition, ...]
    risk_level: RiskLevel | None = None
    confidence: float = 1.0  # calibrated: how often an answer like this one is right
    alternatives: tuple[Alternative, ...] = ()
    needs_review: bool = False  # too uncertain to act on without the operator's confirmation
    threat_review: bool = False  # maybe an extreme threat: the operator must check (not red)

    @property
    def disposition(self) -> Disposition:
        return self.dispositions[0]


def _data(name: str) -> str:
    return files("pingan_intake").joinpath("data", name).read_text(encoding="utf-8")


@cache
def _taxonomy() -> tuple[str, dict[str, Subcategory]]:
    raw = json.loads(_data("taxonomy.json"))
    by_code = {entry["code"]: _subcategory(entry) for entry in raw["subcategories"]}
    return raw["version"], by_code


def _subcategory(entry: dict[str, Any]) -> Subcategory:
    if entry["sla_class"] not in SLA_CLASSES:
        raise ValueError(f"{entry['code']}: unknown sla_class {entry['sla_class']!r}")
    return Subcategory(
        code=entry["code"],
        group=CategoryGroup(entry["group"]),
        label=entry["label"],
        default_urgency=Urgency(entry["default_urgency"]),
        dispositions=tuple(Disposition(d) for d in entry["dispositions"]),
        risk_level=RiskLevel(entry["risk_level"]) if entry.get("risk_level") else None,
        sla_class=entry["sla_class"],
        cues=tuple(entry.get("cues", ())),
    )


TAXONOMY_VERSION: str = _taxonomy()[0]


def subcategory(code: str) -> Subcategory:
    """The subcategory with this code; KeyError if the taxonomy has none."""
    return _taxonomy()[1][code]


def all_subcategories() -> tuple[Subcategory, ...]:
    """Every subcategory, in rule priority order (most dangerous first)."""
    return tuple(_taxonomy()[1].values())


def classification_for_override(
    code: str, urgency: Urgency | None, dispositions: tuple[Disposition, ...] | list[Disposition]
) -> Classification:
    """An operator's correction as a classification: the taxonomy fills what they left out."""
    chosen = subcategory(code)
    return Classification(
        group=chosen.group,
        code=chosen.code,
        label=chosen.label,
        urgency=urgency or chosen.default_urgency,
        dispositions=tuple(Disposition(d) for d in dispositions) or chosen.dispositions,
        risk_level=chosen.risk_level,
        confidence=1.0,
    )


# Whether the templated rows join the training set. Measured on the held-out split of the
# hand-written tickets (docs/classifier.md): as extra training rows they add about two points of
# group accuracy, so they are used — for training only, never for evaluation.
USE_TEMPLATED = True


@cache
def _labelled(name: str) -> tuple[LabelledExample, ...]:
    if not files("pingan_intake").joinpath("data", name).is_file():
        return ()
    lines = _data(name).splitlines()
    return tuple(_example(json.loads(line)) for line in lines if line.strip())


def _example(row: dict[str, Any]) -> LabelledExample:
    subcategory(row["code"])  # an unknown code fails loudly here, not at training time
    if row["channel"] not in CHANNELS:
        raise ValueError(f"unknown channel {row['channel']!r} in labelled example")
    return LabelledExample(
        text=row["text"],
        channel=row["channel"],
        code=row["code"],
        urgency=Urgency(row["urgency"]),
        dispositions=tuple(Disposition(d) for d in row["dispositions"]),
        source=row.get("source", "template"),
    )


def load_labelled_examples() -> list[LabelledExample]:
    """The hand-written labelled tickets."""
    return list(_labelled("labelled_tickets.jsonl"))


def load_templated_examples() -> list[LabelledExample]:
    """The older template rows: extra training rows, never evaluated."""
    return list(_labelled("labelled_templated.jsonl"))


def load_override_examples() -> list[LabelledExample]:
    """Operators' corrections merged in by scripts/generate_labelled_tickets.py --overrides."""
    return list(_labelled("labelled_overrides.jsonl"))


def load_training_examples() -> list[LabelledExample]:
    """What the service trains on: the hand-written tickets, the operators' corrections, and
    the templated rows if used. Only the hand-written ones are ever held out for evaluation."""
    templated = load_templated_examples() if USE_TEMPLATED else []
    return load_labelled_examples() + load_override_examples() + templated
