"""The SLA policy: how long a unit has to sign for and to handle a task, as versioned data.

The shipped policy is ``data/sla_policy.json``; an admin (or the database) can supply a newer one
as a dict to ``SlaPolicy.from_dict``, which validates it. A task keeps the policy version and
the id of the rule that set its deadlines, so every deadline can be explained.

Matching: a rule matches a task when every field its ``match`` names equals the task's (fields it
leaves out match anything). Among matching rules the most decisive wins, comparing which fields
they name in this order: ``urgency``, then ``sla_class``, then ``category_code``, then ``group``.
So an urgent task always gets the urgent rule (an urgent gas leak: 2 hours, not the utilities'
24), a class the dispatcher set (``complex``) beats the category's default, a subcategory beats
its group, and the rule that names nothing is the fallback. Two rules naming the same values
would be ambiguous and are refused, as is a policy without the fallback rule.

Spans: ``minutes`` and ``hours`` run on the wall clock, through nights, weekends and holidays
(emergencies and utility outages do not wait for Monday); ``working_days`` run on the official
working-day calendar (see ``workdays.py``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pingan_dispatch.sla.workdays import WorkingCalendar

POLICY_FILE = "sla_policy.json"
Urgency = Literal["urgent", "normal"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(_Frozen):
    amount: int = Field(gt=0)
    unit: Literal["minutes", "hours", "working_days"]

    @property
    def on_working_days(self) -> bool:
        return self.unit == "working_days"

    def after(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        if self.unit == "working_days":
            return calendar.add_working_days(start, self.amount)
        return start + self.wall_clock()

    def wall_clock(self) -> timedelta:
        if self.unit == "minutes":
            return timedelta(minutes=self.amount)
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        raise ValueError("a working-day span has no fixed wall-clock length")

    def working_time(self) -> timedelta:
        if self.unit == "working_days":
            return timedelta(days=self.amount)
        return self.wall_clock()

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.replace('_', ' ')}"


class RuleMatch(_Frozen):
    category_code: str | None = None
    group: str | None = None
    sla_class: str | None = None
    urgency: Urgency | None = None

    def matches(
        self, category_code: str | None, group: str | None, sla_class: str | None, urgency: str
    ) -> bool:
        wanted = (self.category_code, self.group, self.sla_class, self.urgency)
        actual = (category_code, group, sla_class, urgency)
        return all(w is None or w == a for w, a in zip(wanted, actual, strict=True))

    def precedence(self) -> tuple[bool, bool, bool, bool]:
        # Compared as a tuple: naming urgency outranks everything below it, and so on.
        return (
            self.urgency is not None,
            self.sla_class is not None,
            self.category_code is not None,
            self.group is not None,
        )

    def is_fallback(self) -> bool:
        return not any(self.precedence())


class SlaRule(_Frozen):
    id: str = Field(min_length=1)
    note: str = ""
    match: RuleMatch
    handling: Span
    sign_in: Span | None = None
    escalate_after: Span | None = None


class SlaDefaults(_Frozen):
    sign_in: Span
    escalate_after: Span
    warn_fraction: Decimal = Field(gt=0, lt=1)
    return_window: Span
    max_extension: Span


class SlaLimits(_Frozen):
    """The limits one task runs under, and the rule (and policy version) they came from."""

    policy_version: str
    rule_id: str
    rule_note: str
    handling: Span
    sign_in: Span
    escalate_after: Span
    warn_fraction: Decimal
    return_window: Span
    max_extension: Span


class SlaPolicy(_Frozen):
    version: str = Field(min_length=1)
    defaults: SlaDefaults
    rules: tuple[SlaRule, ...]

    @model_validator(mode="after")
    def _rules_are_unambiguous(self) -> SlaPolicy:
        ids = [rule.id for rule in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        matches = [rule.match for rule in self.rules]
        if len(matches) != len(set(matches)):
            raise ValueError("two rules have the same match: the policy would be ambiguous")
        if sum(m.is_fallback() for m in matches) != 1:
            raise ValueError("exactly one rule must match everything (the fallback)")
        return self

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SlaPolicy:
        return cls.model_validate(raw)

    def limits_for(
        self,
        category_code: str | None,
        group: str | None,
        sla_class: str | None,
        urgency: str,
    ) -> SlaLimits:
        candidates = [
            rule
            for rule in self.rules
            if rule.match.matches(category_code, group, sla_class, urgency)
        ]
        # The fallback always matches and match sets are unique, so the maximum is unique.
        rule = max(candidates, key=lambda r: r.match.precedence())
        return SlaLimits(
            policy_version=self.version,
            rule_id=rule.id,
            rule_note=rule.note,
            handling=rule.handling,
            sign_in=rule.sign_in or self.defaults.sign_in,
            escalate_after=rule.escalate_after or self.defaults.escalate_after,
            warn_fraction=self.defaults.warn_fraction,
            return_window=self.defaults.return_window,
            max_extension=self.defaults.max_extension,
        )


@lru_cache(maxsize=1)
def default_policy() -> SlaPolicy:
    """The shipped ``data/sla_policy.json``."""
    text = resources.files("pingan_dispatch").joinpath("data", POLICY_FILE).read_text("utf-8")
    return SlaPolicy.from_dict(json.loads(text))
