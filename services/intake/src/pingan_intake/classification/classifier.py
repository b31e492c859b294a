"""Intake classification: phrase rules and a statistical model, combined.

- The model (character n-grams + logistic regression, ``model``) ranks every
  subcategory; subcategories whose cues fire (``rules``) get a boost. Negated cues are
  cut out of what the model reads, so "没有打架" is no evidence of a fight for either half.
- Extreme threats are never left to the model: any threat cue that is not negated raises
  ``extreme_threat`` (red, police first) whatever the model thinks. A false alarm costs a check;
  a missed threat may cost a life.
- Urgency is ``urgent`` when danger to life or property is happening now; dispositions are the
  subcategory's defaults, police first when violence or crime is in progress, plus those of other
  matters the text also raises ("讨薪" inside a threat keeps its mediation).

Empty or whitespace-only text raises ValueError (the route validates the text before this).
"""

from __future__ import annotations

import threading
from itertools import islice

from pingan_common.events import CategoryGroup, Disposition, RiskLevel, Urgency
from pingan_intake.classification import rules
from pingan_intake.classification.model import TextModel, train
from pingan_intake.classification.rules import RuleHits
from pingan_intake.classification.taxonomy import (
    Alternative,
    Classification,
    Subcategory,
    load_labelled_examples,
    subcategory,
)

G, D, U = CategoryGroup, Disposition, Urgency

# Added to the model's probability of each subcategory whose cues fire: enough to settle a close
# call, not enough to overrule a model that is sure of something else.
RULE_BOOST = 0.35
# A second matter adds its dispositions only when the model, too, sees it: a passing "邻居" must
# not turn a gas leak into a mediation case. Behind a threat every matter the rules see is kept:
# the wage dispute behind "再不给钱我就跳楼" is what must be solved.
SECONDARY_MIN_PROBABILITY = 0.1
ALTERNATIVES = 3
_RISK_ORDER = (RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE)


class Classifier:
    def __init__(self, model: TextModel) -> None:
        self.model = model

    def classify(self, text: str, channel: str | None = None) -> Classification:
        text = text.strip()
        if not text:
            raise ValueError("nothing to classify: the text is empty")
        hits = rules.find(text)
        model_text = rules.without_negated(text, hits.negated_spans) or text
        probabilities = self.model.probabilities(model_text, channel)
        scores = _boosted(probabilities, hits)
        ranked = sorted(scores, key=lambda code: (-scores[code], code))
        chosen = subcategory(_choose(ranked, hits))
        secondary = _secondary_matters(chosen, hits, probabilities)
        urgency = _urgency(chosen, hits, text)
        return Classification(
            group=chosen.group,
            code=chosen.code,
            label=chosen.label,
            urgency=urgency,
            dispositions=_dispositions(chosen, secondary, hits, urgency),
            risk_level=_risk_level([chosen, *secondary]),
            confidence=round(scores[chosen.code], 4),
            alternatives=tuple(
                _alternative(code, scores[code])
                for code in islice((c for c in ranked if c != chosen.code), ALTERNATIVES)
            ),
        )


def _boosted(probabilities: dict[str, float], hits: RuleHits) -> dict[str, float]:
    scores = dict(probabilities)
    for code in hits.codes:
        scores[code] = scores.get(code, 0.0) + RULE_BOOST
    total = sum(scores.values())
    return {code: score / total for code, score in scores.items()}


def _secondary_matters(
    chosen: Subcategory, hits: RuleHits, probabilities: dict[str, float]
) -> list[Subcategory]:
    """Other matters of another group that the text raises too, e.g. the wage dispute behind a
    threat."""
    found = [subcategory(code) for code in hits.codes]
    return [
        sub
        for sub in found
        if sub.group not in (chosen.group, G.CONSULTATION)
        and (
            chosen.group is G.EXTREME_THREAT
            or probabilities.get(sub.code, 0.0) >= SECONDARY_MIN_PROBABILITY
        )
    ]


def _choose(ranked: list[str], hits: RuleHits) -> str:
    if not hits.threat:
        return ranked[0]
    # The rules decided that this is a threat; the scores only pick which kind.
    named = [code for code in ranked if code in hits.codes and _is_threat(code)]
    return named[0] if named else next(code for code in ranked if _is_threat(code))


def _is_threat(code: str) -> bool:
    return subcategory(code).group is G.EXTREME_THREAT


def _urgency(chosen: Subcategory, hits: RuleHits, text: str) -> Urgency:
    if chosen.group is G.CONSULTATION:
        return U.NORMAL
    happening_now = (
        chosen.group is G.EXTREME_THREAT
        or hits.urgent_now
        or hits.police_now
        or (chosen.group is G.DISPUTE and hits.dispute_now)
        or (
            chosen.default_urgency is U.URGENT
            and not rules.is_past(text)
            and not rules.is_hypothetical(text)
        )
    )
    return U.URGENT if happening_now else U.NORMAL


def _dispositions(
    chosen: Subcategory, secondary: list[Subcategory], hits: RuleHits, urgency: Urgency
) -> tuple[Disposition, ...]:
    if chosen.group is G.CONSULTATION:
        return (D.ANSWER,)
    ordered = [D.POLICE_TRANSFER] if hits.police_now else []
    for sub in (chosen, *secondary):
        ordered.extend(d for d in sub.dispositions if d is not D.ANSWER)
    if chosen.group is G.SAFETY_HAZARD and urgency is U.NORMAL:
        # A hazard feared, not harm being done ("怕小孩落水"): a task for a department, no 110.
        ordered = [d for d in ordered if d is not D.POLICE_TRANSFER] or [D.TASK]
    return tuple(dict.fromkeys(ordered))


def _risk_level(subs: list[Subcategory]) -> RiskLevel | None:
    levels = {sub.risk_level for sub in subs if sub.risk_level is not None}
    return next((level for level in _RISK_ORDER if level in levels), None)


def _alternative(code: str, score: float) -> Alternative:
    sub = subcategory(code)
    return Alternative(group=sub.group, code=sub.code, label=sub.label, confidence=round(score, 4))


_lock = threading.Lock()
_default: Classifier | None = None


def default_classifier() -> Classifier:
    """The classifier trained on the whole labelled set, trained once on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = Classifier(train(load_labelled_examples()))
        return _default


def warm_up() -> None:
    """Train now (at service start-up) rather than on the first request."""
    default_classifier().classify("路灯坏了")


def classify(text: str, channel: str | None = None) -> Classification:
    return default_classifier().classify(text, channel)
