"""What a warning may say outside riskassess, in Chinese: its level, and the evidence of its
signals without the key-person ones.

A key-person signal's evidence names the registry category (涉及在册社区矫正人员), which is
key-person data: shown to an operator on a ticket's timeline, or put in an SMS, it would tell
that the caller is on the registry. Consumers that write text for people (intake's timeline,
notify's notices) say what the other signals found and leave those out.
"""

from __future__ import annotations

from collections.abc import Iterable

from pingan_common.events.riskassess import RiskSignal
from pingan_common.events.values import RiskLevel

LEVEL_LABELS: dict[str, str] = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
# The registry's rules: a call naming a key person, an overdue visit, lost contact (脱管).
KEY_PERSON_RULE_PREFIX = "key_person"


def level_label(level: RiskLevel | str) -> str:
    value = level.value if isinstance(level, RiskLevel) else level
    return LEVEL_LABELS.get(value, value)


def is_key_person_rule(rule: str) -> bool:
    return rule.startswith(KEY_PERSON_RULE_PREFIX)


def shareable_evidence(signals: Iterable[RiskSignal]) -> str:
    """The evidence of every signal but the key-person ones, each once, in order; '' if none."""
    seen: dict[str, None] = {}
    for signal in signals:
        if not is_key_person_rule(signal.rule) and signal.evidence:
            seen.setdefault(signal.evidence, None)
    return "；".join(seen)
