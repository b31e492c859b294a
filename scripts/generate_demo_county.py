"""Generate the reference data of the fictional demo county 青山县 (code 331199).

Deterministic: a fixed random seed, fixed name lists and GEOS operations on a fixed
precision grid, so running it twice writes byte-identical files.

    uv run python scripts/generate_demo_county.py            # writes the packaged data
    uv run python scripts/generate_demo_county.py --out DIR  # writes elsewhere

Geometry: the county outline is a smooth random star-shaped polygon; townships are a
Voronoi tessellation of the outline, villages a Voronoi tessellation of each township,
grids a Voronoi tessellation of each village. The grid rings are then noded together
with snap-rounding on a 1e-6 degree grid and polygonised, so every grid, village,
township and the county are unions of exactly the same faces: they share vertices,
do not overlap and cover their parent exactly, with coordinates of 6 decimals.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "libs/common/src/pingan_common/refdata/qingshan"

VERSION = "2026.11.1"
SEED = 331199
GRID_SIZE = 1e-6  # degrees; coordinates are written with 6 decimals

COUNTY_CODE = "331199"
COUNTY_NAME = "青山县"
CENTER_LON, CENTER_LAT = 119.80, 28.15
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LON = 111.0 * math.cos(math.radians(CENTER_LAT))

# (name, aliases, seed position in km from the county centre, villages/communities)
TOWNSHIPS: list[tuple[str, list[str], tuple[float, float], list[str]]] = [
    (
        "城关街道",
        ["城关", "城关镇"],
        (0.0, 0.5),
        ["幸福社区", "解放社区", "府前社区", "文昌社区", "城南社区", "北门社区", "龙泉社区"],
    ),
    (
        "东城街道",
        ["东城"],
        (5.0, 1.5),
        ["东湖社区", "朝阳社区", "滨江社区", "金桥社区", "向阳社区", "东山村"],
    ),
    (
        "西湖镇",
        ["西湖"],
        (-11.0, 2.5),
        ["西湖社区", "湖头村", "上洋村", "下洋村", "柳家村", "杨梅岙村"],
    ),
    (
        "南山镇",
        ["南山"],
        (-3.0, -11.0),
        ["南山村", "岭头村", "竹坑村", "黄泥岙村", "高坪村", "石门村", "茶园村", "梅坞村"],
    ),
    (
        "北坝镇",
        ["北坝"],
        (-1.0, 11.0),
        ["北坝社区", "坝头村", "沙洲村", "新塘村", "王家垟村"],
    ),
    (
        "河口乡",
        ["河口"],
        (12.0, 9.0),
        ["河口村", "渡头村", "溪口村", "樟树村"],
    ),
    (
        "石桥镇",
        ["石桥"],
        (10.0, -8.5),
        ["石桥社区", "桥头村", "叶家村", "周岙村", "林坑村", "大路村", "白岩村"],
    ),
    (
        "新区街道",
        ["新区", "青山新区"],
        (1.0, -4.5),
        ["创业社区", "科创社区", "锦绣社区", "翠苑社区", "和平社区"],
    ),
]

# township index -> road names (2-4 each, unique in the county)
ROADS: list[list[str]] = [
    ["人民路", "解放街", "府前路", "中山路"],
    ["东湖路", "朝阳大道", "滨江路"],
    ["湖滨路", "西湖大街"],
    ["南山路", "茶园路", "岭头街"],
    ["坝头路", "北坝大道"],
    ["溪口路", "渡头街"],
    ["石桥路", "桥西街", "叶家路"],
    ["创业大道", "科创路", "锦绣路", "和平路"],
]

ALL_GROUPS = [
    "dispute",
    "public_order",
    "safety_hazard",
    "city_service",
    "key_population",
    "petition_group",
    "extreme_threat",
    "consultation",
]

# (mnemonic, name, aliases, category groups, keywords)
DEPARTMENTS: list[tuple[str, str, list[str], list[str], list[str]]] = [
    (
        "GA",
        "青山县公安局",
        ["公安局", "公安"],
        ["public_order", "extreme_threat", "key_population"],
        ["治安", "可疑人员", "诈骗", "打架斗殴", "黄赌毒", "吸毒", "刑释", "扬言", "交通事故"],
    ),
    (
        "SF",
        "青山县司法局",
        ["司法局"],
        ["dispute", "key_population", "consultation"],
        ["人民调解", "法律援助", "社区矫正", "法律咨询", "12348"],
    ),
    (
        "ZJ",
        "青山县住房和城乡建设局",
        ["住建局"],
        ["safety_hazard", "city_service", "dispute"],
        ["危房", "物业", "房屋", "工地", "小区", "燃气管理"],
    ),
    (
        "CG",
        "青山县综合行政执法局",
        ["综合执法局", "城管局", "城管"],
        ["city_service"],
        ["占道经营", "违章搭建", "垃圾", "路灯", "噪音", "流动摊贩", "渣土", "户外广告"],
    ),
    (
        "SJ",
        "青山县市场监督管理局",
        ["市场监管局", "市监局"],
        ["city_service", "safety_hazard", "dispute"],
        ["电梯", "食品安全", "消费纠纷", "假冒伪劣", "价格", "无证经营"],
    ),
    (
        "RS",
        "青山县人力资源和社会保障局",
        ["人社局"],
        ["dispute", "petition_group", "consultation"],
        ["欠薪", "讨薪", "工资", "劳动合同", "社保", "劳资"],
    ),
    (
        "WJ",
        "青山县卫生健康局",
        ["卫健局"],
        ["key_population", "dispute", "consultation"],
        ["医患", "医院", "严重精神障碍", "疫苗", "卫生"],
    ),
    (
        "YJ",
        "青山县应急管理局",
        ["应急管理局", "应急局"],
        ["safety_hazard"],
        ["危化品", "安全生产", "火灾隐患", "消防通道", "地质灾害", "应急"],
    ),
    (
        "HB",
        "青山县生态环境局",
        ["生态环境局", "环保局"],
        ["city_service"],
        ["污染", "排污", "异味", "废气", "废水", "工业噪音"],
    ),
    (
        "JT",
        "青山县交通运输局",
        ["交通运输局", "交通局"],
        ["city_service", "safety_hazard"],
        ["公交", "道路破损", "道路塌陷", "出租车", "客运", "桥梁"],
    ),
    (
        "SW",
        "青山县水务局",
        ["水务局", "水利局"],
        ["city_service", "safety_hazard"],
        ["排水", "污水", "内涝", "河道", "防汛", "水库"],
    ),
    (
        "JY",
        "青山县教育局",
        ["教育局"],
        ["consultation", "city_service"],
        ["学校", "入学", "校园安全", "培训机构", "学生"],
    ),
    (
        "MZ",
        "青山县民政局",
        ["民政局"],
        ["consultation", "city_service", "key_population"],
        ["低保", "救助", "养老", "残疾人", "殡葬", "婚姻登记"],
    ),
    (
        "XF",
        "青山县信访局",
        ["信访局"],
        ["petition_group", "extreme_threat"],
        ["信访", "上访", "聚集", "进京", "集体访"],
    ),
    (
        "GD",
        "国网青山县供电公司",
        ["供电公司", "电力公司"],
        ["city_service", "safety_hazard"],
        ["停电", "电线", "电费", "供电", "变压器"],
    ),
    (
        "GS",
        "青山县供水有限公司",
        ["供水公司", "自来水公司"],
        ["city_service"],
        ["停水", "水压", "水质", "水管爆裂", "水费"],
    ),
    (
        "RQ",
        "青山县燃气有限公司",
        ["燃气公司", "天然气公司"],
        ["safety_hazard", "city_service"],
        ["燃气", "燃气泄漏", "煤气", "液化气", "天然气"],
    ),
    (
        "ZR",
        "青山县自然资源和规划局",
        ["自然资源局", "自然资源和规划局"],
        ["dispute", "city_service"],
        ["土地", "山林权属", "违法占地", "确权", "征地"],
    ),
]

# Utilities run their own ticket systems and take tasks by webhook (.invalid never resolves).
DEPARTMENT_WEBHOOKS = {
    "GD": "https://gd-workorder.qingshan.example.invalid/pingan/webhook",
    "GS": "https://gs-workorder.qingshan.example.invalid/pingan/webhook",
    "RQ": "https://rq-workorder.qingshan.example.invalid/pingan/webhook",
}

# sha256 of the plain demo keys (the plain keys are in the README next to the data).
API_CLIENTS = [
    {
        "client_id": "demo-thirdparty",
        "name": "演示第三方系统",
        "key_sha256": "df57022f54402c41cdd30188c97732178c80540ee78240932938c4beda69e0f1",
        "channels": ["third_party", "web", "open311"],
        "area_codes": ["331199"],
    },
    {
        "client_id": "police-110",
        "name": "青山县公安局110接处警系统",
        "key_sha256": "a36a7f8a3236967faf40d72303bf14268dfa827cd21cc48bc98ead98e9413c87",
        "channels": ["police_110"],
        "area_codes": ["331199"],
    },
]


# Named places inside grids (places.json): residential estates (小区) with their buildings,
# markets, schools, hospitals, factories and construction sites. Each lies in one grid of the
# village given by (township index, village index); estates may carry an address on a road of
# their township. Names are unique in the county and differ from every area name and alias.
# (name, aliases, kind, township index, village index, buildings)
PLACES: list[tuple[str, list[str], str, int, int, int]] = [
    # 城关街道
    ("翠湖名苑", ["翠湖名苑小区", "翠湖小区"], "estate", 0, 0, 12),
    ("金色家园", ["金色家园小区"], "estate", 0, 0, 8),
    ("解放新村", [], "estate", 0, 1, 16),
    ("府前花园", [], "estate", 0, 2, 6),
    ("文昌苑", ["文昌苑小区"], "estate", 0, 3, 9),
    ("城南佳苑", [], "estate", 0, 4, 14),
    ("北门公寓", [], "estate", 0, 5, 4),
    ("龙泉山庄", [], "estate", 0, 6, 10),
    ("青山县人民医院", ["县人民医院", "人民医院", "县医院"], "hospital", 0, 3, 0),
    ("青山县中医院", ["县中医院", "中医院"], "hospital", 0, 1, 0),
    ("青山中学", ["青山县青山中学"], "school", 0, 4, 0),
    ("城关第一小学", ["城关一小", "实验小学"], "school", 0, 2, 0),
    ("城关农贸市场", ["城关菜场", "城关菜市场"], "market", 0, 1, 0),
    ("城南安置房工地", ["城南工地"], "construction_site", 0, 4, 0),
    # 东城街道
    ("东湖花苑", ["东湖花苑小区"], "estate", 1, 0, 11),
    ("朝阳嘉园", [], "estate", 1, 1, 7),
    ("滨江华府", ["滨江华府小区"], "estate", 1, 2, 18),
    ("金桥丽景", [], "estate", 1, 3, 9),
    ("向阳里", ["向阳里小区"], "estate", 1, 4, 5),
    ("东城农贸市场", ["东城菜场"], "market", 1, 0, 0),
    ("东城实验学校", ["东城实验"], "school", 1, 1, 0),
    ("东城街道社区卫生服务中心", ["东城卫生服务中心"], "hospital", 1, 2, 0),
    ("滨江商业综合体工地", ["滨江工地"], "construction_site", 1, 2, 0),
    # 西湖镇
    ("西湖人家", [], "estate", 2, 0, 6),
    ("湖头新村", [], "estate", 2, 1, 4),
    ("西湖农贸市场", ["西湖菜场"], "market", 2, 0, 0),
    ("西湖镇中心小学", ["西湖小学"], "school", 2, 0, 0),
    ("西湖镇卫生院", ["西湖卫生院"], "hospital", 2, 0, 0),
    ("上洋竹木加工厂", ["上洋竹木厂"], "factory", 2, 2, 0),
    # 南山镇
    ("南山新苑", [], "estate", 3, 0, 5),
    ("南山镇中学", ["南山中学"], "school", 3, 0, 0),
    ("南山镇卫生院", ["南山卫生院"], "hospital", 3, 0, 0),
    ("茶园茶叶加工厂", ["茶叶厂"], "factory", 3, 6, 0),
    ("岭头隧道施工工地", ["岭头隧道工地"], "construction_site", 3, 1, 0),
    # 北坝镇
    ("北坝家园", [], "estate", 4, 0, 8),
    ("北坝农贸市场", ["北坝菜场"], "market", 4, 0, 0),
    ("北坝镇中心学校", ["北坝中心学校"], "school", 4, 0, 0),
    ("沙洲石料厂", [], "factory", 4, 2, 0),
    # 河口乡
    ("河口安置小区", [], "estate", 5, 0, 6),
    ("河口乡卫生院", ["河口卫生院"], "hospital", 5, 0, 0),
    ("溪口水电站工地", [], "construction_site", 5, 2, 0),
    # 石桥镇
    ("石桥花园", [], "estate", 6, 0, 7),
    ("石桥农贸市场", ["石桥菜场"], "market", 6, 0, 0),
    ("石桥镇中学", ["石桥中学"], "school", 6, 0, 0),
    ("桥头五金厂", [], "factory", 6, 1, 0),
    ("叶家化工厂", ["叶家化工"], "factory", 6, 2, 0),
    # 新区街道
    ("锦绣华庭", ["锦绣华庭小区"], "estate", 7, 2, 15),
    ("科创人才公寓", ["人才公寓"], "estate", 7, 1, 6),
    ("翠苑新城", [], "estate", 7, 3, 20),
    ("和平家园", [], "estate", 7, 4, 10),
    ("创业园标准厂房", ["标准厂房"], "factory", 7, 0, 0),
    ("青山电子科技有限公司", ["青山电子厂", "电子厂"], "factory", 7, 0, 0),
    ("新区第二小学", ["新区二小"], "school", 7, 3, 0),
    ("新区综合医院工地", ["新医院工地"], "construction_site", 7, 4, 0),
    ("锦绣二期工地", [], "construction_site", 7, 2, 0),
]
PLACE_KINDS = ("estate", "market", "school", "hospital", "factory", "construction_site")
# A separate random stream: the places are drawn after everything else and change nothing in it.
PLACES_SEED = SEED + 1


# --------------------------------------------------------------------------- geometry


def _to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(
        geom,
        lambda c: c / [KM_PER_DEG_LON, KM_PER_DEG_LAT] + [CENTER_LON, CENTER_LAT],
    )


def _county_outline(rng: random.Random) -> Polygon:
    """A smooth irregular star-shaped outline, in km around the centre."""
    harmonics = [
        (k, rng.uniform(0.04, 0.11) / k**0.5, rng.uniform(0, 2 * math.pi)) for k in range(2, 9)
    ]
    pts = []
    n = 72
    for i in range(n):
        t = 2 * math.pi * i / n
        r = 17.0 * (1 + sum(a * math.sin(k * t + ph) for k, a, ph in harmonics))
        r *= 1 + rng.uniform(-0.025, 0.025)
        # slightly wider east-west, like many valley counties
        pts.append((round(1.12 * r * math.cos(t), 3), round(0.92 * r * math.sin(t), 3)))
    poly = Polygon(pts)
    assert poly.is_valid
    return poly


def _single_polygon(geom: BaseGeometry) -> Polygon | None:
    polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and g.area > 0]
    if len(polys) != 1:
        return None
    return polys[0]


def _tessellate(parent: Polygon, seeds: list[tuple[float, float]]) -> list[Polygon] | None:
    """Voronoi cells of the seeds clipped to parent, in seed order; None if a cell splits."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=parent, ordered=True)
    out = []
    for cell in cells.geoms:
        poly = _single_polygon(cell.intersection(parent))
        if poly is None:
            return None
        out.append(poly)
    return out


def _random_point_in(rng: random.Random, poly: Polygon) -> tuple[float, float]:
    minx, miny, maxx, maxy = poly.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if poly.contains(Point(x, y)):
            return x, y


def _subdivide(rng: random.Random, parent: Polygon, n: int) -> list[Polygon]:
    """n cells of roughly similar size covering parent (Voronoi + Lloyd relaxation)."""
    min_share = 0.35 / n
    for _attempt in range(200):
        seeds = [_random_point_in(rng, parent) for _ in range(n)]
        cells = None
        for _ in range(3):  # Lloyd iterations
            cells = _tessellate(parent, seeds)
            if cells is None:
                break
            seeds = [(c.centroid.x, c.centroid.y) for c in cells]
        if cells is None:
            continue
        cells = _tessellate(parent, seeds)
        if cells is None or min(c.area for c in cells) < min_share * parent.area:
            continue
        # order cells roughly north-west to south-east so numbering reads naturally
        cells.sort(key=lambda c: (-round(c.centroid.y, 1), c.centroid.x))
        return cells
    raise RuntimeError("could not subdivide polygon")


def _township_cells(rng: random.Random, county: Polygon) -> list[Polygon]:
    for _attempt in range(200):
        seeds = [
            (x + rng.uniform(-1.0, 1.0), y + rng.uniform(-1.0, 1.0))
            for _, _, (x, y), _ in TOWNSHIPS
        ]
        cells = _tessellate(county, seeds)
        if cells is not None and min(c.area for c in cells) > 0.03 * county.area:
            return cells
    raise RuntimeError("could not tessellate county")


def _snap_faces(grids: list[Polygon]) -> list[Polygon]:
    """Node all grid rings with snap-rounding and rebuild each grid from the faces."""
    rings = [g.exterior for g in grids]
    linework = shapely.union_all(rings, grid_size=GRID_SIZE)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(linework))))
    tree = shapely.STRtree(grids)
    owner: dict[int, list[Polygon]] = {}
    for face in faces:
        cand = tree.query(face)
        best = max(cand, key=lambda i: (grids[i].intersection(face).area, -i))
        owner.setdefault(int(best), []).append(face)
    out = []
    for i in range(len(grids)):
        parts = owner.get(i)
        if not parts:
            raise RuntimeError(f"grid {i} lost all its faces when snapping")
        poly = parts[0] if len(parts) == 1 else shapely.union_all(parts, grid_size=GRID_SIZE)
        if not isinstance(poly, Polygon) or not poly.is_valid:
            raise RuntimeError(f"grid {i} is not a valid polygon after snapping")
        out.append(poly)
    return out


def _union(polys: list[Polygon]) -> Polygon:
    u = shapely.union_all(polys, grid_size=GRID_SIZE)
    if not isinstance(u, Polygon) or not u.is_valid or len(u.interiors):
        raise RuntimeError("union of children is not a simple valid polygon")
    return u


def _r6(v: float) -> float:
    r = round(v, 6)
    return 0.0 if r == 0 else r


def _geojson(poly: Polygon) -> dict[str, Any]:
    poly = shapely.orient_polygons(poly)  # RFC 7946: exterior counter-clockwise
    rings = [poly.exterior, *poly.interiors]
    return {
        "type": "Polygon",
        "coordinates": [[[_r6(x), _r6(y)] for x, y in ring.coords] for ring in rings],
    }


def _inner_point(rng: random.Random, poly: Polygon) -> tuple[float, float]:
    """A random point well inside poly, rounded to 6 decimals."""
    inner = poly.buffer(-0.002)
    target = inner if not inner.is_empty and inner.area > 0 else poly
    while True:
        x, y = _random_point_in(rng, target)  # type: ignore[arg-type]
        x, y = _r6(x), _r6(y)
        if poly.contains(Point(x, y)) and poly.exterior.distance(Point(x, y)) > 1e-5:
            return x, y


# --------------------------------------------------------------------------- data model


@dataclass
class _Village:
    code: str
    name: str
    township: int
    n_grids: int
    cell: Polygon
    grids: list[Polygon] = field(default_factory=list)


def _short(name: str) -> str:
    for suffix in ("社区", "村"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _build_geometry(rng: random.Random):
    county_km = _county_outline(rng)
    township_km = _township_cells(rng, county_km)
    villages: list[_Village] = []
    for t, (_, _, _, vnames) in enumerate(TOWNSHIPS):
        cells = _subdivide(rng, township_km[t], len(vnames))
        for v, (vname, cell) in enumerate(zip(vnames, cells, strict=True)):
            n_grids = rng.randint(2, 5)
            villages.append(
                _Village(
                    code=f"{COUNTY_CODE}{t + 1:03d}{v + 1:03d}",
                    name=vname,
                    township=t,
                    n_grids=n_grids,
                    cell=cell,
                )
            )
    flat: list[Polygon] = []
    for vil in villages:
        for g in _subdivide(rng, vil.cell, vil.n_grids):
            flat.append(_to_lonlat(g))  # type: ignore[arg-type]
    snapped = _snap_faces(flat)
    pos = 0
    for vil in villages:
        vil.grids = snapped[pos : pos + vil.n_grids]
        pos += vil.n_grids
    return villages


def build(seed: int = SEED) -> dict[str, Any]:
    """Build all reference records (JSON-ready dicts)."""
    rng = random.Random(seed)
    villages = _build_geometry(rng)

    village_polys = {v.code: _union(v.grids) for v in villages}
    township_polys = []
    for t in range(len(TOWNSHIPS)):
        township_polys.append(_union([village_polys[v.code] for v in villages if v.township == t]))
    county_poly = _union(township_polys)

    township_aliases: set[str] = {a for _, aliases, _, _ in TOWNSHIPS for a in aliases}
    township_aliases |= {name for name, _, _, _ in TOWNSHIPS} | {"青山", COUNTY_NAME}

    areas: list[dict[str, Any]] = [
        {
            "code": COUNTY_CODE,
            "name": COUNTY_NAME,
            "level": "county",
            "parent_code": None,
            "aliases": ["青山"],
            "geometry": _geojson(county_poly),
        }
    ]
    for t, (tname, taliases, _, _) in enumerate(TOWNSHIPS):
        areas.append(
            {
                "code": f"{COUNTY_CODE}{t + 1:03d}",
                "name": tname,
                "level": "township",
                "parent_code": COUNTY_CODE,
                "aliases": taliases,
                "geometry": _geojson(township_polys[t]),
            }
        )
    grids: list[dict[str, Any]] = []
    for vil in villages:
        tcode = f"{COUNTY_CODE}{vil.township + 1:03d}"
        tname = TOWNSHIPS[vil.township][0]
        short = _short(vil.name)
        aliases = [short] if short not in township_aliases else [f"{tname}{vil.name}"]
        areas.append(
            {
                "code": vil.code,
                "name": vil.name,
                "level": "village",
                "parent_code": tcode,
                "aliases": aliases,
                "geometry": _geojson(village_polys[vil.code]),
            }
        )
        for g, poly in enumerate(vil.grids):
            gcode = f"{vil.code}{g + 1:02d}"
            grids.append(
                {
                    "type": "Feature",
                    "id": gcode,
                    "properties": {
                        "code": gcode,
                        "name": f"{tname}{vil.name}第{g + 1}网格",
                        "village_code": vil.code,
                        "township_code": tcode,
                        "aliases": [f"{vil.name}第{g + 1}网格"],
                    },
                    "geometry": _geojson(poly),
                }
            )

    roads = []
    for t, names in enumerate(ROADS):
        tvillages = [v for v in villages if v.township == t]
        for i, rname in enumerate(names):
            vil = tvillages[i % len(tvillages)]
            lon, lat = _inner_point(rng, village_polys[vil.code])
            roads.append(
                {
                    "name": rname,
                    "township_code": f"{COUNTY_CODE}{t + 1:03d}",
                    "village_code": vil.code,
                    "lon": lon,
                    "lat": lat,
                }
            )

    units = _units(villages, grids)
    staff = _staff(villages, grids)
    clients = _api_clients()
    places = _places(villages, grids, roads)
    return {
        "areas": areas,
        "grids": grids,
        "units": units,
        "staff": staff,
        "api_clients": clients,
        "roads": roads,
        "places": places,
    }


def _places(
    villages: list[_Village], grids: list[dict[str, Any]], roads: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each place at a point well inside one grid of its village (its own random stream)."""
    rng = random.Random(PLACES_SEED)
    area_names = {v.name for v in villages} | {_short(v.name) for v in villages}
    area_names |= {name for name, _, _, _ in TOWNSHIPS}
    by_village: dict[str, list[dict[str, Any]]] = {}
    for g in grids:
        by_village.setdefault(g["properties"]["village_code"], []).append(g)
    out = []
    seen: set[str] = set()
    numbers = iter(range(8, 10**4, 6))
    for name, aliases, kind, t, v, buildings in PLACES:
        assert kind in PLACE_KINDS, name
        for n in (name, *aliases):
            if n in seen or n in area_names:
                raise ValueError(f"place name {n} is taken")
            seen.add(n)
        vil = [x for x in villages if x.township == t][v]
        grid = rng.choice(by_village[vil.code])
        lon, lat = _inner_point(rng, shape(grid["geometry"]))
        road = next((r for r in roads if r["village_code"] == vil.code), None)
        place: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "aliases": aliases,
            "grid_code": grid["properties"]["code"],
            "village_code": vil.code,
            "township_code": f"{COUNTY_CODE}{t + 1:03d}",
            "lon": lon,
            "lat": lat,
            "address": f"{road['name']}{next(numbers)}号" if road else None,
        }
        if kind == "estate":
            place["buildings"] = buildings
        out.append(place)
    return out


def _units(villages: list[_Village], grids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    phones = iter(range(1, 10**6))

    def unit(
        code,
        name,
        kind,
        area_code,
        parent_code,
        *,
        aliases=(),
        groups=(),
        keywords=(),
        webhook_url=None,
        phone=True,
    ):
        return {
            "code": code,
            "name": name,
            "kind": kind,
            "area_code": area_code,
            "parent_code": parent_code,
            "phone": f"0578-6{next(phones):06d}" if phone else None,
            "webhook_url": webhook_url,
            "aliases": list(aliases),
            "category_groups": list(groups),
            "keywords": list(keywords),
        }

    cc = f"{COUNTY_CODE}-CC"
    out = [
        unit(
            cc,
            "青山县社会治理指挥中心",
            "command_center",
            COUNTY_CODE,
            None,
            aliases=["指挥中心", "县社会治理中心"],
            groups=ALL_GROUPS,
        ),
    ]
    for mn, name, aliases, groups, keywords in DEPARTMENTS:
        out.append(
            unit(
                f"{COUNTY_CODE}-D-{mn}",
                name,
                "department",
                COUNTY_CODE,
                cc,
                aliases=aliases,
                groups=groups,
                keywords=keywords,
                webhook_url=DEPARTMENT_WEBHOOKS.get(mn),
            )
        )
    for t, (tname, _, _, _) in enumerate(TOWNSHIPS):
        tcode = f"{COUNTY_CODE}{t + 1:03d}"
        out.append(unit(f"{tcode}-ZZ", f"{tname}综治中心", "township_center", tcode, cc))
        out.append(
            unit(
                f"{tcode}-TC",
                f"{tname}矛盾纠纷调处中心",
                "mediation_center",
                tcode,
                f"{tcode}-ZZ",
                groups=["dispute"],
            )
        )
    for vil in villages:
        tcode = f"{COUNTY_CODE}{vil.township + 1:03d}"
        committee = "居民委员会" if vil.name.endswith("社区") else "村民委员会"
        out.append(
            unit(
                f"{vil.code}-CWH",
                f"{vil.name}{committee}",
                "village_committee",
                vil.code,
                f"{tcode}-ZZ",
            )
        )
        out.append(
            unit(
                f"{vil.code}-TWH",
                f"{vil.name}人民调解委员会",
                "mediation_committee",
                vil.code,
                f"{tcode}-TC",
                groups=["dispute"],
            )
        )
    for g in grids:
        p = g["properties"]
        out.append(
            unit(
                f"{p['code']}-WG",
                p["name"],
                "grid",
                p["code"],
                f"{p['village_code']}-CWH",
                phone=False,
            )
        )
    return out


def _staff(villages: list[_Village], grids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    phones = iter(range(1, 10000))
    cc = f"{COUNTY_CODE}-CC"
    cg = f"{COUNTY_CODE}001"
    v1 = villages[0].code  # 城关街道幸福社区
    v2 = villages[1].code  # 城关街道解放社区
    cg_grids = [g["properties"]["code"] for g in grids if g["properties"]["township_code"] == cg]
    xh_grids = [
        g["properties"]["code"]
        for g in grids
        if g["properties"]["township_code"] == f"{COUNTY_CODE}003"
    ]
    xh_village = next(v.code for v in villages if v.township == 2)
    rows = [
        # the first user of each role is that role's default demo user
        ("operator1", "王芳", "operator", COUNTY_CODE, cc),
        ("dispatcher1", "李强", "dispatcher", COUNTY_CODE, cc),
        ("handler1", "张伟", "handler", cg, f"{cg}-ZZ"),
        ("grid_worker1", "刘洋", "grid_worker", cg_grids[0], f"{cg_grids[0]}-WG"),
        ("mediator1", "陈秀英", "mediator", v1, f"{v1}-TWH"),
        ("analyst1", "杨帆", "analyst", COUNTY_CODE, cc),
        ("leader1", "赵建国", "leader", COUNTY_CODE, cc),
        ("admin1", "周敏", "admin", COUNTY_CODE, cc),
        # more users
        ("operator2", "吴婷", "operator", COUNTY_CODE, cc),
        ("operator3", "郑丽", "operator", COUNTY_CODE, cc),
        ("dispatcher2", "孙磊", "dispatcher", COUNTY_CODE, cc),
        ("handler2", "胡军", "handler", f"{COUNTY_CODE}002", f"{COUNTY_CODE}002-ZZ"),
        ("handler3", "林晓燕", "handler", f"{COUNTY_CODE}003", f"{COUNTY_CODE}003-ZZ"),
        ("handler_village1", "何丽萍", "handler", v1, f"{v1}-CWH"),
        ("handler_cgj", "高鹏", "handler", COUNTY_CODE, f"{COUNTY_CODE}-D-CG"),
        ("handler_ga", "马超", "handler", COUNTY_CODE, f"{COUNTY_CODE}-D-GA"),
        ("handler_zjj", "罗文", "handler", COUNTY_CODE, f"{COUNTY_CODE}-D-ZJ"),
        ("handler_rsj", "梁静", "handler", COUNTY_CODE, f"{COUNTY_CODE}-D-RS"),
        ("handler_gd", "宋涛", "handler", COUNTY_CODE, f"{COUNTY_CODE}-D-GD"),
        ("handler_gs", "唐红", "handler", COUNTY_CODE, f"{COUNTY_CODE}-D-GS"),
        ("handler_rq", "许刚", "handler", COUNTY_CODE, f"{COUNTY_CODE}-D-RQ"),
        ("grid_worker2", "韩梅", "grid_worker", cg_grids[1], f"{cg_grids[1]}-WG"),
        ("grid_worker3", "冯志刚", "grid_worker", cg_grids[2], f"{cg_grids[2]}-WG"),
        ("grid_worker4", "曹雪", "grid_worker", cg_grids[-1], f"{cg_grids[-1]}-WG"),
        ("grid_worker5", "彭飞", "grid_worker", xh_grids[0], f"{xh_grids[0]}-WG"),
        ("mediator2", "邓国华", "mediator", cg, f"{cg}-TC"),
        ("mediator3", "蒋玉兰", "mediator", v2, f"{v2}-TWH"),
        ("mediator4", "沈德明", "mediator", xh_village, f"{xh_village}-TWH"),
        ("analyst2", "叶青", "analyst", COUNTY_CODE, cc),
        ("leader2", "潘志勇", "leader", cg, f"{cg}-ZZ"),
    ]
    return [
        {
            "username": u,
            "display_name": dn,
            "role": role,
            "area_code": area,
            "unit_code": unit,
            "phone": f"1380000{next(phones):04d}",
        }
        for u, dn, role, area, unit in rows
    ]


def _api_clients() -> list[dict[str, Any]]:
    return [dict(c) for c in API_CLIENTS]


# --------------------------------------------------------------------------- output


def _dump(head: dict[str, Any], list_key: str, items: list[Any], *, compact: bool) -> str:
    seps = (",", ":") if compact else (", ", ": ")
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append(f"  {json.dumps(list_key)}: [")
    body = ["    " + json.dumps(it, ensure_ascii=False, separators=seps) for it in items]
    lines.append(",\n".join(body))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(data: dict[str, Any]) -> dict[str, str]:
    """File name -> text."""
    files = {
        "areas.json": _dump({"version": VERSION}, "areas", data["areas"], compact=True),
        "grids.geojson": _dump(
            {"type": "FeatureCollection", "version": VERSION},
            "features",
            data["grids"],
            compact=True,
        ),
        "units.json": _dump({"version": VERSION}, "units", data["units"], compact=False),
        "staff.json": _dump({"version": VERSION}, "staff", data["staff"], compact=False),
        "api_clients.json": _dump(
            {"version": VERSION}, "api_clients", data["api_clients"], compact=False
        ),
        "roads.json": _dump({"version": VERSION}, "roads", data["roads"], compact=False),
        "places.json": _dump({"version": VERSION}, "places", data["places"], compact=False),
    }
    manifest = {
        "name": "qingshan",
        "version": VERSION,
        "county_code": COUNTY_CODE,
        "county_name": COUNTY_NAME,
        "crs": "EPSG:4326",
        "generator": "scripts/generate_demo_county.py",
        "seed": SEED,
        "counts": {
            "townships": sum(1 for a in data["areas"] if a["level"] == "township"),
            "villages": sum(1 for a in data["areas"] if a["level"] == "village"),
            "grids": len(data["grids"]),
            "units": len(data["units"]),
            "staff": len(data["staff"]),
            "api_clients": len(data["api_clients"]),
            "roads": len(data["roads"]),
            "places": len(data["places"]),
        },
        "files": {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()},
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    return files


def generate(out_dir: Path | str = DEFAULT_OUT) -> list[Path]:
    """Build and write the data files into out_dir; returns the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(build()).items():
        path = out / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args()
    for path in generate(args.out):
        print(f"{path}  {path.stat().st_size:>8} bytes")


if __name__ == "__main__":
    main()
