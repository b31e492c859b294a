"""Which mediation body takes a dispute at a level: the village's committee (小事不出村), the
township's dispute center (大事不出乡), or the county (难事不出县: the justice bureau's
矛调中心 in the demo county's reference data). A level whose body is missing falls upward."""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.refdata import CountyData

COUNTY_JUSTICE_BUREAU = "331199-D-SF"
LEVEL_ORDER = ("village", "township", "county")


@dataclass(frozen=True)
class MediationBody:
    code: str
    name: str
    level: str
    area_code: str


def mediation_body_for(
    county: CountyData,
    *,
    village_code: str | None,
    township_code: str | None,
    level: str = "village",
) -> MediationBody:
    """The body at ``level`` for the place, or the first one above it that exists."""
    candidates: list[tuple[str, str, str | None]] = []
    if village_code:
        candidates.append(("village", f"{village_code}-TWH", village_code))
    if township_code:
        candidates.append(("township", f"{township_code}-TC", township_code))
    candidates.append(("county", COUNTY_JUSTICE_BUREAU, None))
    floor = LEVEL_ORDER.index(level)
    for candidate_level, code, area in candidates:
        if LEVEL_ORDER.index(candidate_level) < floor:
            continue
        unit = county.unit(code)
        if unit is not None:
            return MediationBody(unit.code, unit.name, candidate_level, area or unit.area_code)
    raise LookupError("the county justice bureau is missing from the reference data")


def split_area(area_code: str) -> tuple[str | None, str | None]:
    """(village, township) codes of an area code (12 and 9 digits), where it has them."""
    village = area_code[:12] if len(area_code) >= 12 else None
    township = area_code[:9] if len(area_code) >= 9 else None
    return village, township
