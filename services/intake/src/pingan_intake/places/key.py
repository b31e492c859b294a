"""One place, however it is written: the normalised key estate + building [+ unit] (pure).

"翠湖名苑7幢1单元", "翠湖名苑小区7号楼", "翠湖名苑七栋一单元301" and "翠湖名苑7-1-301" all name
building 7 of 翠湖名苑; their keys are ``翠湖名苑|7|1``, ``翠湖名苑|7|``, ``翠湖名苑|7|1`` and
``翠湖名苑|7|1``. A bare "7-1-301" has no estate: ``|7|1``. The room is not part of the key: a
gas smell in a stairwell is reported from every flat of it.

Two keys *conflict* when a part both have differs (building 3 and building 7 of one estate are
two places, whatever the grid or the distance says); they *agree* when nothing conflicts and
they share a building. Where the estate is missing on one side, the rest of the place (grid,
point) must say that it is the same estate: the duplicate rules do that.

Without an estate, the community stands in when a building is named (people name a community
after its housing estate: 幸福小区3幢), and a road's house number does too (人民路88号3单元).
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan_intake.places.address import ParsedAddress

__all__ = ["PlaceKey", "place_key"]

_SEPARATOR = "|"
MAX_KEY_LENGTH = 120  # the ticket column; a longer "estate" is not a name anyone says


@dataclass(frozen=True)
class PlaceKey:
    estate: str | None
    building: str | None
    unit: str | None = None

    @property
    def text(self) -> str:
        """As stored on the ticket: ``翠湖名苑|7|1``."""
        return _SEPARATOR.join(part or "" for part in (self.estate, self.building, self.unit))

    @classmethod
    def from_text(cls, text: str | None) -> PlaceKey | None:
        if not text:
            return None
        parts = text.split(_SEPARATOR)
        if len(parts) != 3:
            return None
        estate, building, unit = (part or None for part in parts)
        return cls(estate, building, unit)

    def describe(self) -> str:
        """In words, for the operator: 翠湖名苑7栋1单元."""
        building = f"{self.building}栋" if self.building else ""
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.estate or ''}{building}{unit}"

    def conflicts_with(self, other: PlaceKey) -> bool:
        """Some part both name differs: two places."""
        return any(
            mine is not None and theirs is not None and mine != theirs
            for mine, theirs in (
                (self.estate, other.estate),
                (self.building, other.building),
                (self.unit, other.unit),
            )
        )

    def same_building(self, other: PlaceKey) -> bool:
        """Nothing conflicts and both name the same building."""
        return (
            self.building is not None
            and self.building == other.building
            and not self.conflicts_with(other)
        )

    def same_estate(self, other: PlaceKey) -> bool:
        return self.estate is not None and self.estate == other.estate


def place_key(parsed: ParsedAddress) -> PlaceKey | None:
    """The key of a parsed address; None when it names neither an estate nor a building."""
    estate = parsed.estate
    if estate is None and parsed.building is not None:
        if parsed.road and parsed.number:
            estate = f"{parsed.road}{parsed.number}号"
        elif parsed.community:
            estate = parsed.community
    if estate is None and parsed.building is None:
        return None
    key = PlaceKey(estate, parsed.building, parsed.unit if parsed.building else None)
    return key if len(key.text) <= MAX_KEY_LENGTH else None
