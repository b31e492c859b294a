"""The county's place names as people say them (pure: no I/O)."""

from __future__ import annotations

import pytest

from pingan_common.refdata import load_county
from pingan_intake.places.gazetteer import build_gazetteer
from pingan_intake.places.resolver import PlaceResolver, match_address

COUNTY = load_county()
NAMES = build_gazetteer(COUNTY)


def test_every_name_points_at_an_area_of_the_county():
    assert all(COUNTY.area(place.code) is not None for place in NAMES)
    assert len({place.name for place in NAMES}) == len(NAMES)


def test_every_township_village_and_road_is_known_by_its_official_name():
    names = {place.name: place.code for place in NAMES}
    for area in [*COUNTY.townships, *COUNTY.villages]:
        assert names[area.name] == area.code
    for road in COUNTY.roads:
        assert names[road.name] == road.village_code


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("城关镇人民政府", "331199001"),  # the old name of 城关街道
        ("城关", "331199001"),
        ("幸福小区3幢", "331199001001"),  # community named by its housing estate
        ("幸福社区3幢", "331199001001"),
        ("湖头村委门口", "331199003002"),
        ("县人民医院急诊楼", "33119900100403"),  # a named place: the grid it lies in
        ("翠湖小区7号楼", "33119900100103"),  # an estate by its alias
        ("朝阳大道与滨江路口", "331199002002"),  # two roads: the longer name
        ("西湖镇西湖社区", "331199003001"),  # community inside the named township
        ("西湖镇人民路", "331199003"),  # road of another township: the township named wins
        ("大路上有个大坑", None),  # 大路村's bare alias is a common word
        ("幸福的生活", None),
        ("北京市朝阳区", None),  # another city's 朝阳 is not our 朝阳社区
    ],
)
def test_address_text_resolves_to_the_most_specific_consistent_area(address, code):
    assert match_address(NAMES, address) == code


def test_an_address_match_is_located_but_left_for_the_dispatcher():
    place = PlaceResolver(COUNTY).resolve(address="幸福小区门口垃圾桶满了")

    assert (place.township_code, place.village_code) == ("331199001", "331199001001")
    assert place.grid_code is None
    assert place.resolved is False


def test_every_place_of_the_county_is_known_by_name_and_alias_at_its_grid():
    names = {place.name: place.code for place in NAMES}
    for place in COUNTY.places:
        for name in (place.name, *place.aliases):
            assert names[name] == place.grid_code, name


def test_an_estate_named_in_the_address_resolves_to_its_grid():
    place = PlaceResolver(COUNTY).resolve(address="翠湖名苑7幢1单元")

    assert place.grid_code == "33119900100103"
    assert place.resolved is True
    assert place.key is not None and place.key.text == "翠湖名苑|7|1"
