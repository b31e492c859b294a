"""The demo county's place names, as people say them, mapped to area codes.

Built from the official reference data (``pingan_common.refdata``: township, village/community
and road names with their aliases) plus forms people use that the data lacks:

- townships: 城关街道 also as 城关 / 城关镇 (refdata aliases), 西湖镇 as 西湖;
- communities: 幸福社区 also as 幸福小区 (people name a community after its housing estate);
- villages: 湖头村 also as 湖头村委;
- roads: 人民路 → its village; landmarks and abbreviations from ``data/gazetteer.json``.

Bare two-character village aliases (幸福, 大路, 和平, 石门) are left out on purpose: in free text
they are ordinary words far more often than places ("大路上有个坑").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files

from pingan_common.refdata import Area, CountyData


@dataclass(frozen=True)
class PlaceName:
    name: str
    code: str
    kind: str  # "township", "village", "road" or "landmark"


def build_gazetteer(county: CountyData) -> list[PlaceName]:
    names: list[PlaceName] = []
    for township in county.townships:
        names.extend(PlaceName(n, township.code, "township") for n in _township_names(township))
    for village in county.villages:
        names.extend(PlaceName(n, village.code, "village") for n in _village_names(village))
    for road in county.roads:
        names.append(PlaceName(road.name, road.village_code or road.township_code, "road"))
    names.extend(_extra_names(county))
    return _unique(names)


def _township_names(township: Area) -> list[str]:
    return [township.name, *(alias for alias in township.aliases if len(alias) >= 2)]


def _village_names(village: Area) -> list[str]:
    names = [village.name]
    names.extend(alias for alias in village.aliases if len(alias) >= 3)
    if village.name.endswith("社区"):
        names.append(village.name.removesuffix("社区") + "小区")
    if village.name.endswith("村"):
        names.append(village.name + "委")
    return names


def _extra_names(county: CountyData) -> list[PlaceName]:
    text = files("pingan_intake").joinpath("data", "gazetteer.json").read_text("utf-8")
    names = []
    for entry in json.loads(text)["aliases"]:
        if county.area(entry["code"]) is None:
            raise ValueError(f"gazetteer alias {entry['name']}: no area {entry['code']}")
        names.append(PlaceName(entry["name"], entry["code"], "landmark"))
    return names


def _unique(names: list[PlaceName]) -> list[PlaceName]:
    """One entry per name; a name given to two places is ambiguous and dropped."""
    codes: dict[str, set[str]] = {}
    for place in names:
        codes.setdefault(place.name, set()).add(place.code)
    seen: set[str] = set()
    unique = []
    for place in names:
        if len(codes[place.name]) == 1 and place.name not in seen:
            seen.add(place.name)
            unique.append(place)
    return unique
