"""Which mediation body takes a dispute: the village's committee (小事不出村), else the
township's dispute center, else the county justice bureau."""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.refdata import CountyData

COUNTY_JUSTICE_BUREAU = "331199-D-SF"


@dataclass(frozen=True)
class MediationBody:
    code: str
    name: str


def mediation_body_for(
    county: CountyData, *, village_code: str | None, township_code: str | None
) -> MediationBody:
    candidates = []
    if village_code:
        candidates.append(f"{village_code}-TWH")
    if township_code:
        candidates.append(f"{township_code}-TC")
    candidates.append(COUNTY_JUSTICE_BUREAU)
    for code in candidates:
        unit = county.unit(code)
        if unit is not None:
            return MediationBody(unit.code, unit.name)
    raise LookupError("the county justice bureau is missing from the reference data")
