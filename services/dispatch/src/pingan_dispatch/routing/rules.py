"""Routing rules as data: the rule set document, what it must satisfy, and the packaged file.

A rule matches on category group and/or codes, how precisely the place is known (area_level)
and urgency, and names its lead unit (主办) and co-handlers (协办) relative to the place.
``rule_set_problems`` rejects sets that break a principle: department work (the duty list,
职责清单, or any code a rule sends to a department) may not go to a village or grid, priorities
are unique, a rule targeting a place-level unit requires the place to be known to that level.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pingan_common.refdata import CategoryGroup

AreaLevel = Literal["county", "township", "village", "grid"]
TargetKind = Literal[
    "command_center",
    "department",
    "township",
    "township_mediation",
    "village",
    "village_mediation",
    "grid",
]
LEVEL_DEPTH: dict[str, int] = {"county": 0, "township": 1, "village": 2, "grid": 3}
# Targets found at the place: the directory unit kind and the level of the place it serves.
PLACE_TARGETS: dict[str, tuple[str, str]] = {
    "township": ("township_center", "township"),
    "township_mediation": ("mediation_center", "township"),
    "village": ("village_committee", "village"),
    "village_mediation": ("mediation_committee", "village"),
    "grid": ("grid", "grid"),
}
# Targets below the township: a department's work must never land there.
PUSHED_DOWN = frozenset({"village", "village_mediation", "grid"})
TEMPLATE_FIELDS = frozenset({"unit", "unit_code", "co_units", "place", "level", "group"})
VERSION_PATTERN = r"^\d+(\.\d+)*(-r\d+)?$"


# --- the rule set as data ----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(_Strict):
    unit_kind: TargetKind
    department_code: str | None = Field(default=None, examples=["331199-D-RS"])

    @model_validator(mode="after")
    def _department_needs_its_code(self) -> Target:
        if (self.unit_kind == "department") != (self.department_code is not None):
            raise ValueError("department_code is required for, and only for, unit_kind department")
        return self


class Match(_Strict):
    group: CategoryGroup | None = None
    codes: list[str] | None = Field(default=None, min_length=1)
    area_level: AreaLevel | None = Field(
        default=None, description="The place must be known at least down to this level"
    )
    urgency: Literal["urgent", "normal"] | None = None


class Rule(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", examples=["R-WAGE-ARREARS"])
    priority: int = Field(ge=0, description="Lower is checked first; unique within a set")
    match: Match
    target: Target
    co_handlers: list[Target] = Field(default_factory=list, description="协办 units")
    explain: str = Field(
        min_length=1,
        description="Chinese reason; placeholders {unit} {unit_code} {co_units} {place} {level} "
        "{group}",
        examples=["欠薪属劳动保障监察职责，由{unit}主办，属地{co_units}协办"],
    )


class RuleSetDocument(_Strict):
    """A whole rule set as stored and edited: version, department duties (职责清单), rules."""

    version: str = Field(pattern=VERSION_PATTERN, examples=["2026.11.1"])
    description: str | None = None
    department_duties: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Department unit code → subcategory codes it owns; these never go to a "
        "village or grid",
    )
    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class RuleProblem:
    field: str
    message: str


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set, rules in checking order."""

    version: str
    rules: tuple[Rule, ...]
    department_of_code: Mapping[str, str]

    @classmethod
    def from_document(cls, document: RuleSetDocument) -> RuleSet:
        return cls(
            version=document.version,
            rules=tuple(sorted(document.rules, key=lambda rule: (rule.priority, rule.id))),
            department_of_code=department_owned_codes(document),
        )


def department_owned_codes(document: RuleSetDocument) -> dict[str, str]:
    """Codes that belong to a county department: the duty list plus every code a rule already
    sends to a department."""
    owned: dict[str, str] = {}
    for rule in document.rules:
        if rule.target.unit_kind == "department" and rule.match.codes:
            for code in rule.match.codes:
                owned.setdefault(code, rule.target.department_code or "")
    for department, codes in document.department_duties.items():
        for code in codes:
            owned[code] = department
    return owned


def rule_set_problems(
    document: RuleSetDocument, departments: Iterable[str] | None = None
) -> list[RuleProblem]:
    """Everything wrong with a rule set; [] when it may become active. ``departments``: the
    department unit codes of the directory, when known."""
    known = set(departments) if departments is not None else None
    problems = _duty_problems(document, known)
    owned = department_owned_codes(document)
    seen_ids: set[str] = set()
    seen_priorities: dict[int, str] = {}
    for index, rule in enumerate(document.rules):
        where = f"rules[{index}]"
        if rule.id in seen_ids:
            problems.append(RuleProblem(f"{where}.id", f"rule id {rule.id} is used twice"))
        seen_ids.add(rule.id)
        if rule.priority in seen_priorities:
            problems.append(
                RuleProblem(
                    f"{where}.priority",
                    f"rule {rule.id} has the same priority {rule.priority} as "
                    f"{seen_priorities[rule.priority]}; priorities must be unique",
                )
            )
        seen_priorities.setdefault(rule.priority, rule.id)
        problems.extend(_rule_problems(rule, where, owned, known))
    return problems


def _duty_problems(document: RuleSetDocument, known: set[str] | None) -> list[RuleProblem]:
    problems: list[RuleProblem] = []
    owner: dict[str, str] = {}
    for department, codes in document.department_duties.items():
        where = f"department_duties.{department}"
        if known is not None and department not in known:
            problems.append(RuleProblem(where, f"{department} is not a department"))
        for code in codes:
            if code in owner and owner[code] != department:
                problems.append(
                    RuleProblem(where, f"{code} is listed for {owner[code]} and {department}")
                )
            owner.setdefault(code, department)
    return problems


def _rule_problems(
    rule: Rule, where: str, owned: Mapping[str, str], known: set[str] | None
) -> list[RuleProblem]:
    problems: list[RuleProblem] = []
    targets = [("target", rule.target)] + [
        (f"co_handlers[{i}]", target) for i, target in enumerate(rule.co_handlers)
    ]
    for name, target in targets:
        if (
            target.unit_kind == "department"
            and known is not None
            and target.department_code not in known
        ):
            problems.append(
                RuleProblem(
                    f"{where}.{name}.department_code",
                    f"rule {rule.id}: {target.department_code} is not a department",
                )
            )
        if target.unit_kind in PUSHED_DOWN:
            pushed = sorted(code for code in rule.match.codes or () if code in owned)
            if pushed:
                problems.append(
                    RuleProblem(
                        f"{where}.{name}.unit_kind",
                        f"rule {rule.id} sends department work ({', '.join(pushed)}, owned by "
                        f"{owned[pushed[0]]}) down to a {target.unit_kind}; a department's work "
                        "may not be pushed down to villages or grids",
                    )
                )
    if rule.target.unit_kind in PLACE_TARGETS:
        needed = PLACE_TARGETS[rule.target.unit_kind][1]
        given = rule.match.area_level
        if given is None or LEVEL_DEPTH[given] < LEVEL_DEPTH[needed]:
            problems.append(
                RuleProblem(
                    f"{where}.match.area_level",
                    f"rule {rule.id} targets a {rule.target.unit_kind} unit, so it must match "
                    f"places known at least to the {needed} level (area_level)",
                )
            )
    unknown = _template_fields(rule.explain) - TEMPLATE_FIELDS
    if unknown:
        problems.append(
            RuleProblem(
                f"{where}.explain",
                f"rule {rule.id}: unknown placeholders {sorted(unknown)}; "
                f"use {sorted(TEMPLATE_FIELDS)}",
            )
        )
    return problems


def _template_fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


class RuleSetInvalid(ValueError):
    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def parse_rule_set(raw: Mapping, departments: Iterable[str] | None = None) -> RuleSet:
    """A stored or packaged document as a RuleSet; RuleSetInvalid if it breaks a principle."""
    document = RuleSetDocument.model_validate(raw)
    problems = rule_set_problems(document, departments)
    if problems:
        raise RuleSetInvalid(problems)
    return RuleSet.from_document(document)


def packaged_rules_document() -> dict:
    text = resources.files("pingan_dispatch").joinpath("data", "routing_rules.json").read_text()
    return json.loads(text)


@cache
def packaged_rule_set() -> RuleSet:
    """The rules shipped with the service: used until a set is stored, and to seed the table."""
    return parse_rule_set(packaged_rules_document())


def version_key(version: str) -> tuple[int, ...]:
    """Order of file versions: "2026.11.1" < "2026.12.1" (admin revisions "-rN" ignored)."""
    base = version.split("-r", 1)[0]
    return tuple(int(part) for part in base.split("."))
