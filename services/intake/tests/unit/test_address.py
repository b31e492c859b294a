"""The address parser and the place key (pure: no I/O)."""

from __future__ import annotations

import pytest

from pingan_common.refdata import load_county
from pingan_intake.places.address import ParsedAddress, chinese_number, parse_address
from pingan_intake.places.gazetteer import address_lexicon
from pingan_intake.places.key import PlaceKey, place_key

LEXICON = address_lexicon(load_county())


def _parts(text: str, **kwargs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    parsed = parse_address(text, **kwargs)
    return {k: v for k, v in vars(parsed).items() if v and k != "rest"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        *[("一", 1), ("七", 7), ("十", 10), ("十二", 12), ("二十三", 23), ("一百零五", 105)],
        *[("三零一", 301), ("两", 2), ("x", None), ("", None)],
    ],
)
def test_chinese_numbers(text: str, value: int | None):
    assert chinese_number(text) == value


def test_a_full_address_splits_into_every_part():
    assert _parts("城关街道幸福社区人民路88号翠湖名苑7幢1单元301室") == {
        "township": "城关街道",
        "community": "幸福社区",
        "road": "人民路",
        "number": "88",
        "estate": "翠湖名苑",
        "building": "7",
        "unit": "1",
        "room": "301",
    }


@pytest.mark.parametrize(
    ("text", "estate", "building", "unit", "room"),
    [
        ("翠湖名苑7幢1单元", "翠湖名苑", "7", "1", None),
        ("翠湖名苑7号楼", "翠湖名苑", "7", None, None),
        ("翠湖名苑七栋一单元301", "翠湖名苑", "7", "1", "301"),
        ("翠湖名苑小区7栋1单元301室", "翠湖名苑", "7", "1", "301"),
        ("翠湖名苑7-1-301", "翠湖名苑", "7", "1", "301"),
        ("翠湖名苑7栋1-301", "翠湖名苑", "7", "1", "301"),
        ("翠湖名苑7-301", "翠湖名苑", "7", None, "301"),
        ("翠湖名苑 ７－１－３０１", "翠湖名苑", "7", "1", "301"),
        ("翠湖名苑7#楼2单元", "翠湖名苑", "7", "2", None),
        ("翠湖名苑B座1203", "翠湖名苑", "B", None, "1203"),
        ("7-1-301", None, "7", "1", "301"),
        ("7号楼2单元", None, "7", "2", None),
    ],
)
def test_building_unit_and_room_in_every_spelling(text, estate, building, unit, room):
    parsed = parse_address(text)

    assert (parsed.estate, parsed.building, parsed.unit, parsed.room) == (
        estate,
        building,
        unit,
        room,
    )


@pytest.mark.parametrize(
    ("text", "estate"),
    [
        ("阳光水岸7幢2单元", "阳光水岸"),  # any name before a building number
        ("阳光100国际3栋", "阳光100国际"),
        ("锦江花园小区门口", "锦江花园"),  # no building: a name ending like an estate
        ("东方名邸北门", "东方名邸"),
        ("石油新村5幢", "石油新村"),  # 新村 is an estate, not a village
        ("金色家园二期七幢", "金色家园2期"),
    ],
)
def test_estates_it_has_never_seen_are_found(text: str, estate: str):
    assert parse_address(text).estate == estate


def test_what_follows_the_address_is_left_over():
    parsed = parse_address("翠湖名苑小区3号楼1楼楼道")

    assert (parsed.estate, parsed.building, parsed.rest) == ("翠湖名苑", "3", "楼道")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("人民路12号", {"road": "人民路", "number": "12"}),
        ("西湖镇政府门口", {"township": "西湖镇"}),
        ("湖头村3组12号", {"community": "湖头村", "group": "3", "number": "12"}),
        ("浙江省青山县城关街道府前路", {"township": "城关街道", "road": "府前路"}),
        (
            "浙江省杭州市西湖区蒋村街道文新路88号",
            {"township": "蒋村街道", "road": "文新路", "number": "88"},
        ),
    ],
)
def test_areas_roads_and_house_numbers(text: str, parts: dict[str, str]):
    assert _parts(text) == parts


def test_the_lexicon_folds_aliases_and_knows_the_county_names():
    assert _parts("翠湖小区7号楼", lexicon=LEXICON) == {"estate": "翠湖名苑", "building": "7"}
    # Without the lexicon 西湖人家 is still an estate (it starts like the township's alias).
    assert _parts("西湖人家3栋", lexicon=LEXICON) == {"estate": "西湖人家", "building": "3"}
    assert _parts("城关镇幸福小区3幢", lexicon=LEXICON) == {
        "township": "城关街道",
        "community": "幸福社区",
        "building": "3",
    }


def test_text_without_a_place_has_no_parts():
    assert parse_address("不知道在哪里") == ParsedAddress(rest="不知道在哪里")


# --- place key ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "翠湖名苑7幢1单元",
        "翠湖名苑七栋一单元301",
        "翠湖名苑7-1-301",
        "城关街道翠湖名苑小区7号楼1单元402室",
        "翠湖名苑 7栋 1单元",
    ],
)
def test_every_spelling_of_one_stairwell_has_one_key(text: str):
    key = place_key(parse_address(text, LEXICON))

    assert key == PlaceKey("翠湖名苑", "7", "1")
    assert key is not None and key.text == "翠湖名苑|7|1"


def test_keys_of_one_building_agree_and_of_two_buildings_conflict():
    stairwell = PlaceKey("翠湖名苑", "7", "1")
    building = PlaceKey("翠湖名苑", "7", None)  # 翠湖名苑7号楼
    bare = PlaceKey(None, "7", "1")  # 7-1-301
    other = PlaceKey("翠湖名苑", "3", None)

    assert stairwell.same_building(building) and stairwell.same_building(bare)
    assert building.same_building(bare)
    assert stairwell.conflicts_with(other) and not stairwell.same_building(other)
    assert PlaceKey("金色家园", "7", "1").conflicts_with(stairwell)
    assert PlaceKey("翠湖名苑", "7", "2").conflicts_with(stairwell)


def test_key_round_trips_through_its_text():
    for key in (PlaceKey("翠湖名苑", "7", "1"), PlaceKey(None, "7", None)):
        assert PlaceKey.from_text(key.text) == key
    assert PlaceKey.from_text(None) is None
    assert PlaceKey.from_text("garbage") is None


def test_a_community_or_house_number_stands_in_for_a_missing_estate():
    assert place_key(parse_address("幸福小区3幢", LEXICON)) == PlaceKey("幸福社区", "3")
    assert place_key(parse_address("人民路88号3栋")) == PlaceKey("人民路88号", "3")


def test_an_address_without_estate_or_building_has_no_key():
    assert place_key(parse_address("西湖镇政府门口")) is None
    assert place_key(parse_address("金色家园小区门口")) == PlaceKey("金色家园", None)


# --- the labelled variants (services/intake/tests/data/address_variants.jsonl) ------------------


def test_the_parser_keeps_its_figures_on_the_labelled_address_variants():
    import json
    from pathlib import Path

    from pingan_intake.places.evaluation import score

    path = Path(__file__).resolve().parents[1] / "data" / "address_variants.jsonl"
    variants = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    result = score(variants, lambda text: vars(parse_address(text, LEXICON)))

    assert result.variants >= 100
    assert result.key_right / result.variants >= 0.97, result.misses
    assert result.all_right / result.variants >= 0.95, result.misses
    for name in ("building", "unit", "room"):
        assert result.fields[name].right == result.fields[name].present, result.misses
