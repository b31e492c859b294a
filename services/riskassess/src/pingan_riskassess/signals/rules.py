"""The signal rules, pure: facts about calls, cases and tasks in, scored signals out.

Each rule reads its thresholds and windows from the rule data (``rules.json``, ``RuleSet``)
and returns a ``Signal`` with its level, a score, the evidence in words and the ids of the
events that matched — or None when it does not fire. Nothing here reads a database or a clock:
the handlers pass the facts and the instant.

* ``repeat_caller``: the third contact in 30 days by one caller (``caller.phone_hash``, which
  intake computes from the normalised number, so it is stable across phone formats), or
  intake's own repeat count;
* ``group_precursor``: distinct callers about one employer, site or village within hours; the
  level rises with the count and, one step, when many speak of collective action;
* ``gathering``: the number of people a call reports gathered at one place;
* ``threat``: intake's classification (group ``extreme_threat``, its risk level) — no second
  word list here;
* ``case_risk`` and ``threat_after_case``: 民转刑 signs from mediation, and a threat by a party
  of a case that showed them;
* ``key_person_involved``: a call from or about a registered key person (by reference only);
* ``sensitive_overdue``: an overdue or escalated task on a petition, group or key-population
  matter;
* ``spike``: a category in a township far above the same weekday of the last weeks;
* ``period_raise``: a sensitive period raises every signal's level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from uuid import UUID

from pingan_common.events.values import RiskLevel
from pingan_riskassess.signals.ruleset import RuleSet, SensitivePeriod, Step

LEVEL_ORDER: tuple[RiskLevel, ...] = (
    RiskLevel.BLUE,
    RiskLevel.YELLOW,
    RiskLevel.ORANGE,
    RiskLevel.RED,
)


def rank(level: RiskLevel | str) -> int:
    return LEVEL_ORDER.index(RiskLevel(level))


def highest(levels: Sequence[RiskLevel | str]) -> RiskLevel:
    return max((RiskLevel(level) for level in levels), key=rank)


def raised(level: RiskLevel, steps: int) -> RiskLevel:
    return LEVEL_ORDER[min(rank(level) + steps, len(LEVEL_ORDER) - 1)]


@dataclass(frozen=True)
class Signal:
    rule: str
    level: RiskLevel
    evidence: str
    score: float
    event_ids: tuple[UUID, ...]
    rules_version: str


@dataclass(frozen=True)
class ContactFact:
    """One call as the rules see it (a row of riskassess's ``contacts`` projection)."""

    event_id: UUID
    phone_hash: str | None
    occurred_at: datetime
    place_key: str | None = None
    collective: bool = False
    headcount: int | None = None
    repeat_count: int = 1


def level_for(count: int, steps: Sequence[Step]) -> RiskLevel | None:
    """The level of the highest step ``count`` reaches, None below the first."""
    reached = [step.level for step in steps if count >= step.at]
    return highest(reached) if reached else None


def _score(count: int, steps: Sequence[Step]) -> float:
    return round(min(100.0, 100.0 * count / steps[-1].at), 1)


def _within(facts: Sequence[ContactFact], now: datetime, window: timedelta) -> list[ContactFact]:
    return sorted(
        (f for f in facts if now - window <= f.occurred_at <= now), key=lambda f: f.occurred_at
    )


def repeat_caller(facts: Sequence[ContactFact], now: datetime, rules: RuleSet) -> Signal | None:
    """``facts``: the calls of one caller (one phone hash)."""
    rule = rules.repeat_caller
    recent = _within(facts, now, timedelta(days=rule.window_days))
    if not recent:
        return None
    count = max(len(recent), max(f.repeat_count for f in recent))
    level = level_for(count, rule.steps)
    if level is None:
        return None
    return Signal(
        "repeat_caller",
        level,
        f"{rule.window_days}天内第{count}次来电",
        _score(count, rule.steps),
        tuple(f.event_id for f in recent),
        rules.version,
    )


def group_precursor(
    facts: Sequence[ContactFact], now: datetime, rules: RuleSet, *, place: str
) -> Signal | None:
    """``facts``: the calls about one employer, site or village."""
    rule = rules.group_precursor
    recent = _within(facts, now, timedelta(hours=rule.window_hours))
    callers = {f.phone_hash or str(f.event_id) for f in recent}
    level = level_for(len(callers), rule.steps)
    if level is None:
        return None
    collective = sum(f.collective for f in recent)
    evidence = f"{rule.window_hours}小时内{len(callers)}名来电人反映{place}"
    if collective >= rule.collective_share * len(recent):
        level = raised(level, rule.collective_raise)
        evidence += f"，{collective}人提到集体行动"
    return Signal(
        "group_precursor",
        level,
        evidence,
        _score(len(callers), rule.steps),
        tuple(f.event_id for f in recent),
        rules.version,
    )


def gathering(
    facts: Sequence[ContactFact], now: datetime, rules: RuleSet, *, place: str
) -> Signal | None:
    """``facts``: the calls about one place; the largest number of people reported there."""
    rule = rules.gathering
    reports = [f for f in _within(facts, now, timedelta(hours=rule.window_hours)) if f.headcount]
    if not reports:
        return None
    largest = max(f.headcount or 0 for f in reports)
    level = level_for(largest, rule.steps)
    if level is None:
        return None
    return Signal(
        "gathering",
        level,
        f"{place}现场聚集约{largest}人",
        _score(largest, rule.steps),
        tuple(f.event_id for f in reports),
        rules.version,
    )


def threat(
    *,
    event_id: UUID,
    group: str,
    label: str,
    risk_level: RiskLevel | None,
    rules: RuleSet,
) -> Signal | None:
    """Intake's classification of one call: an extreme threat, or any risk level it set."""
    if group in rules.threat.groups:
        level = risk_level or rules.threat.default_level
        return Signal("threat", level, label, 100.0, (event_id,), rules.version)
    if risk_level is not None:
        return Signal("intake_classification", risk_level, label, 50.0, (event_id,), rules.version)
    return None


def case_risk(*, event_id: UUID, reason: str, evidence: str, rules: RuleSet) -> Signal:
    """A 民转刑 sign mediation reported on a case; riskassess's data sets the level."""
    level = rules.case_risk.levels.get(reason, RiskLevel.YELLOW)
    return Signal(
        "civil_to_criminal", level, f"{reason}: {evidence}", 60.0, (event_id,), rules.version
    )


def threat_after_case(
    *, threat_event_id: UUID, case_event_ids: Sequence[UUID], case_number: str, rules: RuleSet
) -> Signal:
    """A threat by a party of a case that already showed 民转刑 signs."""
    return Signal(
        "threat_after_case",
        rules.case_risk.threat_after_case_level,
        f"调解案件{case_number}出现民转刑苗头后，当事人又发出威胁",
        100.0,
        (*case_event_ids, threat_event_id),
        rules.version,
    )


def key_person_involved(*, event_id: UUID, rating: RiskLevel, rules: RuleSet) -> Signal:
    """A call from or about a registered key person: at least yellow, else their rating.
    The evidence names neither the person nor the category: alert events are stored by other
    services (notify, intake's timeline), and that someone is, say, under community correction
    is registry data, read in riskassess by authorised roles only."""
    level = highest([rating, RiskLevel.YELLOW])
    return Signal(
        "key_person_involved", level, KEY_PERSON_EVIDENCE, 80.0, (event_id,), rules.version
    )


KEY_PERSON_EVIDENCE = "涉及在册重点人员"


def sensitive_overdue(
    *, event_id: UUID, group: str, label: str, escalated: bool, rules: RuleSet
) -> Signal | None:
    rule = rules.sensitive_overdue
    if group not in rule.groups:
        return None
    level = rule.escalated_level if escalated else rule.overdue_level
    stage = "超时后已督办" if escalated else "超时未办结"
    return Signal(
        "sensitive_overdue", level, f"{label}工单{stage}", 40.0, (event_id,), rules.version
    )


def spike(
    *,
    today: int,
    baseline: Sequence[int],
    label: str,
    area: str,
    event_ids: Sequence[UUID],
    rules: RuleSet,
) -> Signal | None:
    """``baseline``: the counts on the same weekday of each of the last weeks (0 when none)."""
    rule = rules.spike
    weeks = list(baseline)[: rule.baseline_weeks]
    mean = sum(weeks) / rule.baseline_weeks
    if today < rule.min_count or today < rule.ratio * max(mean, 1.0):
        return None
    return Signal(
        "spike",
        rule.level,
        f"{area}{label}今日{today}件，前{rule.baseline_weeks}周同日平均{mean:.1f}件",
        round(min(100.0, 100.0 * today / (rule.ratio * max(mean, 1.0) * 2)), 1),
        tuple(event_ids),
        rules.version,
    )


def sensitive_period(day: date, rules: RuleSet) -> SensitivePeriod | None:
    periods = [p for p in rules.sensitive_periods if p.covers(day) and p.raise_ > 0]
    return max(periods, key=lambda p: p.raise_) if periods else None


def period_raise(signal: Signal, day: date, rules: RuleSet) -> Signal:
    """The signal as raised by the sensitive period ``day`` falls in, if any."""
    period = sensitive_period(day, rules)
    if period is None:
        return signal
    return replace(
        signal,
        level=raised(signal.level, period.raise_),
        evidence=f"{signal.evidence}（敏感时期：{period.name}，级别上调）",
    )


def verification_finding(result: str, rules: RuleSet) -> str | None:
    """What a verification task's reply says: false_alarm, confirmed, or None (unclear)."""
    findings = rules.verification_findings
    if any(word in result for word in findings.false_alarm):
        return "false_alarm"
    if any(word in result for word in findings.confirmed):
        return "confirmed"
    return None


def notify_roles(level: RiskLevel) -> list[str]:
    """Red and orange reach the leader on duty at once; the analyst sees every alert."""
    if level in (RiskLevel.RED, RiskLevel.ORANGE):
        return ["leader", "analyst"]
    return ["analyst"]


def acknowledge_within(level: RiskLevel, rules: RuleSet) -> timedelta:
    return timedelta(minutes=rules.acknowledge_minutes[level])
