"""The county map for the big screen, from the demo reference data (not a figure: shapes).

``township_map`` is what the page registers with ECharts (the township outlines, each named);
``point_of`` places a ticket or an alert: the representative point of its grid, village or
township, nudged a little per item so that several in one grid stay visible.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pingan_common.refdata import CountyData

JITTER_DEGREES = 0.003  # about 300 m: inside a demo grid (1–2 km across)


def township_map(county: CountyData) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "id": area.code,
            "properties": {"name": area.name, "code": area.code},
            "geometry": area.geometry,
        }
        for area in county.townships
    ]
    return {"type": "FeatureCollection", "features": features}


def township_names(county: CountyData) -> dict[str, str]:
    return {area.code: area.name for area in county.townships}


def _anchor(county: CountyData, code: str) -> tuple[float, float] | None:
    area = county.area(code)
    if area is None:
        return None
    point = area.shape.representative_point()
    return float(point.x), float(point.y)


def point_of(county: CountyData, code: str | None, key: str = "") -> list[float] | None:
    """[lon, lat] for an area code (its representative point), shifted by up to
    ``JITTER_DEGREES`` per ``key`` (the same key always lands on the same spot)."""
    if not code:
        return None
    anchor = _anchor(county, code)
    if anchor is None:
        return None
    if not key:
        return [round(anchor[0], 6), round(anchor[1], 6)]
    digest = hashlib.sha256(key.encode()).digest()
    dx = (digest[0] / 255 - 0.5) * 2 * JITTER_DEGREES
    dy = (digest[1] / 255 - 0.5) * 2 * JITTER_DEGREES
    return [round(anchor[0] + dx, 6), round(anchor[1] + dy, 6)]
