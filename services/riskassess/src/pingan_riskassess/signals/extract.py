"""What a call says that the group rules join on, read from its text: the employer, site or
estate it names, words of collective action, and the number of people it reports gathered.

Pure and deliberately plain: intake classifies and detects threats; this only finds the keys
that let riskassess count callers about one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Suffixes that end the name of an employer, a site or an estate, longest first.
EMPLOYER_SUFFIXES = ("有限公司", "公司", "厂", "集团", "项目部", "工地", "酒店", "超市")
PLACE_SUFFIXES = ("小区", "花园", "家园", "新村", "广场", "市场", "医院", "学校")
_SUFFIX = re.compile("|".join(map(re.escape, (*EMPLOYER_SUFFIXES, *PLACE_SUFFIXES))))
# Words a name does not start with: what precedes it in a sentence.
_BEFORE_WORDS = "的在是到去向对被跟和与给了们我他她你从就要把让说也还都又才再来"
_BEFORE_NAME = re.compile(rf".*(?:[{_BEFORE_WORDS}，。、；：！？\s])")
_NAME_CHARS = 8

_NUMBER = r"(\d+|[一二两三四五六七八九十百千]+)"
_HEADCOUNT = re.compile(_NUMBER + r"\s*(?:多|余|来)?\s*(?:个)?\s*(?:人|名|位)")
_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}


def place_key(text: str) -> tuple[str, str] | None:
    """The first employer or place the text names, as (kind, name): ("employer", "鑫达电子厂")."""
    for match in _SUFFIX.finditer(text):
        before = text[max(0, match.start() - _NAME_CHARS) : match.start()]
        stem = _BEFORE_NAME.sub("", before)
        if len(stem) < 2:
            continue
        suffix = match.group()
        following = _SUFFIX.match(text, match.end())  # 阳光花园小区: the name goes on
        if following is not None:
            suffix += following.group()
        kind = "employer" if following is None and suffix in EMPLOYER_SUFFIXES else "place"
        if following is not None and following.group() in EMPLOYER_SUFFIXES:
            kind = "employer"
        return kind, stem + suffix
    return None


def has_any(text: str, words: Iterable[str]) -> bool:
    return any(word in text for word in words)


def headcount(text: str, gathering_words: Iterable[str]) -> int | None:
    """The largest number of people the text reports, when it speaks of a gathering."""
    if not has_any(text, gathering_words):
        return None
    numbers = [_number(m.group(1)) for m in _HEADCOUNT.finditer(text)]
    counts = [n for n in numbers if n is not None]
    return max(counts) if counts else None


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for char in token:
        if char in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[char]
        elif char in _CHINESE_UNITS:
            total += (current or 1) * _CHINESE_UNITS[char]
            current = 0
        else:
            return None
    return total + current
