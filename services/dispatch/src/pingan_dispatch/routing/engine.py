"""Routing: which unit handles a task (主办), which units help (协办), and why.

Rules are data (``data/routing_rules.json``, then admin-edited versions in the database). The
engine here is pure: ``route(rules, directory, request)`` checks the rules in ascending priority
and the first that matches decides. Principles the rule set and the engine enforce:

- lowest capable level first (小事不出村): a rule may send small matters located to a village
  to the village committee — only rules that say so;
- a department's work is never pushed down to a village or grid: rule sets that try are rejected
  (``rule_set_problems``), and a group-wide village rule skips department-owned codes;
- 主办 + 协办: a rule names the lead unit and co-handling units relative to the place;
- 兜底: nothing matches, or the unit a rule names does not exist → the county command center,
  with ``fallback=True``.

The rule set as data and its validation live in ``routing_rules``, stored versions in
``routing_store``; the async helpers the task lifecycle calls (``route_task``,
``supervisor_of``, ``on_duty``, ``unit_name``) are at the end of this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.refdata import level_of_code, load_county
from pingan_dispatch.directory.service import (
    COUNTY_COMMAND_CENTER,
    on_duty_user_ids,
    supervisor_code_of,
)
from pingan_dispatch.models import Unit
from pingan_dispatch.routing.rules import (
    LEVEL_DEPTH,
    PLACE_TARGETS,
    PUSHED_DOWN,
    Rule,
    RuleSet,
    Target,
)
from pingan_dispatch.routing.store import active_rule_set

COMMAND_CENTER = COUNTY_COMMAND_CENTER
FALLBACK_RULE_ID = "R-FALLBACK-COUNTY"

LEVEL_NAMES = {"county": "县", "township": "乡镇/街道", "village": "村/社区", "grid": "网格"}
GROUP_NAMES = {
    "dispute": "矛盾纠纷",
    "public_order": "治安",
    "safety_hazard": "安全隐患",
    "city_service": "城市管理与民生",
    "key_population": "特殊人群",
    "petition_group": "信访/群体",
    "extreme_threat": "极端事项",
    "consultation": "咨询",
}
TARGET_NAMES = {
    "township": "综治中心",
    "township_mediation": "矛盾纠纷调处中心",
    "village": "村（居）民委员会",
    "village_mediation": "人民调解委员会",
    "grid": "网格",
}


# --- the directory as the engine sees it -------------------------------------------------------


@dataclass(frozen=True)
class DirectoryUnit:
    code: str
    name: str
    kind: str
    area_code: str
    active: bool = True


class DirectorySnapshot:
    """The units routing may choose from, with area names for the reasons."""

    def __init__(
        self, units: Iterable[DirectoryUnit], area_names: Mapping[str, str] | None = None
    ) -> None:
        self._units = {unit.code: unit for unit in units if unit.active}
        self._by_place = {(unit.kind, unit.area_code): unit for unit in self._units.values()}
        self._area_names = dict(area_names or {})

    @classmethod
    def from_refdata(cls) -> DirectorySnapshot:
        county = load_county()
        units = [DirectoryUnit(u.code, u.name, u.kind, u.area_code) for u in county.units]
        return cls(units, area_names=refdata_area_names())

    def get(self, code: str | None) -> DirectoryUnit | None:
        return self._units.get(code) if code else None

    def at_place(self, kind: str, area_code: str | None) -> DirectoryUnit | None:
        return self._by_place.get((kind, area_code)) if area_code else None

    def area_name(self, code: str | None) -> str:
        if not code:
            return "未定位地点"
        return self._area_names.get(code, code)


@cache
def refdata_area_names() -> dict[str, str]:
    county = load_county()
    areas = [county.county, *county.townships, *county.villages, *county.grids]
    return {area.code: area.name for area in areas}


# --- the engine --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingRequest:
    category_group: str
    category_code: str | None
    urgency: str = "normal"
    # The most specific known: grid, village, township or county code.
    area_code: str | None = None
    township_code: str | None = None
    village_code: str | None = None
    grid_code: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    unit_code: str
    unit_name: str
    co_unit_codes: tuple[str, ...]
    rule_id: str
    rules_version: str
    reason: str
    fallback: bool


@dataclass(frozen=True)
class Candidate:
    """A rule the engine checked, and what came of it."""

    rule_id: str
    priority: int
    outcome: Literal["chosen", "skipped", "target_missing"]
    why: str


@dataclass(frozen=True)
class Explanation:
    decision: RoutingDecision
    candidates: tuple[Candidate, ...]
    place_level: str


@dataclass(frozen=True)
class Place:
    township: str | None
    village: str | None
    grid: str | None

    @property
    def level(self) -> str:
        if self.grid:
            return "grid"
        if self.village:
            return "village"
        return "township" if self.township else "county"

    def code_at(self, level: str) -> str | None:
        return {"township": self.township, "village": self.village, "grid": self.grid}.get(level)

    @property
    def most_specific(self) -> str | None:
        return self.grid or self.village or self.township


def place_of(request: RoutingRequest) -> Place:
    """The place at every level, from the explicit codes or the prefix of the area code."""
    known = [request.grid_code, request.village_code, request.township_code, request.area_code]
    deepest = next((code for code in known if code and level_of_code(code)), None) or ""

    def prefix(length: int) -> str | None:
        return deepest[:length] if len(deepest) >= length else None

    return Place(
        township=request.township_code or prefix(9),
        village=request.village_code or prefix(12),
        grid=request.grid_code or prefix(14),
    )


def route(rules: RuleSet, directory: DirectorySnapshot, request: RoutingRequest) -> RoutingDecision:
    """The unit(s) a request goes to under ``rules``; pure."""
    return explain(rules, directory, request).decision


def explain(rules: RuleSet, directory: DirectorySnapshot, request: RoutingRequest) -> Explanation:
    """The decision plus every rule checked on the way and why it did not apply."""
    place = place_of(request)
    candidates: list[Candidate] = []
    for rule in rules.rules:
        mismatch = _mismatch(rule, request, place, rules)
        if mismatch is not None:
            candidates.append(Candidate(rule.id, rule.priority, "skipped", mismatch))
            continue
        unit = _resolve(rule.target, place, directory)
        if unit is None:
            missing = f"{_describe(rule.target, place, directory)}不在组织目录中"
            candidates.append(
                Candidate(rule.id, rule.priority, "target_missing", f"规则适用，但{missing}")
            )
            decision = _fallback(rules, directory, f"规则{rule.id}适用，但{missing}")
            return Explanation(decision, tuple(candidates), place.level)
        candidates.append(Candidate(rule.id, rule.priority, "chosen", "条件全部满足"))
        decision = _decide(rule, unit, request, place, rules, directory)
        return Explanation(decision, tuple(candidates), place.level)
    group = GROUP_NAMES.get(request.category_group, request.category_group)
    decision = _fallback(rules, directory, f"没有适用于“{group}”类诉求的派单规则")
    return Explanation(decision, tuple(candidates), place.level)


def _mismatch(rule: Rule, request: RoutingRequest, place: Place, rules: RuleSet) -> str | None:
    """Why ``rule`` does not apply, in Chinese words; None when it does."""
    match = rule.match
    if match.group and match.group != request.category_group:
        return f"类别组不符：规则要求{GROUP_NAMES[match.group]}"
    if match.codes and request.category_code not in match.codes:
        return f"小类{request.category_code or '（未分类）'}不在规则所列小类中"
    if match.urgency and match.urgency != request.urgency:
        return (
            "紧急程度不符：规则只适用于"
            + ("紧急" if match.urgency == "urgent" else "一般")
            + "诉求"
        )
    if match.area_level and LEVEL_DEPTH[place.level] < LEVEL_DEPTH[match.area_level]:
        return (
            f"地点只定位到{LEVEL_NAMES[place.level]}，规则要求至少定位到"
            f"{LEVEL_NAMES[match.area_level]}"
        )
    owner = rules.department_of_code.get(request.category_code or "")
    if owner and rule.target.unit_kind in PUSHED_DOWN:
        return f"部门职责不下沉：{request.category_code}属{owner}职责，不派给村/网格"
    return None


def _resolve(target: Target, place: Place, directory: DirectorySnapshot) -> DirectoryUnit | None:
    if target.unit_kind == "command_center":
        return directory.get(COUNTY_COMMAND_CENTER)
    if target.unit_kind == "department":
        unit = directory.get(target.department_code)
        return unit if unit and unit.kind == "department" else None
    kind, level = PLACE_TARGETS[target.unit_kind]
    return directory.at_place(kind, place.code_at(level))


def _describe(target: Target, place: Place, directory: DirectorySnapshot) -> str:
    if target.unit_kind == "department":
        return f"部门{target.department_code}"
    if target.unit_kind == "command_center":
        return "县社会治理指挥中心"
    level = PLACE_TARGETS[target.unit_kind][1]
    return f"{directory.area_name(place.code_at(level))}的{TARGET_NAMES[target.unit_kind]}"


def _decide(
    rule: Rule,
    unit: DirectoryUnit,
    request: RoutingRequest,
    place: Place,
    rules: RuleSet,
    directory: DirectorySnapshot,
) -> RoutingDecision:
    co_units = _co_handlers(rule, unit, request, place, rules, directory)
    values = {
        "unit": unit.name,
        "unit_code": unit.code,
        "co_units": "、".join(co.name for co in co_units) or "无",
        "place": directory.area_name(place.most_specific),
        "level": LEVEL_NAMES[place.level],
        "group": GROUP_NAMES.get(request.category_group, request.category_group),
    }
    return RoutingDecision(
        unit_code=unit.code,
        unit_name=unit.name,
        co_unit_codes=tuple(co.code for co in co_units),
        rule_id=rule.id,
        rules_version=rules.version,
        reason=rule.explain.format_map(values),
        fallback=False,
    )


def _co_handlers(
    rule: Rule,
    lead: DirectoryUnit,
    request: RoutingRequest,
    place: Place,
    rules: RuleSet,
    directory: DirectorySnapshot,
) -> list[DirectoryUnit]:
    """The co-handling units that exist at this place; department work skips village ones."""
    department_work = (request.category_code or "") in rules.department_of_code
    found: dict[str, DirectoryUnit] = {}
    for target in rule.co_handlers:
        if department_work and target.unit_kind in PUSHED_DOWN:
            continue
        unit = _resolve(target, place, directory)
        if unit is not None and unit.code != lead.code:
            found.setdefault(unit.code, unit)
    return list(found.values())


def _fallback(rules: RuleSet, directory: DirectorySnapshot, why: str) -> RoutingDecision:
    center = directory.get(COUNTY_COMMAND_CENTER)
    name = center.name if center else "县社会治理指挥中心"
    return RoutingDecision(
        unit_code=COUNTY_COMMAND_CENTER,
        unit_name=name,
        co_unit_codes=(),
        rule_id=FALLBACK_RULE_ID,
        rules_version=rules.version,
        reason=f"{why}，由{name}兜底",
        fallback=True,
    )


# --- the helpers the task lifecycle calls ---------------------------------------------------------


async def directory_for(session: AsyncSession, request: RoutingRequest) -> DirectorySnapshot:
    """Only the units routing may pick for this request: county-level ones and those at the
    place — a few dozen rows, not the whole directory."""
    place = place_of(request)
    codes = [code for code in (place.township, place.village, place.grid) if code]
    rows = await session.scalars(
        select(Unit).where(
            or_(Unit.kind.in_(("command_center", "department")), Unit.area_code.in_(codes))
        )
    )
    units = [DirectoryUnit(u.code, u.name, u.kind, u.area_code, u.active) for u in rows]
    return DirectorySnapshot(units, area_names=refdata_area_names())


async def route_task(session: AsyncSession, request: RoutingRequest) -> RoutingDecision:
    """Route with the active rule set and the current directory."""
    return (await explain_task(session, request)).decision


async def explain_task(session: AsyncSession, request: RoutingRequest) -> Explanation:
    rules = await active_rule_set(session)
    return explain(rules, await directory_for(session, request), request)


async def supervisor_of(session: AsyncSession, unit_code: str) -> str | None:
    """The unit that supervises (督办) this one; None for the command center or unknown units."""
    return await supervisor_code_of(session, unit_code)


async def on_duty(
    session: AsyncSession, unit_code: str, at: datetime, duty: str = "leader"
) -> list[str]:
    """User ids on duty (值班) for the unit at ``at``: the roster's shifts, else its staff."""
    return await on_duty_user_ids(session, unit_code, at, duty)


async def unit_name(session: AsyncSession, unit_code: str) -> str:
    unit = await session.get(Unit, unit_code)
    return unit.name if unit else unit_code
