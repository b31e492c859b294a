"""Where a ticket happened: explicit grid code, then lon/lat, then words in the address."""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.geo import GridLocator
from pingan_common.refdata import CountyData


@dataclass(frozen=True)
class ResolvedPlace:
    grid_code: str | None
    village_code: str | None
    township_code: str | None
    area_code: str
    resolved: bool


class PlaceResolver:
    def __init__(self, county: CountyData) -> None:
        self._county = county
        self._locator = GridLocator.from_county(county)
        self._names = _gazetteer(county)

    def resolve(
        self,
        *,
        grid_code: str | None = None,
        lon: float | None = None,
        lat: float | None = None,
        address: str | None = None,
    ) -> ResolvedPlace:
        if grid_code:
            return self._from_code(grid_code, resolved=True)
        if lon is not None and lat is not None:
            grid = self._locator.locate(lon, lat)
            if grid is not None:
                return self._from_code(grid.code, resolved=True)
        if address:
            code = self._match_address(address)
            if code is not None:
                return self._from_code(code, resolved=False)
        return ResolvedPlace(None, None, None, self._county.county.code, resolved=False)

    def known_grid(self, code: str) -> bool:
        area = self._county.area(code)
        return area is not None and area.level == "grid"

    def _from_code(self, code: str, *, resolved: bool) -> ResolvedPlace:
        by_level = {area.level: area.code for area in self._county.area_path(code)}
        return ResolvedPlace(
            grid_code=by_level.get("grid"),
            village_code=by_level.get("village"),
            township_code=by_level.get("township"),
            area_code=code,
            # Only a grid is precise enough for a grid worker to go and look.
            resolved=resolved and "grid" in by_level,
        )

    def _match_address(self, address: str) -> str | None:
        """The longest known name in the address wins (村 names are longer than 镇 aliases)."""
        hits = [(len(name), code) for name, code in self._names if name in address]
        return max(hits)[1] if hits else None


def _gazetteer(county: CountyData) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    for area in [*county.townships, *county.villages]:
        names.append((area.name, area.code))
        names.extend((alias, area.code) for alias in area.aliases if len(alias) >= 2)
    names.extend((road.name, road.village_code or road.township_code) for road in county.roads)
    return names
