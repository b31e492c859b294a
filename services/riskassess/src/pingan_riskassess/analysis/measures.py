"""The risk service's measures, pure: from the alerts raised in a period.

* alerts by level and by source (the rule of the alert's first signal);
* acknowledged in time: acknowledged within the level's time / acknowledged;
* minutes to acknowledge and to verify (median, from raising);
* false-alarm rate: verified as false alarm / verified;
* escalations: how many times alerts were escalated.

A zero denominator gives None, never 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median


@dataclass(frozen=True)
class AlertFacts:
    level: str
    source: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_in_time: bool | None
    verified_at: datetime | None
    outcome: str | None
    escalations: int


@dataclass(frozen=True)
class Measures:
    alerts: int
    by_level: dict[str, int]
    by_source: dict[str, int]
    acknowledged: int
    acknowledged_in_time_rate: float | None
    median_minutes_to_acknowledge: float | None
    median_minutes_to_verify: float | None
    verified: int
    false_alarm_rate: float | None
    escalations: int


def _minutes(pairs: Sequence[tuple[datetime, datetime]]) -> float | None:
    if not pairs:
        return None
    return round(median((end - start).total_seconds() / 60 for start, end in pairs), 1)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def compute(facts: Sequence[AlertFacts]) -> Measures:
    acknowledged = [f for f in facts if f.acknowledged_at is not None]
    verified = [f for f in facts if f.verified_at is not None]
    return Measures(
        alerts=len(facts),
        by_level=dict(sorted(Counter(f.level for f in facts).items())),
        by_source=dict(sorted(Counter(f.source for f in facts).items())),
        acknowledged=len(acknowledged),
        acknowledged_in_time_rate=_rate(
            sum(f.acknowledged_in_time is True for f in acknowledged), len(acknowledged)
        ),
        median_minutes_to_acknowledge=_minutes(
            [(f.raised_at, f.acknowledged_at) for f in acknowledged if f.acknowledged_at]
        ),
        median_minutes_to_verify=_minutes(
            [(f.raised_at, f.verified_at) for f in verified if f.verified_at]
        ),
        verified=len(verified),
        false_alarm_rate=_rate(sum(f.outcome == "false_alarm" for f in verified), len(verified)),
        escalations=sum(f.escalations for f in facts),
    )
