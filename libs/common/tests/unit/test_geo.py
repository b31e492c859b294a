"""GridLocator: which grid (网格) contains a lon/lat point."""

import time

import pytest
import shapely

from pingan_common.geo import GridLocator
from pingan_common.refdata import load_county


@pytest.fixture(scope="module")
def county():
    return load_county()


@pytest.fixture(scope="module")
def locator(county):
    return GridLocator.from_county(county)


def test_locates_every_grid_by_its_representative_point(county, locator):
    assert len(locator) == len(county.grids)
    for g in county.grids:
        pt = shapely.geometry.shape(g.geometry).representative_point()
        found = locator.locate(pt.x, pt.y)
        assert found is not None and found.code == g.code
        assert locator.locate_code(pt.x, pt.y) == g.code


def test_outside_the_county_is_none(county, locator):
    minx, miny, maxx, maxy = shapely.geometry.shape(county.county.geometry).bounds
    for lon, lat in [
        (minx - 0.01, miny - 0.01),
        (maxx + 0.01, maxy + 0.01),
        (maxx + 1, (miny + maxy) / 2),
        (0.0, 0.0),
        (116.397, 39.909),  # Beijing
    ]:
        assert locator.locate(lon, lat) is None
    # inside the bounding box but outside the outline: a bbox corner
    assert not shapely.geometry.shape(county.county.geometry).contains(shapely.Point(minx, miny))
    assert locator.locate(minx, miny) is None
    assert locator.locate(float("nan"), 28.1) is None
    assert locator.locate(float("inf"), 28.1) is None


def test_roads_resolve_to_grids_in_their_village(county, locator):
    for r in county.roads:
        g = locator.locate(r.lon, r.lat)
        assert g is not None and g.village_code == r.village_code


def _shared_vertex(county):
    """A vertex on the boundary of two or more grids, with the grids sharing it."""
    owners: dict[tuple[float, float], list[str]] = {}
    for g in county.grids:
        for x, y in g.geometry["coordinates"][0][:-1]:
            owners.setdefault((x, y), []).append(g.code)
    for xy, codes in sorted(owners.items()):
        if len(codes) >= 3:
            return xy, sorted(codes)
    raise AssertionError("no vertex shared by three grids")


def test_shared_boundary_resolves_to_smallest_code(county, locator):
    (x, y), codes = _shared_vertex(county)
    assert locator.locate(x, y).code == codes[0]
    assert locator.locate_many([(x, y)])[0].code == codes[0]
    # the midpoint of an edge shared by two grids of one village
    a, b = county.children(county.villages[0].code)[:2]
    edge = shapely.geometry.shape(a.geometry).boundary.intersection(
        shapely.geometry.shape(b.geometry).boundary
    )
    assert edge.length > 0
    mid = edge.interpolate(0.5, normalized=True)
    results = {locator.locate(mid.x, mid.y).code for _ in range(3)}
    assert results <= {a.code, b.code} and len(results) == 1


def test_locate_many_matches_locate(county, locator):
    pts = []
    for g in county.grids:
        p = shapely.geometry.shape(g.geometry).representative_point()
        pts.append((p.x, p.y))
    pts += [(0.0, 0.0), (120.5, 28.1), (float("nan"), float("nan"))]
    many = locator.locate_many(pts)
    assert [g.code if g else None for g in many] == [
        g.code if g else None for g in (locator.locate(x, y) for x, y in pts)
    ]
    assert many[-3:] == [None, None, None]
    assert locator.locate_many([]) == []


def test_queries_are_fast(county, locator):
    p = shapely.geometry.shape(county.grids[7].geometry).representative_point()
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        locator.locate(p.x, p.y)
    per_query = (time.perf_counter() - t0) / n
    assert per_query < 500e-6  # typically ~10 µs; generous for slow CI machines
