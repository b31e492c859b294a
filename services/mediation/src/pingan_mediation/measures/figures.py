"""The mediation measures a county is judged on, pure: over the facts of the cases registered in
a period, per committee, township or the county.

* 调处成功率 (success rate): agreements / concluded cases (agreements, failures, referrals);
  cases still running or withdrawn/declined are not concluded mediations.
* 村级化解率 (share settled at village level): agreements reached at village level / agreements.
* average days from acceptance to the agreement;
* terms performed on time / terms settled or breached;
* referrals, 民转刑 signals raised; cases by kind, level and source;
* 满意率 of mediated tickets: satisfied or basically satisfied / survey answers on cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class CaseFact:
    committee_code: str
    area_code: str
    kind: str
    level: str
    source: str
    state: str
    outcome: str | None
    accepted_at: datetime | None
    agreed_at: datetime | None
    agreed_level: str | None
    signals: int
    terms_on_time: int
    terms_late_or_breached: int
    satisfaction: str | None = None  # the citizen's survey answer, when the ticket was surveyed


SATISFIED = frozenset({"satisfied", "basically_satisfied"})
AGREED_STATES = {"agreed"}
CONCLUDED_OUTCOMES = {"performed", "agreed", "referred", "failed"}


def agreed(fact: CaseFact) -> bool:
    return fact.agreed_at is not None


def concluded(fact: CaseFact) -> bool:
    return (
        agreed(fact)
        or fact.state in ("failed", "referred")
        or fact.outcome in ("referred", "failed")
    )


@dataclass
class Figures:
    key: str
    cases: int = 0
    concluded: int = 0
    agreements: int = 0
    agreements_at_village: int = 0
    referrals: int = 0
    risk_signals: int = 0
    terms_on_time: int = 0
    terms_due: int = 0
    surveyed: int = 0
    satisfied: int = 0
    days_to_agreement: list[float] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_level: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)

    def add(self, fact: CaseFact) -> None:
        self.cases += 1
        self.by_kind[fact.kind] += 1
        self.by_level[fact.level] += 1
        self.by_source[fact.source] += 1
        self.risk_signals += fact.signals
        self.terms_on_time += fact.terms_on_time
        self.terms_due += fact.terms_on_time + fact.terms_late_or_breached
        if fact.satisfaction is not None:
            self.surveyed += 1
            self.satisfied += fact.satisfaction in SATISFIED
        if concluded(fact):
            self.concluded += 1
        if fact.state == "referred" or fact.outcome == "referred":
            self.referrals += 1
        if agreed(fact):
            self.agreements += 1
            if fact.agreed_level == "village":
                self.agreements_at_village += 1
            if fact.accepted_at is not None and fact.agreed_at is not None:
                self.days_to_agreement.append(
                    (fact.agreed_at - fact.accepted_at).total_seconds() / 86400
                )

    def as_row(self) -> dict[str, object]:
        return {
            "key": self.key,
            "cases": self.cases,
            "concluded": self.concluded,
            "agreements": self.agreements,
            "success_rate": _ratio(self.agreements, self.concluded),
            "village_share": _ratio(self.agreements_at_village, self.agreements),
            "avg_days_to_agreement": round(
                sum(self.days_to_agreement) / len(self.days_to_agreement), 2
            )
            if self.days_to_agreement
            else None,
            "terms_on_time_rate": _ratio(self.terms_on_time, self.terms_due),
            "referrals": self.referrals,
            "risk_signals": self.risk_signals,
            "surveyed": self.surveyed,
            "satisfaction_rate": _ratio(self.satisfied, self.surveyed),
            "by_kind": dict(sorted(self.by_kind.items())),
            "by_level": dict(sorted(self.by_level.items())),
            "by_source": dict(sorted(self.by_source.items())),
        }


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


GROUPS: dict[str, Callable[[CaseFact], str]] = {
    "committee": lambda fact: fact.committee_code,
    "township": lambda fact: fact.area_code[:9] if len(fact.area_code) >= 9 else fact.area_code,
    "county": lambda fact: fact.area_code[:6],
}


def measures(facts: Iterable[CaseFact], group_by: str) -> list[dict[str, object]]:
    key_of = GROUPS[group_by]
    groups: dict[str, Figures] = {}
    for fact in facts:
        key = key_of(fact)
        groups.setdefault(key, Figures(key)).add(fact)
    return [groups[key].as_row() for key in sorted(groups)]


CSV_COLUMNS = (
    "key",
    "cases",
    "concluded",
    "agreements",
    "success_rate",
    "village_share",
    "avg_days_to_agreement",
    "terms_on_time_rate",
    "referrals",
    "risk_signals",
    "surveyed",
    "satisfaction_rate",
)
