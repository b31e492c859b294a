"""Point-in-polygon lookup of the grid (网格) containing a lon/lat point.

    from pingan_common.geo import GridLocator
    from pingan_common.refdata import load_county
    locator = GridLocator.from_county(load_county())
    grid = locator.locate(119.78, 28.195)     # Grid | None

Grid polygons are prepared and indexed in a shapely STRtree once; a query takes a few
microseconds. Points on an edge or vertex shared by several grids (the grids' boundaries
are closed sets) resolve to the grid with the smallest code, so the answer is
deterministic. Points outside every grid (outside the county) give None.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import shape

from pingan_common.refdata import Grid

if TYPE_CHECKING:
    from pingan_common.refdata import CountyData

__all__ = ["GridLocator"]


class GridLocator:
    """Find the grid containing a point (lon/lat WGS84)."""

    def __init__(self, grids: Iterable[Grid]) -> None:
        self._grids: list[Grid] = sorted(grids, key=lambda g: g.code)
        self._geoms = np.array([shape(g.geometry) for g in self._grids], dtype=object)
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)

    @classmethod
    def from_county(cls, county: CountyData) -> GridLocator:
        return cls(county.grids)

    @property
    def grids(self) -> list[Grid]:
        """The indexed grids, sorted by code."""
        return list(self._grids)

    def __len__(self) -> int:
        return len(self._grids)

    def locate(self, lon: float, lat: float) -> Grid | None:
        """The grid containing (lon, lat), or None outside all grids."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        idx = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(idx) == 0:
            return None
        return self._grids[int(idx.min())]

    def locate_code(self, lon: float, lat: float) -> str | None:
        """The code of the grid containing (lon, lat), or None."""
        grid = self.locate(lon, lat)
        return grid.code if grid is not None else None

    def locate_many(self, points: Sequence[tuple[float, float]] | np.ndarray) -> list[Grid | None]:
        """Vectorised locate for a sequence of (lon, lat) pairs or an (n, 2) array."""
        coords = np.asarray(points, dtype=float).reshape(-1, 2)
        n = len(coords)
        if n == 0:
            return []
        pts = shapely.points(coords)
        inp, idx = self._tree.query(pts, predicate="intersects")
        best = np.full(n, len(self._grids), dtype=np.int64)
        np.minimum.at(best, inp, idx)  # smallest code wins on shared edges
        return [self._grids[i] if i < len(self._grids) else None for i in best.tolist()]
