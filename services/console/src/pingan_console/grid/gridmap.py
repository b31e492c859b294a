"""The worker's grid as a small server-drawn SVG: polygons, the places inside, a marker to move.

A plain equirectangular projection scaled by cos(latitude) is exact enough for a patrol area a
few hundred metres wide; the page's script turns a tap back into lon/lat with the same numbers
(``data-*`` on the <svg>), so the projection lives here once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pingan_common.refdata import Grid, Place

WIDTH = 320.0
PADDING = 0.06  # of the larger span, around the grids


@dataclass(frozen=True)
class Projection:
    min_lon: float
    max_lat: float
    scale_x: float  # SVG units per degree of longitude
    scale_y: float  # SVG units per degree of latitude
    height: float

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            round((lon - self.min_lon) * self.scale_x, 1),
            round((self.max_lat - lat) * self.scale_y, 1),
        )


@dataclass(frozen=True)
class MapPlace:
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class GridMap:
    projection: Projection
    paths: list[tuple[str, str, str]]  # (grid code, name, SVG path data)
    places: list[MapPlace]
    start: tuple[float, float]  # a point inside the first grid (lon, lat), for the marker
    start_xy: tuple[float, float]

    @property
    def width(self) -> float:
        return WIDTH


def _rings(grid: Grid) -> list[list[list[float]]]:
    geometry = grid.geometry
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    rings: list[list[list[float]]] = geometry.get("coordinates", [])
    return rings


def projection_for(grids: Sequence[Grid]) -> Projection:
    points = [(p[0], p[1]) for grid in grids for ring in _rings(grid) for p in ring]
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    mid_lat = (min_lat + max_lat) / 2
    span_x = (max_lon - min_lon) * math.cos(math.radians(mid_lat))
    span_y = max_lat - min_lat
    pad = max(span_x, span_y) * PADDING
    min_lon -= pad / math.cos(math.radians(mid_lat))
    max_lat += pad
    span_x += 2 * pad
    span_y += 2 * pad
    unit = WIDTH / span_x  # SVG units per degree on the ground (latitude degrees)
    return Projection(
        min_lon=min_lon,
        max_lat=max_lat,
        scale_x=unit * math.cos(math.radians(mid_lat)),
        scale_y=unit,
        height=round(span_y * unit, 1),
    )


def path_data(rings: list[list[list[float]]], projection: Projection) -> str:
    parts = []
    for ring in rings:
        xy = [projection.point(lon, lat) for lon, lat, *_ in ring]
        parts.append("M" + " L".join(f"{x},{y}" for x, y in xy) + " Z")
    return " ".join(parts)


def grid_map(grids: Sequence[Grid], places: Sequence[Place]) -> GridMap | None:
    """The map of these grids with the places inside them; None when there is no grid."""
    if not grids:
        return None
    projection = projection_for(grids)
    codes = {grid.code for grid in grids}
    inside = grids[0].shape.representative_point()
    start = (round(inside.x, 6), round(inside.y, 6))
    return GridMap(
        projection=projection,
        paths=[(g.code, g.name, path_data(_rings(g), projection)) for g in grids],
        places=[
            MapPlace(place.name, *projection.point(place.lon, place.lat))
            for place in places
            if place.grid_code in codes
        ],
        start=start,
        start_xy=projection.point(*start),
    )
