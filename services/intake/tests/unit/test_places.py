"""Where a ticket happened, from the demo county's reference data (pure: no I/O)."""

from __future__ import annotations

import pytest

from pingan_common.refdata import Grid, load_county
from pingan_intake.places.resolver import PlaceResolver

COUNTY = load_county()
COUNTY_CODE = "331199"


@pytest.fixture(scope="module")
def places() -> PlaceResolver:
    return PlaceResolver(COUNTY)


def _grid(code: str) -> Grid:
    return next(grid for grid in COUNTY.grids if grid.code == code)


def _inside(grid: Grid) -> tuple[float, float]:
    point = grid.shape.representative_point()
    return point.x, point.y


def test_explicit_grid_code_wins_over_lon_lat_of_another_grid(places: PlaceResolver):
    lon, lat = _inside(_grid("33119900300101"))

    place = places.resolve(grid_code="33119900100101", lon=lon, lat=lat)

    assert place.grid_code == "33119900100101"
    assert place.area_code == "33119900100101"
    assert place.resolved is True


def test_grid_code_fills_in_its_village_and_township(places: PlaceResolver):
    place = places.resolve(grid_code="33119900100203")

    assert (place.township_code, place.village_code) == ("331199001", "331199001002")


@pytest.mark.parametrize("code", ["33119900100101", "33119900300101", "33119900700201"])
def test_lon_lat_inside_a_grid_resolves_to_that_grid(places: PlaceResolver, code: str):
    grid = _grid(code)
    lon, lat = _inside(grid)

    place = places.resolve(lon=lon, lat=lat)

    assert place.grid_code == code
    assert place.village_code == grid.village_code
    assert place.township_code == grid.township_code
    assert place.area_code == code
    assert place.resolved is True


def test_lon_lat_wins_over_the_address(places: PlaceResolver):
    lon, lat = _inside(_grid("33119900100101"))

    place = places.resolve(lon=lon, lat=lat, address="西湖镇湖滨路")

    assert place.grid_code == "33119900100101"


def test_township_name_in_the_address_locates_but_does_not_resolve(places: PlaceResolver):
    place = places.resolve(address="西湖镇政府门口")

    assert place.township_code == "331199003"
    assert place.village_code is None
    assert place.grid_code is None
    assert place.area_code == "331199003"
    assert place.resolved is False


@pytest.mark.parametrize(
    ("address", "village"),
    [("幸福社区3幢2单元", "331199001001"), ("人民路12号", "331199001001")],
)
def test_village_or_road_name_in_the_address_gives_the_village(
    places: PlaceResolver, address: str, village: str
):
    place = places.resolve(address=address)

    assert place.village_code == village
    assert place.township_code == village[:9]
    assert place.area_code == village
    assert place.grid_code is None
    assert place.resolved is False


def test_the_longest_name_in_the_address_wins(places: PlaceResolver):
    # 城关 (alias, 2 characters) and 城关街道 (4) both occur; 城关街道 is the better match.
    place = places.resolve(address="城关街道东门口")

    assert place.area_code == "331199001"


def test_lon_lat_outside_the_county_falls_back_to_the_address(places: PlaceResolver):
    place = places.resolve(lon=100.0, lat=30.0, address="西湖镇")

    assert place.area_code == "331199003"
    assert place.resolved is False


def test_nothing_known_gives_the_county_unresolved(places: PlaceResolver):
    place = places.resolve()

    assert place.area_code == COUNTY_CODE
    assert (place.grid_code, place.village_code, place.township_code) == (None, None, None)
    assert place.resolved is False


@pytest.mark.parametrize(
    "where", [{"address": "火星基地"}, {"lon": 100.0, "lat": 30.0}, {"address": ""}]
)
def test_unknown_address_or_point_outside_gives_the_county_unresolved(
    places: PlaceResolver, where: dict
):
    place = places.resolve(**where)

    assert place.area_code == COUNTY_CODE
    assert place.resolved is False


def test_only_fourteen_digit_codes_of_this_county_are_known_grids(places: PlaceResolver):
    assert places.known_grid("33119900100101")
    assert not places.known_grid("33119900100199")  # well-formed, but no such grid
    assert not places.known_grid("331199001001")  # a village
    assert not places.known_grid(COUNTY_CODE)
