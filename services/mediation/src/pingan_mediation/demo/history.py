"""A deterministic mediation history for the demo county 青山县 (331199), for the measures.

``generate_history()`` plays the same quarter as dispatch's demo history (2026-08-01 …
2026-10-31) of dispute cases through the case flow with a seeded ``random.Random``: the same seed
gives the same history, event for event. Each case is a flat list of events named like the
case events (registered, accepted, declined, mediator_assigned, session_held, escalated,
risk_signal, agreement_reached, followup_recorded, term_breached, failed, referred, withdrawn,
closed, survey_answered); ``DemoHistory.facts()`` derives the measures' ``CaseFact`` of each case
from those events alone, as known at ``as_of`` (``demo.facts``). Levels come from the real level
rules, bodies from the county's reference data.

Townships differ on purpose (``TOWNSHIP_QUALITY``): 城关街道 settles nearly everything at village
level, 河口乡 fails and escalates often, 石桥镇 leaves citizens unsatisfied.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pingan_common.county_time import COUNTY_TZ
from pingan_common.refdata import load_county
from pingan_mediation.cases.levels import decide_level, default_rules, next_level
from pingan_mediation.committees import mediation_body_for

DEFAULT_SEED = 20261101
FIRST_DAY = date(2026, 8, 1)
LAST_DAY = date(2026, 10, 31)
MAX_SESSIONS = 4


@dataclass(frozen=True)
class Quality:
    """How a township's mediation goes: probabilities per session, term and survey."""

    agrees: float  # a session ends in an agreement
    fails: float  # a session fails (the rest make progress)
    escalates_on_failure: float  # a failing level hands the case up instead of giving up
    terms_on_time: float
    satisfied: float
    basically_satisfied: float  # the rest of the answers are 不满意


TOWNSHIP_QUALITY: Mapping[str, Quality] = {
    "331199001": Quality(0.62, 0.08, 0.7, 0.95, 0.85, 0.12),  # 城关街道: exemplary
    "331199002": Quality(0.55, 0.10, 0.6, 0.92, 0.78, 0.17),  # 东城街道
    "331199003": Quality(0.52, 0.12, 0.6, 0.90, 0.75, 0.18),  # 西湖镇
    "331199004": Quality(0.48, 0.14, 0.5, 0.88, 0.70, 0.20),  # 南山镇: average
    "331199005": Quality(0.50, 0.12, 0.5, 0.85, 0.70, 0.21),  # 北坝镇
    "331199006": Quality(0.38, 0.24, 0.7, 0.75, 0.58, 0.24),  # 河口乡: fails and escalates
    "331199007": Quality(0.47, 0.14, 0.5, 0.86, 0.50, 0.25),  # 石桥镇: citizens unsatisfied
    "331199008": Quality(0.56, 0.10, 0.6, 0.93, 0.80, 0.15),  # 新区街道
}
# Cases per day by township (working days and weekends alike: walk-ins come on market days).
TOWNSHIP_VOLUME: Mapping[str, float] = {
    "331199001": 1.6,
    "331199002": 1.4,
    "331199003": 1.0,
    "331199004": 1.0,
    "331199005": 0.8,
    "331199006": 0.9,
    "331199007": 0.9,
    "331199008": 1.2,
}
# (kind, weight, typical sum in yuan or None, share with many people involved)
KINDS: tuple[tuple[str, int, int | None, float], ...] = (
    ("neighbour", 24, None, 0.02),
    ("family", 14, None, 0.0),
    ("domestic_support", 5, 20_000, 0.0),
    ("property_management", 10, 5_000, 0.15),
    ("land", 8, 60_000, 0.1),
    ("wage_arrears", 8, 40_000, 0.3),
    ("debt", 8, 50_000, 0.0),
    ("traffic_compensation", 6, 80_000, 0.0),
    ("damage_compensation", 6, 15_000, 0.0),
    ("consumer", 5, 3_000, 0.05),
    ("medical", 3, 120_000, 0.0),
    ("demolition", 3, 300_000, 0.4),
)
SOURCES: tuple[tuple[str, int], ...] = (
    ("ticket", 46),
    ("walk_in", 22),
    ("screening", 10),
    ("task", 7),
    ("police", 7),
    ("court", 6),
    ("petition", 2),
)
REFERRAL_ROUTES = (("litigation", 6), ("arbitration", 2), ("administrative", 2))


@dataclass(frozen=True)
class DemoCaseEvent:
    at: datetime
    action: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoCase:
    case_id: str
    kind: str
    source: str
    village_code: str
    township_code: str
    events: tuple[DemoCaseEvent, ...]

    @property
    def registered_on(self) -> date:
        return self.events[0].at.astimezone(COUNTY_TZ).date()


@dataclass(frozen=True)
class DemoHistory:
    seed: int
    as_of: datetime
    cases: tuple[DemoCase, ...]

    def facts(self, first_day: date | None = None, last_day: date | None = None) -> list[Any]:
        """The facts of the cases registered between the days (county dates, both included),
        as the measures' REST route selects them; every case when no days are given."""
        from pingan_mediation.demo.facts import fact_of  # the facts read the history's events

        return [
            fact_of(case, self.as_of)
            for case in self.cases
            if (first_day or date.min) <= case.registered_on <= (last_day or date.max)
        ]


def generate_history(
    *, seed: int = DEFAULT_SEED, first_day: date = FIRST_DAY, last_day: date = LAST_DAY
) -> DemoHistory:
    player = _Player(random.Random(seed))
    cases: list[DemoCase] = []
    day = first_day
    while day <= last_day:
        for township in sorted(TOWNSHIP_VOLUME):
            for _ in range(player.count_for(township)):
                cases.append(player.play_case(f"demo-case-{len(cases) + 1:05d}", day, township))
        day += timedelta(days=1)
    as_of = datetime.combine(last_day + timedelta(days=1), time(0), COUNTY_TZ)
    return DemoHistory(seed=seed, as_of=as_of, cases=tuple(cases))


class _Player:
    """Plays one case at a time through the flow; all randomness comes from ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.county = load_county()

    def count_for(self, township: str) -> int:
        trials = int(TOWNSHIP_VOLUME[township] * 4)
        return sum(1 for _ in range(trials) if self.rng.random() < 0.25)

    def play_case(self, case_id: str, day: date, township: str) -> DemoCase:
        rng = self.rng
        kind, _, typical_sum, many_share = rng.choices(KINDS, weights=[k[1] for k in KINDS])[0]
        source = rng.choices(SOURCES, weights=[s[1] for s in SOURCES])[0][0]
        village = rng.choice([a.code for a in self.county.children(township)])
        amount = Decimal(int(typical_sum * rng.uniform(0.2, 3.0))) if typical_sum else None
        people = rng.randint(10, 40) if rng.random() < many_share else rng.choice((2, 2, 2, 3, 4))
        level = decide_level(default_rules(), kind=kind, amount=amount, people=people).level
        at = datetime.combine(day, time(8 + rng.randint(0, 9), rng.randint(0, 59)), COUNTY_TZ)
        play = _CasePlay(rng, TOWNSHIP_QUALITY[township], source, at)
        play.register(self._body(village, township, level), level)
        if rng.random() < 0.01:
            play.signal("prior_violence")
        play.run(lambda lvl: self._body(village, township, lvl))
        return DemoCase(case_id, kind, source, village, township, tuple(play.events))

    def _body(self, village: str, township: str, level: str) -> tuple[str, str]:
        body = mediation_body_for(
            self.county, village_code=village, township_code=township, level=level
        )
        return body.code, body.level


class _CasePlay:
    """One case's events: registration, sessions, the outcome, the terms and the survey."""

    def __init__(self, rng: random.Random, quality: Quality, source: str, at: datetime) -> None:
        self.rng, self.quality, self.source, self.at = rng, quality, source, at
        self.events: list[DemoCaseEvent] = []
        self.level = "village"

    def emit(self, action: str, **detail: Any) -> None:
        self.events.append(DemoCaseEvent(self.at, action, detail))

    def later(self, low_days: float, high_days: float) -> None:
        self.at += timedelta(days=self.rng.uniform(low_days, high_days))

    def register(self, body: tuple[str, str], level: str) -> None:
        self.level = body[1]
        self.emit("registered", committee_code=body[0], level=self.level, decided=level)

    def signal(self, reason: str) -> None:
        self.emit("risk_signal", reason=reason)

    def run(self, body_at: Any) -> None:
        rng = self.rng
        if rng.random() < 0.03:
            self.later(0.1, 1)
            self.emit("declined", reason=rng.choice(("in_court", "outside_scope")))
            self.emit("closed", outcome="declined")
            return
        self.later(0.1, 2)
        self.emit("accepted")
        self.emit("mediator_assigned")
        if rng.random() < 0.03:
            self.later(1, 10)
            self.emit("withdrawn")
            self.emit("closed", outcome="withdrawn")
            return
        self._sessions(body_at)

    def _sessions(self, body_at: Any) -> None:
        rng, q = self.rng, self.quality
        failed = 0
        for _ in range(MAX_SESSIONS):
            self.later(1, 8)
            draw = rng.random()
            if rng.random() < 0.015:
                self.signal("threat_in_session")
            if draw < q.agrees:
                self.emit("session_held", outcome="progress")
                self._agreement()
                return
            if draw >= q.agrees + q.fails:
                self.emit("session_held", outcome="progress")
                continue
            failed += 1
            self.emit("session_held", outcome="failed")
            if failed == 2:
                self.signal("repeated_failure")
            upper = next_level(self.level)
            if upper is not None and rng.random() < q.escalates_on_failure:
                code, self.level = body_at(upper)
                self.emit("escalated", committee_code=code, level=self.level)
                continue
            if failed >= 2:
                break
        self._failure()

    def _failure(self) -> None:
        self.emit("failed")
        route = self.rng.choices(REFERRAL_ROUTES, weights=[r[1] for r in REFERRAL_ROUTES])[0][0]
        if self.rng.random() < 0.75:
            self.later(0.5, 3)
            self.emit("referred", route=route)
            self.emit("closed", outcome="referred")
        else:
            self.emit("closed", outcome="failed")
        self._survey()

    def _agreement(self) -> None:
        rng = self.rng
        dues = sorted(
            self.at + timedelta(days=rng.randint(5, 30)) for _ in range(rng.randint(1, 2))
        )
        self.emit("agreement_reached", level=self.level, terms=len(dues))
        breached = False
        for term_no, due in enumerate(dues, 1):
            on_time = rng.random() < self.quality.terms_on_time
            self.at = max(self.at, due - timedelta(days=rng.uniform(0, 3) if on_time else 0))
            if not on_time:
                self.at = max(self.at, due) + timedelta(days=1)
                self.emit("term_breached", term_no=term_no, due=due)
                self.signal("term_breached")
                if rng.random() < 0.6:
                    breached = True
                    continue
                self.later(2, 12)
            self.emit("followup_recorded", term_no=term_no, performed=True, due=due)
        self.later(0.5, 3)
        self.emit("closed", outcome="agreed" if breached else "performed")
        self._survey()

    def _survey(self) -> None:
        """Only a case behind a ticket is surveyed by SMS (walk-ins and referrals are not)."""
        if self.source not in ("ticket", "task") or self.rng.random() >= 0.75:
            return
        q = self.quality
        self.later(0.1, 3)
        draw = self.rng.random()
        verdict = (
            "satisfied"
            if draw < q.satisfied
            else "basically_satisfied"
            if draw < q.satisfied + q.basically_satisfied
            else "unsatisfied"
        )
        self.emit("survey_answered", verdict=verdict)
