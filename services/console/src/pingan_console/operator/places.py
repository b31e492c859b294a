"""Place suggestions while the operator types: the county's named places and roads that the
description or the address mentions, from the shared reference data (public places only).

Intake still locates the ticket when it is registered (its resolver is the authority, and it
has no suggestion route of its own): accepting a named place fills the address and its grid,
which intake takes as the location; a road gives the address and its village only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.refdata import CountyData

KIND_LABELS = {
    "estate": "小区",
    "market": "市场",
    "school": "学校",
    "hospital": "医院",
    "factory": "工厂",
    "construction_site": "工地",
    "road": "道路",
}
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class PlaceSuggestion:
    name: str
    kind: str
    address: str  # what the address field is filled with
    grid_code: str | None
    area_code: str  # the grid, or the road's village

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def suggest_places(county: CountyData, *texts: str) -> list[PlaceSuggestion]:
    """Named places first (they give a grid), then roads; the earliest mention first."""
    text = " ".join(t for t in texts if t)
    if not text.strip():
        return []
    found: list[tuple[int, int, PlaceSuggestion]] = []
    for place in county.places:
        at = _first_mention(text, [place.name, *place.aliases])
        if at is not None:
            address = f"{place.address}{place.name}" if place.address else place.name
            suggestion = PlaceSuggestion(
                place.name, place.kind, address, place.grid_code, place.grid_code
            )
            found.append((0, at, suggestion))
    seen_roads: set[str] = set()
    for road in county.roads:
        at = _first_mention(text, [road.name])
        if at is not None and road.name not in seen_roads:
            seen_roads.add(road.name)
            found.append(
                (1, at, PlaceSuggestion(road.name, "road", road.name, None, road.village_code))
            )
    found.sort(key=lambda item: (item[0], item[1]))
    return [suggestion for _, _, suggestion in found[:MAX_SUGGESTIONS]]


def _first_mention(text: str, names: list[str]) -> int | None:
    positions = [text.find(name) for name in names if len(name) >= 2 and name in text]
    return min(positions) if positions else None
