"""A Chinese street address split into its parts, down to the room (pure: no I/O).

    parse_address("城关街道人民路88号翠湖名苑7幢1单元301室")
    → township 城关街道, road 人民路, number 88, estate 翠湖名苑, building 7, unit 1, room 301

It reads left to right, as addresses are written: township (街道/镇/乡), community or village
(社区/村), road and house number (路/街/大道/巷 + 号), estate (小区 and the names estates take:
…苑, …花园, …家园, …新村), building (7栋, 7幢, 7号楼, 7座, 7#, the first part of "7-1-301"),
unit (单元) and room (室, or the bare number after the unit). Chinese numerals before a marker
are read as numbers (七栋一单元 = 7栋1单元), full-width characters folded (７－１－３０１).

An estate it has never heard of is still found: whatever stands between the areas and the
building number is the estate ("阳光水岸7幢" → 阳光水岸), and without a building number a name
ending like an estate is one ("金色家园小区门口" → 金色家园). A lexicon of the county's own names
(``AddressLexicon``) is optional: with it, known names win over the patterns and aliases are
folded to one name (翠湖小区 → 翠湖名苑).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["AddressLexicon", "ParsedAddress", "chinese_number", "normalise", "parse_address"]


@dataclass(frozen=True)
class ParsedAddress:
    township: str | None = None
    community: str | None = None
    group: str | None = None  # a village's group (村民小组): 湖头村3组 → "3"
    road: str | None = None
    number: str | None = None  # the house number on the road, without 号
    estate: str | None = None
    building: str | None = None  # "7", or a letter: "B"
    unit: str | None = None
    room: str | None = None
    rest: str = ""  # what followed the last part read ("楼道里", "门口")


@dataclass(frozen=True)
class AddressLexicon:
    """Known names by part, each mapped to its canonical spelling."""

    townships: dict[str, str] = field(default_factory=dict)
    communities: dict[str, str] = field(default_factory=dict)
    roads: dict[str, str] = field(default_factory=dict)
    estates: dict[str, str] = field(default_factory=dict)

    def longest_at(self, text: str, pos: int) -> tuple[str, str, int] | None:
        """(part, canonical name, length) of the longest known name starting at pos."""
        best: tuple[str, str, int] | None = None
        for part, names in (
            ("township", self.townships),
            ("community", self.communities),
            ("road", self.roads),
            ("estate", self.estates),
        ):
            for name, canonical in names.items():
                if text.startswith(name, pos) and (best is None or len(name) > best[2]):
                    best = (part, canonical, len(name))
        return best


EMPTY_LEXICON = AddressLexicon()

# --- numbers ------------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN = "零〇一二两三四五六七八九十百"


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23, 一百零五 → 105, 三零一 → 301 (read digit by digit)."""
    if not text or any(c not in _CN for c in text):
        return None
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGITS[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[char]
    return total + current


# Chinese numerals standing before a marker of a part: 七栋, 一单元, 三零一室, 二期, 五楼.
_CN_BEFORE_MARKER = re.compile(f"([{_CN}]+)(?=栋|幢|号楼|号|单元|室|期|座|楼|层|组|区)")
# ...and a room number spelt out after a unit: 一单元三零一.
_CN_ROOM_AFTER_UNIT = re.compile(f"(?<=单元)([{_CN}]{{3,4}})")
_SEPARATORS = re.compile(r"[\s,，、;；:：()（）\[\]【】\"'“”‘’]+")
_DASHES = re.compile(r"[－—–~～_]")


def normalise(text: str) -> str:
    """Full-width folded, separators removed, dashes made "-", Chinese numerals before a
    marker written as digits."""
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text)
    text = _SEPARATORS.sub("", text).upper()

    def digits(match: re.Match[str]) -> str:
        value = chinese_number(match.group(1))
        return str(value) if value is not None else match.group(1)

    text = _CN_BEFORE_MARKER.sub(digits, text)
    return _CN_ROOM_AFTER_UNIT.sub(digits, text)


# --- the parts ----------------------------------------------------------------------------------

_HAN = r"[\u4e00-\u9fff]"
_NAME = r"[\u4e00-\u9fffA-Z0-9]"
_LEADING = re.compile(r"^(?:地址是?|住址是?|位于|住在|我家在|家住|就在|在)")
# Province, city and county before the township: read past, not kept (one county's platform).
_PROVINCE_CITY = re.compile(rf"(?:{_HAN}{{2,7}}?省)?({_HAN}{{2,7}}?市)?")
_COUNTY = re.compile(rf"{_HAN}{{1,6}}?县")
_DISTRICT = re.compile(rf"{_HAN}{{1,4}}?区(?!街道)")  # only right after a city: 杭州市西湖区
_TOWNSHIP = re.compile(rf"{_HAN}{{2,6}}?(?:街道办事处|街道办|街道|镇|乡)")
# A village or community; XX新村 is an estate, not a village.
_COMMUNITY = re.compile(rf"{_HAN}{{2,6}}?(?:社区居委会|社区|居委会|村委会|村委|(?<!新)村)")
_ROAD = re.compile(rf"{_HAN}{{1,8}}?(?:大道|大街|路|街|巷)(?![道灯面口边])")
_PHASE = re.compile(r"\d+期|[A-Z东南西北]区(?=\d)")
_FILLER_BEFORE_BUILDING = re.compile(r"(?:内|里|的)?第?(?=\d)")
_VILLAGE_GROUP = re.compile(r"(\d+)(?:组|队)")
_HOUSE_NUMBER = re.compile(r"(\d+)(?:号|弄)(?!楼)")
# A building: 7栋, 7幢, 7号楼, 7座, 7#楼, 7#, B座, B栋; the "7-1-301" forms are read apart.
_BUILDING = re.compile(r"(\d+|[A-Z])(?:号楼|栋|幢|座|#楼?|号)")
_DASHED = re.compile(r"(\d+)-(\d+)(?:-(\d+))?")
_UNIT = re.compile(r"(\d+|[东西南北中])单元")
_FLOOR = re.compile(r"(\d+)(?:楼|层)(?!道|梯|下|上|顶)")
_ROOM = re.compile(r"(\d{1,5})(?:室|房|号房|号)|(\d{3,5})(?!\d)")
_ROOM_AFTER_DASH = re.compile(r"-(\d{1,5})(?:室|号)?")
# Words estates are named with, for an estate without a building number.
_ESTATE = re.compile(
    rf"({_NAME}{{2,10}}?"
    r"(?:小区|花园|家园|新村|公寓|山庄|大厦|公馆|名苑|名邸|华庭|华府|佳苑|花苑|嘉园|新苑|新城|广场"
    r"|[苑园庭府湾邸]))(?:小区)?"
)
_ESTATE_SUFFIX = "小区"


def parse_address(text: str, lexicon: AddressLexicon = EMPTY_LEXICON) -> ParsedAddress:
    """The parts of an address; parts it does not find are None."""
    s = normalise(text)
    s = _LEADING.sub("", s)
    s = _past_region(s)
    parts: dict[str, str] = {}
    pos = _areas(s, 0, parts, lexicon)
    pos = _estate_and_building(s, pos, parts, lexicon)
    return ParsedAddress(**parts, rest=s[pos:])


def _past_region(s: str) -> str:
    """Province, city and county (or a city's district) read past: one county's platform."""
    region = _PROVINCE_CITY.match(s)
    pos = region.end() if region else 0
    county = _COUNTY.match(s, pos)
    if county is None and region is not None and region.group(1):
        county = _DISTRICT.match(s, pos)
        if county is None and "省" not in region.group():
            return s  # a "city" with no province before nor district after is a name: 万科城市花园
    return s[county.end() if county else pos :]


def _areas(s: str, pos: int, parts: dict[str, str], lexicon: AddressLexicon) -> int:
    """Township, community, road and house number, in any order, each at most once."""
    while pos < len(s):
        known = lexicon.longest_at(s, pos)
        if known is not None and known[0] not in parts:
            part, name, length = known
            if part == "estate":
                return pos  # the estate is read with its building
            parts[part] = name
            pos += length
            if part == "road":
                pos = _house_number(s, pos, parts)
            elif part == "community" and (group := _VILLAGE_GROUP.match(s, pos)) is not None:
                parts["group"] = group.group(1)
                pos = group.end()
            continue
        step = _generic_area(s, pos, parts)
        if step == pos:
            return pos
        pos = step
    return pos


def _generic_area(s: str, pos: int, parts: dict[str, str]) -> int:
    for part, pattern in (("township", _TOWNSHIP), ("community", _COMMUNITY), ("road", _ROAD)):
        if part in parts:
            continue
        match = pattern.match(s, pos)
        if match is None:
            continue
        after = match.end()
        if part == "community":
            group = _VILLAGE_GROUP.match(s, after)  # 湖头村3组
            if group is not None:
                parts[part], parts["group"] = match.group(), group.group(1)
                return group.end()
        parts[part] = match.group()
        return _house_number(s, after, parts) if part == "road" else after
    return pos


def _house_number(s: str, pos: int, parts: dict[str, str]) -> int:
    match = _HOUSE_NUMBER.match(s, pos)
    if match is None or "number" in parts:
        return pos
    # "人民路88号翠湖名苑": 88 is the house number; "人民路7号楼" would be a building.
    parts["number"] = match.group(1)
    return match.end()


def _estate_and_building(s: str, pos: int, parts: dict[str, str], lexicon: AddressLexicon) -> int:
    known = lexicon.longest_at(s, pos)
    if known is not None and known[0] == "estate":
        parts["estate"] = known[1]
        pos += known[2]
        if s.startswith(_ESTATE_SUFFIX, pos):
            pos += len(_ESTATE_SUFFIX)
        phase = _PHASE.match(s, pos)
        if phase is not None:  # 金色家园二期, 锦绣华庭B区: another phase is another estate
            parts["estate"] += phase.group()
            pos = phase.end()
        filler = _FILLER_BEFORE_BUILDING.match(s, pos)  # 小区内3幢, 第3栋
        return _building(s, filler.end() if filler else pos, parts, after_estate=True)
    # An estate nobody told us of: the name before the building number, if there is one.
    building = _first_building(s, pos)
    if building is not None and building > pos:
        name = _estate_name(s[pos:building], parts)
        if name:
            parts["estate"] = name
        return _building(s, building, parts, after_estate=True)
    if building == pos:
        return _building(s, pos, parts, after_estate=False)
    number = _HOUSE_NUMBER.match(s, pos)
    if number is not None and "number" not in parts:
        parts["number"] = number.group(1)  # 湖头村3组12号
        return number.end()
    match = _ESTATE.match(s, pos)
    if match is not None:
        parts["estate"] = _estate_name(match.group(1), parts) or match.group(1)
        return _building(s, match.end(), parts, after_estate=True)
    return pos


def _first_building(s: str, pos: int) -> int | None:
    """Where the first building number (or dashed form) starts, if any."""
    starts = [m.start() for m in (_BUILDING.search(s, pos), _DASHED.search(s, pos)) if m]
    return min(starts) if starts else None


# Where an estate's name ends when words about the spot follow it: 翠湖名苑小区门口3号.
_AFTER_ESTATE = re.compile(r"小区|门口|旁边|对面|附近|楼下|里面|[东南西北]门|[东南西北]区(?!\d)")


def _estate_name(raw: str, parts: dict[str, str]) -> str | None:
    cut = _AFTER_ESTATE.search(raw, 2)
    name = raw[: cut.start()] if cut else raw
    name = name.removesuffix("的").removesuffix(_ESTATE_SUFFIX)
    if not name and raw:
        # "幸福路小区7栋": the estate is named after its road.
        return (parts.get("road") or "") + _ESTATE_SUFFIX if parts.get("road") else None
    if not name or not re.fullmatch(f"{_NAME}+", name):
        return None
    return name


def _building(s: str, pos: int, parts: dict[str, str], *, after_estate: bool) -> int:
    """Building, unit and room from pos; the dashed forms 7-1-301, 7-301, 7-1."""
    dashed = _DASHED.match(s, pos)
    if dashed is not None:
        first, second, third = dashed.groups()
        parts["building"] = first
        if third is not None:
            parts["unit"], parts["room"] = second, third
        elif len(second) >= 3:
            parts["room"] = second  # 7-301: building and room
        else:
            parts["unit"] = second
        return _skip(s, dashed.end(), "室号")
    building = _BUILDING.match(s, pos)
    if building is None:
        return pos
    if building.group().endswith("号") and not after_estate:
        # A bare "12号" without an estate is a house number, not a building.
        if "number" not in parts:
            parts["number"] = building.group(1)
            return building.end()
        return pos
    parts["building"] = building.group(1)
    pos = building.end()
    return _unit_and_room(s, pos, parts)


def _unit_and_room(s: str, pos: int, parts: dict[str, str]) -> int:
    unit = _UNIT.match(s, pos)
    if unit is not None:
        parts["unit"] = unit.group(1)
        pos = unit.end()
    dashed = _DASHED.match(s, pos)
    if dashed is not None and "unit" not in parts and dashed.group(3) is None:
        # 7栋1-301: unit 1, room 301.
        parts["unit"], parts["room"] = dashed.group(1), dashed.group(2)
        return _skip(s, dashed.end(), "室号")
    floor = _FLOOR.match(s, pos)
    if floor is not None:
        pos = floor.end()
    room = _ROOM.match(s, pos)
    if room is not None:
        parts["room"] = room.group(1) or room.group(2)
        pos = room.end()
    return pos


def _skip(s: str, pos: int, chars: str) -> int:
    return pos + 1 if pos < len(s) and s[pos] in chars else pos
