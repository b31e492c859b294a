"""Phrase rules: which subcategory cues a text really states, and whether danger is happening now.

A cue does not count when a negation governs it inside its clause ("没有打架，就是吵得厉害",
"不是要投诉"). The negation must stand close before the cue with nothing in between that starts a
new thought: "没有钱我就跳楼" denies the money, not the jump, so 就 ends the negation's reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pingan_common.events import CategoryGroup
from pingan_intake.classification import clauses
from pingan_intake.classification.taxonomy import all_subcategories

# 没 inside 出没/淹没/埋没/沉没 is no denial.
_NEGATION = re.compile(r"不是|不算|并非|并没有|没有|(?<![出淹埋沉吞])没|不要|不会|不用|不想")
# Words that start a consequence or a new action: what follows is no longer negated.
_SCOPE_BREAK = re.compile(r"就|便|否则|的话|逼|再|还|才|要是|如果|那|扬言")
_NEGATION_REACH = 4  # characters between the negation and the cue

# Threat cues that name no particular kind of threat.
_GENERIC_THREAT = (re.compile("扬言"), re.compile("威胁"), re.compile("以死相逼"))

# Danger to life or property happening now.
_URGENT_NOW = tuple(
    re.compile(pattern)
    for pattern in (
        "燃气泄漏|煤气泄漏|天然气泄漏|漏气|闻到.{0,4}(煤气|燃气|天然气|液化气)|(煤气|燃气|天然气)味",
        # "打不着火" is a stove that will not light, not a fire.
        "(?<!不)着火|起火|冒烟|失火|烧起来|浓烟|火苗(窜|蹿|很大|老高)|火灾",
        "正在打|打起来|动刀|拿刀|持刀|动手了|在打人|打人了|要打人|砍人|拿棍|抄家伙|群殴|互殴",
        "被困|困在|困人|关在电梯|卡在电梯",
        "自杀|跳楼|跳河|不想活|活不下去|轻生|割腕|喝农药|上吊",
        "溺水|落水|掉(进|到)?(河|水|塘)|被水冲走",
        "坍塌|塌陷|塌方|倒塌|塌了|滑坡",
        "触电|爆炸|流血|昏迷",
    )
)
# Violence or crime in progress: the police go first.
_POLICE_NOW = tuple(
    re.compile(pattern)
    for pattern in (
        "正在打|打起来|动刀|拿刀|持刀|动手了|在打人|打人了|要打人|拿棍|抄家伙|群殴|互殴",
        "正在偷|正在撬|正在砸|正在抢|抢劫",
    )
)
_DISPUTE_NOW = re.compile("正在吵|吵起来了|快来|快点来|赶紧来|马上来|现在就在|就在门口|闹起来了")
_PAST = re.compile("昨天|前天|昨晚|上周|上个月|去年|以前|之前|前几天|前段时间|上次|那次")
_PRESENT = re.compile("现在|今天|正在|还在|刚才|刚刚|这会|马上|快来")
# A danger feared, not happening: "怕小孩落水", "担心会着火".
_HYPOTHETICAL = re.compile("怕|担心|万一|防止|以免|容易|会不会|小心|预防|隐患|安全吗")


@dataclass(frozen=True)
class RuleHits:
    """What the rules found in one text."""

    codes: tuple[str, ...]  # subcategories whose cues fire, in priority order
    threat: bool  # a non-negated threat cue, generic or specific
    urgent_now: bool  # danger to life or property happening now
    police_now: bool  # violence or crime in progress
    dispute_now: bool  # a quarrel going on right now
    negated_spans: tuple[tuple[int, int], ...]  # cue occurrences a negation governs


@cache
def _cue_patterns() -> tuple[tuple[str, CategoryGroup, re.Pattern[str]], ...]:
    # One alternation per subcategory: one scan of the text instead of one per cue.
    return tuple(
        (sub.code, sub.group, re.compile("|".join(f"(?:{cue})" for cue in sub.cues)))
        for sub in all_subcategories()
        if sub.cues
    )


def is_negated(text: str, start: int) -> bool:
    """Whether a negation governs the word that starts at ``start``."""
    # Only the last few characters can hold a governing negation (its reach is short).
    before = text[max(clauses.clause_start(text, start), start - 3 * _NEGATION_REACH) : start]
    negations = list(_NEGATION.finditer(before))
    if not negations:
        return False
    gap = before[negations[-1].end() :]
    return len(gap) <= _NEGATION_REACH and not _SCOPE_BREAK.search(gap)


def _fires(text: str, pattern: re.Pattern[str], negated: list[tuple[int, int]]) -> bool:
    fired = False
    for match in pattern.finditer(text):
        if is_negated(text, match.start()):
            negated.append(match.span())
        else:
            fired = True
    return fired


def _any_fires(text: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    return any(_fires(text, pattern, []) for pattern in patterns)


def find(text: str) -> RuleHits:
    negated: list[tuple[int, int]] = []
    codes: list[str] = []
    threat = _any_fires(text, _GENERIC_THREAT)
    for code, group, pattern in _cue_patterns():
        if _fires(text, pattern, negated):
            codes.append(code)
            threat = threat or group is CategoryGroup.EXTREME_THREAT
    return RuleHits(
        codes=tuple(codes),
        threat=threat,
        urgent_now=_happening(text, _URGENT_NOW),
        police_now=_happening(text, _POLICE_NOW),
        dispute_now=_any_fires(text, (_DISPUTE_NOW,)),
        negated_spans=tuple(sorted(set(negated))),
    )


def _happening(text: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    if is_past(text):
        return False
    return any(
        not is_negated(text, match.start()) and not _feared(text, match.start())
        for pattern in patterns
        for match in pattern.finditer(text)
    )


def _feared(text: str, start: int) -> bool:
    return bool(_HYPOTHETICAL.search(text, clauses.clause_start(text, start), start))


def is_hypothetical(text: str) -> bool:
    """The text speaks of a risk feared ("怕", "担心", "隐患"), not of harm being done."""
    return bool(_HYPOTHETICAL.search(text))


def is_past(text: str) -> bool:
    """The text tells of something over and done ("昨晚打过架"), nothing happening now."""
    return bool(_PAST.search(text)) and not _PRESENT.search(text)


def without_negated(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """The text with negated cues cut out, so the model does not read them as claims either."""
    kept, position = [], 0
    for start, end in spans:
        if start > position:
            kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return "".join(kept)
