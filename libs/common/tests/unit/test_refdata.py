"""The demo county reference data (青山县, 331199) and its loader."""

import hashlib
import importlib.util
import json
import re
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import shapely

from pingan_common.refdata import (
    CATEGORY_GROUPS,
    ROLES,
    UNIT_KINDS,
    Grid,
    level_of_code,
    load_county,
)

REPO_ROOT = Path(__file__).resolve().parents[4]
GENERATOR = REPO_ROOT / "scripts" / "generate_demo_county.py"
DATA_FILES = [
    "manifest.json",
    "areas.json",
    "grids.geojson",
    "units.json",
    "staff.json",
    "api_clients.json",
    "roads.json",
    "places.json",
]
TOWNSHIP_NAMES = [
    "城关街道",
    "东城街道",
    "西湖镇",
    "南山镇",
    "北坝镇",
    "河口乡",
    "石桥镇",
    "新区街道",
]
AREA_TOL = 1e-12  # degrees²; a grid is ~1e-4


@pytest.fixture(scope="module")
def county():
    return load_county()


def _data_dir():
    return resources.files("pingan_common.refdata").joinpath("qingshan")


def _load_generator():
    assert GENERATOR.exists(), f"the generator {GENERATOR} is part of the repository"
    spec = importlib.util.spec_from_file_location("generate_demo_county", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


# ----------------------------------------------------------------------------- structure


def test_loader_is_cached_and_versioned(county):
    assert load_county() is county
    assert load_county("qingshan") is county
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", county.version)
    manifest = json.loads(_data_dir().joinpath("manifest.json").read_text("utf-8"))
    assert manifest["version"] == county.version


def test_county_and_townships(county):
    assert county.county.code == "331199"
    assert county.county.name == "青山县"
    assert county.county.level == "county"
    assert county.county.parent_code is None
    assert [t.name for t in county.townships] == TOWNSHIP_NAMES
    assert [t.code for t in county.townships] == [f"331199{i:03d}" for i in range(1, 9)]


def test_counts_and_hierarchical_codes(county):
    for t in county.townships:
        assert t.level == "township" and t.parent_code == "331199"
        villages = county.children(t.code)
        assert 4 <= len(villages) <= 8, t.name
        for i, v in enumerate(villages, start=1):
            assert v.level == "village"
            assert v.code == f"{t.code}{i:03d}"
            grids = county.children(v.code)
            assert 2 <= len(grids) <= 5, v.name
            for j, g in enumerate(grids, start=1):
                assert isinstance(g, Grid)
                assert g.code == f"{v.code}{j:02d}"
                assert g.village_code == v.code and g.township_code == t.code
                assert g.name == f"{t.name}{v.name}第{j}网格"
    assert sum(len(county.children(t.code)) for t in county.townships) == len(county.villages)
    assert sum(len(county.children(v.code)) for v in county.villages) == len(county.grids)


def test_levels_by_code_length(county):
    for a in [county.county, *county.townships, *county.villages, *county.grids]:
        assert level_of_code(a.code) == a.level
        if a.parent_code:
            assert a.code.startswith(a.parent_code)
            assert county.area(a.parent_code) is not None
    assert level_of_code("331199-CC") is None


def test_village_names_and_aliases(county):
    names = [v.name for v in county.villages]
    assert len(set(names)) == len(names)
    street_villages = [
        v for t in county.townships if t.name.endswith("街道") for v in county.children(t.code)
    ]
    assert sum(v.name.endswith("社区") for v in street_villages) > len(street_villages) // 2
    town_villages = [
        v for t in county.townships if not t.name.endswith("街道") for v in county.children(t.code)
    ]
    assert sum(v.name.endswith("村") for v in town_villages) > len(town_villages) // 2
    # every alias names one area only, and never another area's name
    all_areas = [county.county, *county.townships, *county.villages]
    aliases = [al for a in all_areas for al in a.aliases]
    assert len(set(aliases)) == len(aliases)
    assert not set(aliases) & {a.name for a in all_areas}
    assert all(a.aliases for a in all_areas)
    assert {"城关", "城关镇"} <= set(county.area("331199001").aliases)


def test_area_lookup_and_path(county):
    g = county.grids[0]
    path = county.area_path(g.code)
    assert [a.level for a in path] == ["county", "township", "village", "grid"]
    assert [a.code for a in path] == [g.code[:6], g.code[:9], g.code[:12], g.code]
    assert county.area_path("331199001")[-1].name == "城关街道"
    assert county.area_path("999999") == []
    assert county.area("nope") is None
    assert county.area(g.code) is g
    assert len(county.grids_in("331199001")) == sum(
        len(county.children(v.code)) for v in county.children("331199001")
    )


# ----------------------------------------------------------------------------- geometry


def _shape(area):
    return shapely.geometry.shape(area.geometry)


def test_all_polygons_valid_and_six_decimals(county):
    for a in [county.county, *county.townships, *county.villages, *county.grids]:
        assert a.geometry["type"] == "Polygon"
        poly = _shape(a)
        assert poly.is_valid, (a.code, shapely.is_valid_reason(poly))
        assert poly.area > 0
        assert len(poly.interiors) == 0
        for x, y in poly.exterior.coords:
            assert round(x, 6) == x and round(y, 6) == y
            assert 119.5 < x < 120.1 and 27.9 < y < 28.4
        assert poly.exterior.is_ccw  # RFC 7946 orientation


def _assert_partition(parent, children):
    polys = [_shape(c) for c in children]
    tree = shapely.STRtree(polys)
    for i, p in enumerate(polys):
        for j in tree.query(p):
            if j > i:
                inter = p.intersection(polys[j]).area
                assert inter < AREA_TOL, (children[i].code, children[j].code, inter)
    union = shapely.union_all(polys)
    parent_poly = _shape(parent)
    assert union.symmetric_difference(parent_poly).area < AREA_TOL, parent.code
    assert abs(sum(p.area for p in polys) - parent_poly.area) < AREA_TOL


def test_townships_cover_county(county):
    _assert_partition(county.county, county.townships)


def test_villages_cover_their_township(county):
    for t in county.townships:
        _assert_partition(t, county.children(t.code))


def test_grids_cover_their_village(county):
    for v in county.villages:
        _assert_partition(v, county.children(v.code))


def test_no_two_grids_overlap_anywhere(county):
    polys = [_shape(g) for g in county.grids]
    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            assert polys[i].intersection(polys[j]).area < AREA_TOL
    # a valid coverage: no overlaps and neighbouring edges match vertex for vertex
    assert shapely.coverage_is_valid(polys)
    assert _shape(county.county).symmetric_difference(shapely.union_all(polys)).area < AREA_TOL


def test_roads_lie_in_their_village(county):
    per_township = Counter(r.township_code for r in county.roads)
    assert set(per_township) == {t.code for t in county.townships}
    assert all(2 <= n <= 4 for n in per_township.values())
    names = [r.name for r in county.roads]
    assert len(set(names)) == len(names)
    assert "人民路" in names
    for r in county.roads:
        assert r.village_code.startswith(r.township_code)
        pt = shapely.Point(r.lon, r.lat)
        assert _shape(county.area(r.village_code)).contains(pt), r.name
        assert _shape(county.area(r.township_code)).contains(pt), r.name


# ----------------------------------------------------------------------------- units, staff


def test_units_reference_real_areas_and_parents(county):
    codes = [u.code for u in county.units]
    assert len(set(codes)) == len(codes)
    assert {u.kind for u in county.units} == set(UNIT_KINDS)
    for u in county.units:
        assert county.area(u.area_code) is not None, u.code
        assert u.code.startswith(u.area_code)
        if u.parent_code is not None:
            parent = county.unit(u.parent_code)
            assert parent is not None, u.code
            assert u.area_code.startswith(parent.area_code)
    (cc,) = county.units_of_kind("command_center")
    assert cc.code == "331199-CC" and cc.name == "青山县社会治理指挥中心"
    for t in county.townships:
        assert county.unit(f"{t.code}-ZZ").kind == "township_center"
        assert county.unit(f"{t.code}-TC").kind == "mediation_center"
    for v in county.villages:
        assert county.unit(f"{v.code}-CWH").kind == "village_committee"
        assert county.unit(f"{v.code}-TWH").kind == "mediation_committee"
    for g in county.grids:
        assert county.unit(f"{g.code}-WG").kind == "grid"


def test_departments(county):
    deps = county.units_of_kind("department")
    assert len(deps) == 18
    for d in deps:
        assert re.fullmatch(r"331199-D-[A-Z]{2,4}", d.code)
        assert d.area_code == "331199"
        assert d.category_groups and d.keywords and d.aliases
        assert set(d.category_groups) <= set(CATEGORY_GROUPS)
    short = {a for d in deps for a in d.aliases}
    for name in [
        "公安局",
        "司法局",
        "住建局",
        "综合执法局",
        "城管局",
        "市场监管局",
        "人社局",
        "卫健局",
        "应急管理局",
        "生态环境局",
        "交通运输局",
        "水务局",
        "教育局",
        "民政局",
        "信访局",
        "供电公司",
        "供水公司",
        "燃气公司",
        "自然资源局",
    ]:
        assert name in short, name
    for group in CATEGORY_GROUPS:
        assert county.department_for_group(group), group
    assert "331199-D-RQ" in {u.code for u in county.department_for_group("safety_hazard")}
    assert "331199-D-GS" in {u.code for u in county.department_for_group("city_service")}
    kw = {k: d.code for d in deps for k in d.keywords}
    assert kw["路灯"] == "331199-D-CG"
    assert kw["停水"] == "331199-D-GS"
    assert kw["燃气"] == "331199-D-RQ"
    assert county.department_for_group("no-such-group") == []


def test_staff_roles_and_default_users(county):
    usernames = [s.username for s in county.staff]
    assert len(set(usernames)) == len(usernames)
    assert {s.role for s in county.staff} == set(ROLES)
    for role in ROLES:
        default = county.default_user(role)
        assert default.role == role
        assert default.username == f"{role}1"
    for s in county.staff:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", s.username)
        assert re.fullmatch(r"1380000\d{4}", s.phone)
        unit = county.unit(s.unit_code)
        assert unit is not None, s.username
        assert unit.area_code == s.area_code, s.username
        assert county.area(s.area_code) is not None
    assert county.default_user("operator").area_code == "331199"
    assert county.default_user("handler").unit_code == "331199001-ZZ"
    gw = county.default_user("grid_worker")
    assert level_of_code(gw.area_code) == "grid" and gw.area_code.startswith("331199001")
    assert county.unit(county.default_user("mediator").unit_code).kind == "mediation_committee"
    assert county.user("handler_cgj").unit_code == "331199-D-CG"
    assert county.user("nobody") is None
    with pytest.raises(KeyError):
        county.default_user("citizen")


def test_api_clients_hash_the_demo_keys(county):
    demo = county.api_client("demo-thirdparty")
    police = county.api_client("police-110")
    assert demo.key_sha256 == hashlib.sha256(b"pingan-demo-key-0001").hexdigest()
    assert police.key_sha256 == hashlib.sha256(b"pingan-110-key-0001").hexdigest()
    assert set(demo.channels) == {"third_party", "web", "open311"}
    assert police.channels == ["police_110"]
    assert demo.area_codes == police.area_codes == ["331199"]
    assert county.api_client_for_key("pingan-demo-key-0001") is demo
    assert county.api_client_for_key("pingan-110-key-0001") is police
    assert county.api_client_for_key("wrong") is None
    assert demo.may_access("33119900100101") and not demo.may_access("330102")
    # plain keys are never stored in the data
    for name in DATA_FILES:
        assert "pingan-demo-key" not in _data_dir().joinpath(name).read_text("utf-8")


# ----------------------------------------------------------------------------- files


def test_manifest_hashes_and_sizes():
    manifest = json.loads(_data_dir().joinpath("manifest.json").read_text("utf-8"))
    total = 0
    for name, digest in manifest["files"].items():
        data = _data_dir().joinpath(name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        total += len(data)
    assert total < 400_000


def test_generator_is_deterministic_and_matches_checked_in_files(tmp_path):
    gen = _load_generator()
    gen.generate(tmp_path / "a")
    gen.generate(tmp_path / "b")
    for name in DATA_FILES:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
        assert first == _data_dir().joinpath(name).read_bytes(), (
            f"{name} is stale: run `uv run python scripts/generate_demo_county.py`"
        )


# ----------------------------------------------------------------------------- places


def test_every_place_lies_inside_its_grid_village_and_township(county):
    assert len(county.places) >= 50
    for place in county.places:
        grid = county.area(place.grid_code)
        assert isinstance(grid, Grid), place.name
        assert grid.shape.contains(shapely.Point(place.lon, place.lat)), place.name
        assert (grid.village_code, grid.township_code) == (place.village_code, place.township_code)


def test_places_cover_every_kind_and_estates_have_buildings(county):
    kinds = Counter(place.kind for place in county.places)
    assert set(kinds) == {"estate", "market", "school", "hospital", "factory", "construction_site"}
    assert kinds["estate"] >= 20
    for place in county.places:
        assert (place.buildings is not None) == (place.kind == "estate"), place.name
    estate = next(p for p in county.places if p.name == "翠湖名苑")
    assert estate.buildings is not None and estate.buildings >= 7
    assert county.area(estate.village_code).name == "幸福社区"  # type: ignore[union-attr]


def test_place_names_are_unique_and_name_no_area(county):
    names = [n for place in county.places for n in (place.name, *place.aliases)]
    assert len(names) == len(set(names))
    areas = [county.county, *county.townships, *county.villages]
    area_names = {n for area in areas for n in (area.name, *area.aliases)}
    assert not area_names & set(names)
