"""Where clauses and sentences begin and end, found once per text (bisect, not a rescan per
match: a 4,000-character text with a cue in every clause must stay a few milliseconds)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

CLAUSE_END = re.compile(r"[，。,.;；!！?？、\s…~～]+")
SENTENCE_END = re.compile(r"[。!！?？\n]+")


@lru_cache(maxsize=16)
def _marks(text: str, pattern: re.Pattern[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(starts, ends) of the punctuation runs in ``text``."""
    runs = [m.span() for m in pattern.finditer(text)]
    return tuple(s for s, _ in runs), tuple(e for _, e in runs)


def bounds(text: str, position: int, pattern: re.Pattern[str] = CLAUSE_END) -> tuple[int, int]:
    """(start, end) of the clause (or, with SENTENCE_END, the sentence) around ``position``."""
    starts, ends = _marks(text, pattern)
    before = bisect_right(ends, position) - 1
    start = ends[before] if before >= 0 else 0
    after = bisect_left(starts, position)
    end = starts[after] if after < len(starts) else len(text)
    return start, end


def clause_start(text: str, position: int) -> int:
    return bounds(text, position)[0]
