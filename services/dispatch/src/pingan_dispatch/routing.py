"""First routing rules: who handles a ticket, and why (every decision is explainable).

Lowest capable level first (小事不出村): city services go to the township of the place;
matters that belong to a department go to that department; nothing matching goes to the county
command center (兜底). The dispatch issue turns these into versioned, editable data.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMAND_CENTER = "331199-CC"

# Category group → county department that owns it, where one does.
DEPARTMENT_FOR_GROUP = {
    "public_order": "331199-D-GA",
    "safety_hazard": "331199-D-YJ",
    "petition_group": "331199-D-XF",
    "key_population": "331199-D-GA",
    "extreme_threat": "331199-D-GA",
}
# Subcategories whose owner is a utility or another department than the group's.
DEPARTMENT_FOR_CODE = {
    "gas_leak": "331199-D-RQ",
    "water_outage": "331199-D-GS",
    "power_outage": "331199-D-GD",
    "wage_arrears": "331199-D-RS",
    "group_wage_arrears": "331199-D-RS",
    "elevator": "331199-D-SJ",
    "dangerous_building": "331199-D-ZJ",
    "pollution": "331199-D-HB",
    "illegal_building": "331199-D-CG",
    "street_vending": "331199-D-CG",
}
TOWNSHIP_GROUPS = frozenset({"city_service", "dispute"})


@dataclass(frozen=True)
class RoutingRequest:
    category_group: str
    category_code: str | None
    township_code: str | None


@dataclass(frozen=True)
class RoutingDecision:
    unit_code: str
    rule_id: str
    reason: str


def route(request: RoutingRequest) -> RoutingDecision:
    code = request.category_code
    if code in DEPARTMENT_FOR_CODE:
        return RoutingDecision(
            DEPARTMENT_FOR_CODE[code],
            "R-CODE-DEPARTMENT",
            f"subcategory {code} belongs to a county department",
        )
    if request.category_group in DEPARTMENT_FOR_GROUP:
        return RoutingDecision(
            DEPARTMENT_FOR_GROUP[request.category_group],
            "R-GROUP-DEPARTMENT",
            f"group {request.category_group} belongs to a county department",
        )
    if request.category_group in TOWNSHIP_GROUPS and request.township_code:
        return RoutingDecision(
            f"{request.township_code}-ZZ",
            "R-TOWNSHIP",
            "handled at the lowest capable level: the township where it happened",
        )
    if request.category_group == "city_service":
        return RoutingDecision(
            "331199-D-CG",
            "R-CITY-DEPARTMENT-UNLOCATED",
            "city matter with no known township goes to the county city-management bureau",
        )
    return RoutingDecision(
        COMMAND_CENTER, "R-FALLBACK-COUNTY", "no rule matched; the county command center takes it"
    )
