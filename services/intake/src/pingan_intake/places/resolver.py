"""Where a ticket happened: explicit grid code, then lon/lat, then words in the address.

Only a grid is precise enough for a grid worker to go and look, so only a grid code, a point
inside a grid or a named place that lies in one grid (an estate, a market, a school…) marks the
place ``resolved``; other words of an address give the township or village (the dispatcher
locates the rest) and an unknown place leaves the ticket at the county level.

Whatever located it, the address is also parsed (``places.address``) into its normalised place
key, estate + building [+ unit] (``places.key``), which the duplicate rules compare.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pingan_common.geo import GridLocator
from pingan_common.refdata import CountyData
from pingan_intake.places.address import parse_address
from pingan_intake.places.gazetteer import PlaceName, address_lexicon, build_gazetteer
from pingan_intake.places.key import PlaceKey, place_key


@dataclass(frozen=True)
class ResolvedPlace:
    grid_code: str | None
    village_code: str | None
    township_code: str | None
    area_code: str
    resolved: bool
    key: PlaceKey | None = None


class PlaceResolver:
    def __init__(self, county: CountyData) -> None:
        self._county = county
        self._locator = GridLocator.from_county(county)
        self._names = build_gazetteer(county)
        self._lexicon = address_lexicon(county)

    def resolve(
        self,
        *,
        grid_code: str | None = None,
        lon: float | None = None,
        lat: float | None = None,
        address: str | None = None,
    ) -> ResolvedPlace:
        place = self._locate(grid_code=grid_code, lon=lon, lat=lat, address=address)
        return replace(place, key=self.key(address))

    def key(self, address: str | None) -> PlaceKey | None:
        """The normalised place key of an address (estate + building [+ unit]), if it has one."""
        return place_key(parse_address(address, self._lexicon)) if address else None

    def _locate(
        self, *, grid_code: str | None, lon: float | None, lat: float | None, address: str | None
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
                # A named place lies in one grid: precise enough to go and look.
                return self._from_code(code, resolved=True)
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
        return match_address(self._names, address)


TOWNSHIP_DIGITS = 9


def match_address(names: list[PlaceName], address: str) -> str | None:
    """The most specific area the address names, consistent with any township it names.

    "幸福社区3幢" → the community; "西湖镇政府门口" → the township; "西湖镇人民路" → the
    township (人民路 lies in another township: the explicit township wins, the dispatcher sorts
    it out); "城关街道东门口" → 城关街道 even though its alias 城关 also occurs.
    """
    hits = [place for place in names if place.name in address]
    townships = {p.code for p in hits if len(p.code) == TOWNSHIP_DIGITS}
    finer = [
        place
        for place in hits
        if len(place.code) > TOWNSHIP_DIGITS
        and (not townships or place.code[:TOWNSHIP_DIGITS] in townships)
    ]
    if finer:
        return max(finer, key=lambda p: (len(p.name), len(p.code))).code
    coarse = [place for place in hits if len(place.code) <= TOWNSHIP_DIGITS]
    return max(coarse, key=lambda p: len(p.name)).code if coarse else None
