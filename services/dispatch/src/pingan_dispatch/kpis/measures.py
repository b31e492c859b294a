"""The county's measures (三率 and friends), computed from task facts, pure and reproducible.

A ``TaskFacts`` is one assignment of a task to a unit, as known when the facts were read: the
lifecycle emits one per unit a task was assigned to, so a task returned by unit A and then
handled by unit B gives one fact for A (``returned_count`` 1, no reply) and one for B. Facts carry
``township_code`` = the township the *handling unit* belongs to (None for county departments),
because a township is ranked on its own units' work, not on the departments' work in its area.

The cohort of a period [start, end) is every fact whose ``assigned_at`` falls in it; each
measure below is a numerator over a denominator drawn from that cohort (and the group's rows):

* 响应率 response: signed for in time (``accepted_at <= accept_due_at``) / every assignment.
  An assignment returned without signing counts as not signed (returns have their own rate).
* 按时办结率 on_time: replied by the due date (``replied_at <= due_at``, the final due after
  extensions) / assignments whose outcome is decided — the due date fell before the period's
  end, or there is a reply — leaving out assignments handed back by a return
  (``returned_count > 0`` and no reply), which are judged by 退单率.
* 解决率 resolution: the callback said solved (``resolved is True``) / assignments whose
  callback recorded an answer to "was it solved" (``resolved is not None``).
* 满意率 satisfaction: ``satisfied`` + ``basically_satisfied`` / assignments with a callback.
* 退单率 return: assignments returned at least once / every assignment.
* 重办率 rework: assignments reopened at least once (不满意 → 重办) / assignments replied.
* average handling hours: mean of ``replied_at - assigned_at`` (wall clock) over the replied.

Only citizens' tasks (``kind`` ``ticket``) are counted: a verification task (核查) that riskassess
asks for is the platform's own work, not a 12345 request, and is left out of every measure.

Rates are ``Decimal`` rounded half-up to 4 places, hours to 2; a zero denominator gives None,
never 0. Rows come sorted by key, and nothing depends on the order of the facts.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pingan_common.county_time import COUNTY_TZ
from pingan_dispatch.sla.workdays import to_county_time

GroupBy = Literal["unit", "township", "county"]
Callback = Literal["satisfied", "basically_satisfied", "unsatisfied"]
RateName = Literal["response", "on_time", "resolution", "satisfaction", "return", "rework"]
RATE_NAMES: tuple[RateName, ...] = (
    "response",
    "on_time",
    "resolution",
    "satisfaction",
    "return",
    "rework",
)
RATE_LABELS: Mapping[RateName, str] = {
    "response": "响应率",
    "on_time": "按时办结率",
    "resolution": "解决率",
    "satisfaction": "满意率",
    "return": "退单率",
    "rework": "重办率",
}
# For these a high rate is bad; a score uses 1 - rate.
LOWER_IS_BETTER: frozenset[RateName] = frozenset({"return", "rework"})

RATE_PLACES = Decimal("0.0001")
HOUR_PLACES = Decimal("0.01")
_MICROSECONDS_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class TaskFacts:
    task_id: str
    unit_code: str
    township_code: str | None
    assigned_at: datetime
    accept_due_at: datetime
    accepted_at: datetime | None
    due_at: datetime  # final due (after extensions)
    replied_at: datetime | None
    closed_at: datetime | None
    returned_count: int
    reopened_count: int
    callback: Callback | None  # last verdict
    resolved: bool | None  # the callback's "was it solved" answer, None if not asked
    kind: str = "ticket"  # "verification" = a 核查 task for a risk alert, not a citizen's request


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        exact = Decimal(self.numerator) / Decimal(self.denominator)
        return exact.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class KpiRow:
    key: str
    assigned: int
    replied: int
    rates: Mapping[RateName, Rate] = field(hash=False)
    avg_handling_hours: Decimal | None

    def rate(self, name: RateName) -> Decimal | None:
        return self.rates[name].value


def county_period(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """[first_day 00:00, the day after last_day 00:00) in county time: whole days, inclusive."""
    start = datetime.combine(first_day, time(0), tzinfo=COUNTY_TZ)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=COUNTY_TZ)
    return start, end


def compute_kpis(
    facts: Iterable[TaskFacts],
    period_start: datetime,
    period_end: datetime,
    group_by: GroupBy = "unit",
) -> list[KpiRow]:
    start, end = to_county_time(period_start), to_county_time(period_end)
    key_of = _GROUP_KEYS[group_by]
    groups: dict[str, list[TaskFacts]] = defaultdict(list)
    for fact in facts:
        if fact.kind != "ticket":
            continue
        key = key_of(fact)
        if key is not None and start <= fact.assigned_at < end:
            groups[key].append(fact)
    return [_row(key, groups[key], end) for key in sorted(groups)]


def _row(key: str, cohort: Sequence[TaskFacts], period_end: datetime) -> KpiRow:
    replied = [f for f in cohort if f.replied_at is not None]
    decided = [f for f in cohort if _on_time_decided(f, period_end)]
    answered = [f for f in cohort if f.resolved is not None]
    called_back = [f for f in cohort if f.callback is not None]
    rates: dict[RateName, Rate] = {
        "response": _rate(cohort, _signed_in_time),
        "on_time": _rate(decided, _replied_in_time),
        "resolution": _rate(answered, lambda f: f.resolved is True),
        "satisfaction": _rate(called_back, lambda f: f.callback != "unsatisfied"),
        "return": _rate(cohort, lambda f: f.returned_count > 0),
        "rework": _rate(replied, lambda f: f.reopened_count > 0),
    }
    return KpiRow(
        key=key,
        assigned=len(cohort),
        replied=len(replied),
        rates=rates,
        avg_handling_hours=_average_hours(replied),
    )


def _rate(facts: Sequence[TaskFacts], counts: Callable[[TaskFacts], bool]) -> Rate:
    return Rate(numerator=sum(1 for f in facts if counts(f)), denominator=len(facts))


def _signed_in_time(fact: TaskFacts) -> bool:
    return fact.accepted_at is not None and fact.accepted_at <= fact.accept_due_at


def _replied_in_time(fact: TaskFacts) -> bool:
    return fact.replied_at is not None and fact.replied_at <= fact.due_at


def _on_time_decided(fact: TaskFacts, period_end: datetime) -> bool:
    handed_back = fact.returned_count > 0 and fact.replied_at is None
    if handed_back:
        return False
    return fact.replied_at is not None or fact.due_at < period_end


def _average_hours(replied: Sequence[TaskFacts]) -> Decimal | None:
    if not replied:
        return None
    # Whole microseconds summed as integers: exact, so the order of the facts cannot matter.
    total = sum(_microseconds(_replied_at(f) - f.assigned_at) for f in replied)
    hours = Decimal(total) / Decimal(len(replied) * _MICROSECONDS_PER_HOUR)
    return hours.quantize(HOUR_PLACES, rounding=ROUND_HALF_UP)


def _replied_at(fact: TaskFacts) -> datetime:
    assert fact.replied_at is not None, "only replied facts have a handling time"
    return fact.replied_at


def _microseconds(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


_GROUP_KEYS: Mapping[GroupBy, Callable[[TaskFacts], str | None]] = {
    "unit": lambda f: f.unit_code,
    # County departments belong to no township: they appear in unit and county rows only.
    "township": lambda f: f.township_code,
    "county": lambda f: f.unit_code[:6],
}


# --- township ranking and the yellow card (黄牌) ---------------------------------------------


@dataclass(frozen=True)
class YellowCardRule:
    """Score = weighted mean of the rates a row has (1 - rate for 退单率/重办率), weights
    renormalised over the rates that are not None. The ``bottom_n`` lowest scores get a yellow
    card (rows tied at the boundary share it: none escapes by alphabetical order), and so does
    any row below a floor. Rows with fewer than ``min_assigned`` tasks are listed unranked."""

    weights: Mapping[RateName, Decimal]
    bottom_n: int = 2
    floors: Mapping[RateName, Decimal] = field(default_factory=dict)
    min_assigned: int = 1


DEFAULT_YELLOW_CARD_RULE = YellowCardRule(
    weights={
        "response": Decimal("0.2"),
        "on_time": Decimal("0.2"),
        "resolution": Decimal("0.2"),
        "satisfaction": Decimal("0.3"),
        "return": Decimal("0.05"),
        "rework": Decimal("0.05"),
    },
    bottom_n=2,
    floors={"satisfaction": Decimal("0.85"), "response": Decimal("0.85")},
    min_assigned=20,
)


@dataclass(frozen=True)
class RankedRow:
    row: KpiRow
    score: Decimal | None
    rank: int | None
    yellow_card: bool
    reasons: tuple[str, ...]


def rank_townships(rows: Sequence[KpiRow], rule: YellowCardRule) -> list[RankedRow]:
    scores = {row.key: _score(row, rule) for row in rows}
    ranked_keys = [
        row.key for row in rows if row.assigned >= rule.min_assigned and scores[row.key] is not None
    ]
    ranked_scores = [
        score for key, score in scores.items() if key in ranked_keys and score is not None
    ]
    result = []
    for row in rows:
        score = scores[row.key]
        if row.key not in ranked_keys:
            reason = "no rate to score" if score is None else "too few tasks to rank"
            result.append(RankedRow(row, score, None, False, (reason,)))
            continue
        assert score is not None  # ranked keys all have a score
        # Competition ranking (1, 2, 2, 4): equal scores, equal rank.
        rank = 1 + len([other for other in ranked_scores if other > score])
        worse = len([other for other in ranked_scores if other < score])
        reasons = []
        if worse < rule.bottom_n:
            reasons.append(f"bottom {rule.bottom_n} by score")
        reasons.extend(_below_floors(row, rule))
        result.append(RankedRow(row, score, rank, bool(reasons), tuple(reasons)))
    return sorted(result, key=lambda r: (r.rank is None, r.rank or 0, r.row.key))


def _score(row: KpiRow, rule: YellowCardRule) -> Decimal | None:
    weighted = Decimal(0)
    weight_sum = Decimal(0)
    for name, weight in rule.weights.items():
        value = row.rate(name)
        if value is None or weight == 0:
            continue
        goodness = 1 - value if name in LOWER_IS_BETTER else value
        weighted += weight * goodness
        weight_sum += weight
    if weight_sum == 0:
        return None
    return (weighted / weight_sum).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _below_floors(row: KpiRow, rule: YellowCardRule) -> list[str]:
    reasons = []
    for name in RATE_NAMES:
        floor = rule.floors.get(name)
        value = row.rate(name)
        if floor is None or value is None:
            continue
        failed = value > floor if name in LOWER_IS_BETTER else value < floor
        if failed:
            relation = ">" if name in LOWER_IS_BETTER else "<"
            reasons.append(f"{RATE_LABELS[name]} {value} {relation} {floor}")
    return reasons


# --- CSV ------------------------------------------------------------------------------------


def kpi_csv(rows: Sequence[KpiRow]) -> str:
    header = ["key", "assigned", "replied"]
    for name in RATE_NAMES:
        header += [f"{name}_numerator", f"{name}_denominator", f"{name}_rate"]
    header.append("avg_handling_hours")
    lines = [header]
    for row in rows:
        line = [row.key, str(row.assigned), str(row.replied)]
        for name in RATE_NAMES:
            rate = row.rates[name]
            line += [str(rate.numerator), str(rate.denominator), _text(rate.value)]
        line.append(_text(row.avg_handling_hours))
        lines.append(line)
    return _csv(lines)


def ranking_csv(ranked: Sequence[RankedRow]) -> str:
    lines = [["rank", "key", "assigned", "score", "yellow_card", "reasons"]]
    for item in ranked:
        lines.append(
            [
                _text(item.rank),
                item.row.key,
                str(item.row.assigned),
                _text(item.score),
                "yes" if item.yellow_card else "no",
                "; ".join(item.reasons),
            ]
        )
    return _csv(lines)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _csv(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    return buffer.getvalue()
