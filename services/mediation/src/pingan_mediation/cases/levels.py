"""Which level takes a dispute: village committee, township center or county, decided by the
dispute's kind, the sum in dispute and the people involved, as versioned rules
(``data/level_rules.json``, first match wins). Pure: no I/O but reading the shipped file once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["village", "township", "county"]
LEVELS: tuple[Level, ...] = ("village", "township", "county")


class LevelRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    level: Level
    why: str
    kinds: tuple[str, ...] | None = None
    min_people: int | None = Field(default=None, ge=1)
    min_amount: Decimal | None = Field(default=None, ge=0)

    def matches(self, kind: str, amount: Decimal | None, people: int) -> bool:
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.min_people is not None and people < self.min_people:
            return False
        return not (self.min_amount is not None and (amount is None or amount < self.min_amount))


class LevelRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    note: str = ""
    rules: tuple[LevelRule, ...]


@dataclass(frozen=True)
class LevelDecision:
    level: Level
    rule_id: str
    why: str
    rules_version: str


def decide_level(
    rules: LevelRules, *, kind: str, amount: Decimal | None, people: int
) -> LevelDecision:
    for rule in rules.rules:
        if rule.matches(kind, amount, people):
            return LevelDecision(rule.level, rule.id, rule.why, rules.version)
    return LevelDecision("village", "DEFAULT", "无规则命中，按属地由村（社区）调处", rules.version)


def next_level(level: str) -> Level | None:
    """The level a case goes to when this one fails or declares it beyond its reach."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


@lru_cache(maxsize=1)
def default_rules() -> LevelRules:
    text = resources.files("pingan_mediation.cases").joinpath("data", "level_rules.json")
    return LevelRules.model_validate(json.loads(text.read_text("utf-8")))
