"""The signal rules' data (``rules.json``), loaded once into typed, frozen settings."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pingan_common.events.values import RiskLevel

RULES_FILE = Path(__file__).with_name("rules.json")


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(_Data):
    at: int = Field(ge=1)
    level: RiskLevel


class RepeatCaller(_Data):
    window_days: int
    steps: tuple[Step, ...]


class GroupPrecursor(_Data):
    window_hours: int
    groups: tuple[str, ...]
    steps: tuple[Step, ...]
    collective_words: tuple[str, ...]
    collective_share: float
    collective_raise: int


class Gathering(_Data):
    window_hours: int
    words: tuple[str, ...]
    steps: tuple[Step, ...]


class Threat(_Data):
    groups: tuple[str, ...]
    default_level: RiskLevel


class CaseRisk(_Data):
    levels: dict[str, RiskLevel]
    threat_after_case_days: int
    threat_after_case_level: RiskLevel


class SensitiveOverdue(_Data):
    groups: tuple[str, ...]
    overdue_level: RiskLevel
    escalated_level: RiskLevel


class Spike(_Data):
    baseline_weeks: int
    min_count: int
    ratio: float
    # Groups whose every call is an alert of its own already (threats), or no risk (咨询).
    exclude_groups: tuple[str, ...]
    level: RiskLevel


class SensitivePeriod(_Data):
    """A date range that raises every signal's level (``from``/``to`` as MM-DD every year, or
    as a full date for one year's movable feast)."""

    name: str
    from_: str = Field(alias="from")
    to: str
    raise_: int = Field(alias="raise", ge=0, le=3)

    def covers(self, day: date) -> bool:
        if len(self.from_) == 10:
            return date.fromisoformat(self.from_) <= day <= date.fromisoformat(self.to)
        key = f"{day:%m-%d}"
        if self.from_ <= self.to:
            return self.from_ <= key <= self.to
        return key >= self.from_ or key <= self.to  # across the new year


class Findings(_Data):
    false_alarm: tuple[str, ...]
    confirmed: tuple[str, ...]


class RuleSet(_Data):
    version: str
    notes: str = ""
    repeat_caller: RepeatCaller
    group_precursor: GroupPrecursor
    gathering: Gathering
    threat: Threat
    case_risk: CaseRisk
    sensitive_overdue: SensitiveOverdue
    spike: Spike
    sensitive_periods: tuple[SensitivePeriod, ...]
    acknowledge_minutes: dict[RiskLevel, int]
    verification_findings: Findings


def load_rules(document: dict[str, Any]) -> RuleSet:
    return RuleSet.model_validate(document)


@cache
def default_rules() -> RuleSet:
    return load_rules(json.loads(RULES_FILE.read_text(encoding="utf-8")))
