"""The mediators: seeded from the demo county's reference data, one row per people's mediator.

The county's staff file names four mediators (at two village committees, a township center and
a village of 西湖镇); every other committee, township center and the county get one generated
mediator each (``generated``), so every body can take a case. Specialties are the dispute kinds
a mediator is known for; assignment prefers them. Seeding never overwrites a row an admin
changed (only generated rows and missing rows are written).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from pingan_common.refdata import CountyData, load_county
from pingan_common.runtime import Runtime
from pingan_mediation.committees import COUNTY_JUSTICE_BUREAU
from pingan_mediation.models import Mediator

MEDIATION_UNIT_KINDS = ("mediation_committee", "mediation_center")
# The named mediators' specialties (the demo county's story: who is good at what).
SPECIALTIES: dict[str, list[str]] = {
    "mediator1": ["neighbour", "family", "domestic_support"],
    "mediator2": ["land", "demolition", "wage_arrears", "medical"],
    "mediator3": ["property_management", "consumer", "rental"],
    "mediator4": ["family", "debt", "damage_compensation"],
}
GENERATED_SPECIALTIES: dict[str, list[str]] = {
    "mediation_committee": ["neighbour", "family"],
    "mediation_center": ["land", "wage_arrears", "traffic_compensation"],
    "department": ["demolition", "medical", "traffic_compensation"],
}


def seed_rows(county: CountyData) -> list[dict]:
    rows: list[dict] = []
    named_units = set()
    for member in county.staff:
        if member.role != "mediator":
            continue
        named_units.add(member.unit_code)
        rows.append(
            {
                "id": member.username,
                "name": member.display_name,
                "unit_code": member.unit_code,
                "area_code": member.area_code,
                "specialties": SPECIALTIES.get(member.username, []),
                "active": True,
                "generated": False,
            }
        )
    bodies = [u for kind in MEDIATION_UNIT_KINDS for u in county.units_of_kind(kind)]
    county_body = county.unit(COUNTY_JUSTICE_BUREAU)
    if county_body is not None:
        bodies.append(county_body)
    for unit in bodies:
        if unit.code in named_units:
            continue
        rows.append(
            {
                "id": f"mediator@{unit.code}",
                "name": f"{unit.name}调解员",
                "unit_code": unit.code,
                "area_code": unit.area_code,
                "specialties": GENERATED_SPECIALTIES.get(unit.kind, []),
                "active": True,
                "generated": True,
            }
        )
    return rows


async def seed_mediators(runtime: Runtime) -> None:
    rows = seed_rows(load_county())
    async with runtime.transaction() as session:
        existing = {
            row.id: row.generated
            for row in (await session.execute(select(Mediator.id, Mediator.generated)))
        }
        fresh = [row for row in rows if existing.get(row["id"], True)]
        if not fresh:
            return
        statement = insert(Mediator).values(fresh)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[Mediator.id],
                set_={
                    "name": statement.excluded.name,
                    "unit_code": statement.excluded.unit_code,
                    "area_code": statement.excluded.area_code,
                    "specialties": statement.excluded.specialties,
                },
            )
        )
