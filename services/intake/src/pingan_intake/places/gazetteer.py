"""The demo county's place names, as people say them, mapped to area codes.

Built from the official reference data (``pingan_common.refdata``: township, village/community
and road names with their aliases) plus forms people use that the data lacks:

- townships: 城关街道 also as 城关 / 城关镇 (refdata aliases), 西湖镇 as 西湖;
- communities: 幸福社区 also as 幸福小区 (people name a community after its housing estate);
- villages: 湖头村 also as 湖头村委;
- roads: 人民路 → its village; landmarks and abbreviations from ``data/gazetteer.json``;
- named places (``places.json`` of the refdata: estates 小区, markets, schools, hospitals,
  factories, construction sites) → the grid they lie in, by name and aliases.

``address_lexicon`` gives the address parser the same names by part (township, community,
road, estate), each folded to its official spelling.

Bare two-character village aliases (幸福, 大路, 和平, 石门) are left out on purpose: in free text
they are ordinary words far more often than places ("大路上有个坑").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files

from pingan_common.refdata import Area, CountyData
from pingan_intake.places.address import AddressLexicon


@dataclass(frozen=True)
class PlaceName:
    name: str
    code: str
    kind: str  # "township", "village", "road", "landmark", or a place kind ("estate", …)


def build_gazetteer(county: CountyData) -> list[PlaceName]:
    names: list[PlaceName] = []
    for township in county.townships:
        names.extend(PlaceName(n, township.code, "township") for n in _township_names(township))
    for village in county.villages:
        names.extend(PlaceName(n, village.code, "village") for n in _village_names(village))
    for road in county.roads:
        names.append(PlaceName(road.name, road.village_code or road.township_code, "road"))
    for place in county.places:
        names.extend(
            PlaceName(n, place.grid_code, place.kind) for n in (place.name, *place.aliases)
        )
    names.extend(_extra_names(county))
    return _unique(names)


def address_lexicon(county: CountyData) -> AddressLexicon:
    """The county's names for the address parser. Bare short aliases (城关, 西湖) are left out:
    at the start of an address they are as often the first characters of an estate's name
    (西湖人家) as the township."""
    townships = {t.name: t.name for t in county.townships}
    townships |= {a: t.name for t in county.townships for a in t.aliases if len(a) >= 3}
    communities = {v.name: v.name for v in county.villages}
    for village in county.villages:
        for name in _village_names(village):
            if len(name) >= 3:
                communities.setdefault(name, village.name)
    roads = {r.name: r.name for r in county.roads}
    estates = {n: p.name for p in county.places for n in (p.name, *p.aliases)}
    return AddressLexicon(townships, communities, roads, estates)


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
    """One entry per name; a name given to two places is ambiguous and dropped (a name given to
    an area and to a place inside it keeps the place: it says more)."""
    codes: dict[str, set[str]] = {}
    for place in names:
        codes.setdefault(place.name, set()).add(place.code)
    chosen: dict[str, str] = {}
    for name, found in codes.items():
        finest = max(found, key=len)
        if all(finest.startswith(code) for code in found):
            chosen[name] = finest
    seen: set[str] = set()
    unique = []
    for place in names:
        if chosen.get(place.name) == place.code and place.name not in seen:
            seen.add(place.name)
            unique.append(place)
    return unique
