"""A deterministic task history for the demo county 青山县 (331199), for KPIs and demos.

``generate_history()`` plays a quarter (2026-08-01 … 2026-10-31, National Day included) of
dispatched tasks through the lifecycle with a seeded ``random.Random``: the same seed gives the
same history, event for event. Each task has a flat list of lifecycle events (assign, accept,
return, reassign, request-extension, decide-extension, reply, review, callback, reopen, close),
with the unit that acted, so the lifecycle code could replay it; deadlines come from the real
SLA policy and working-day calendar. ``DemoHistory.facts()`` derives one ``TaskFacts`` per
assignment from those events, as known at ``as_of`` (events after it have not happened yet).

Townships differ on purpose (``TOWNSHIP_QUALITY``): 城关街道 is exemplary, 北坝镇 signs late,
石桥镇 leaves citizens unsatisfied, 河口乡 is poor on everything — so the ranking has a bottom.
Unit codes are the county's reference data (``pingan_common.refdata``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pingan_common.county_time import COUNTY_TZ
from pingan_common.refdata import load_county
from pingan_dispatch.kpis.measures import TaskFacts
from pingan_dispatch.sla.deadlines import Deadlines, deadlines_from_limits, extend
from pingan_dispatch.sla.policy import SlaLimits, SlaPolicy, default_policy
from pingan_dispatch.sla.workdays import WorkingCalendar, default_calendar

DEFAULT_SEED = 20261101
FIRST_DAY = date(2026, 8, 1)
LAST_DAY = date(2026, 10, 31)
COMMAND_CENTER = "331199-CC"


@dataclass(frozen=True)
class Quality:
    """How a unit behaves: probabilities per assignment."""

    signs_in_time: float
    replies_in_time: float
    returns: float
    satisfied: float
    basically_satisfied: float  # the rest of the verdicts are 不满意
    reopens_if_unsatisfied: float


TOWNSHIP_QUALITY: Mapping[str, Quality] = {
    "331199001": Quality(0.98, 0.96, 0.02, 0.82, 0.14, 0.8),  # 城关街道: exemplary
    "331199002": Quality(0.95, 0.92, 0.03, 0.72, 0.20, 0.7),  # 东城街道
    "331199003": Quality(0.94, 0.90, 0.04, 0.70, 0.21, 0.7),  # 西湖镇
    "331199004": Quality(0.90, 0.85, 0.05, 0.62, 0.25, 0.6),  # 南山镇: average
    "331199005": Quality(0.70, 0.80, 0.06, 0.62, 0.24, 0.6),  # 北坝镇: signs late
    "331199006": Quality(0.80, 0.66, 0.14, 0.48, 0.27, 0.5),  # 河口乡: poor on everything
    "331199007": Quality(0.92, 0.86, 0.05, 0.46, 0.28, 0.6),  # 石桥镇: citizens unsatisfied
    "331199008": Quality(0.96, 0.93, 0.03, 0.75, 0.19, 0.7),  # 新区街道
}
DEPARTMENT_QUALITY = Quality(0.93, 0.88, 0.04, 0.66, 0.22, 0.6)
# Tasks per working day by township (streets are busier than rural 乡镇); weekends see fewer.
TOWNSHIP_VOLUME: Mapping[str, float] = {
    "331199001": 7.0,
    "331199002": 6.0,
    "331199003": 4.0,
    "331199004": 4.0,
    "331199005": 3.5,
    "331199006": 3.0,
    "331199007": 3.5,
    "331199008": 5.0,
}
NON_WORKING_DAY_VOLUME = 0.6


@dataclass(frozen=True)
class Category:
    group: str
    code: str
    owner: str | None  # a department code, or None: the township's 综治中心 handles it
    weight: int
    urgent_share: float = 0.02
    sla_class: str | None = None


CATEGORIES: tuple[Category, ...] = (
    Category("city_service", "street_light", None, 8),
    Category("city_service", "garbage", None, 10),
    Category("city_service", "noise", None, 8),
    Category("city_service", "road_damage", None, 5),
    Category("city_service", "street_vending", "331199-D-CG", 6),
    Category("city_service", "illegal_building", "331199-D-CG", 4),
    Category("city_service", "pollution", "331199-D-HB", 3),
    Category("city_service", "water_outage", "331199-D-GS", 3, urgent_share=0.1),
    Category("city_service", "power_outage", "331199-D-GD", 3, urgent_share=0.1),
    Category("city_service", "help", None, 3, sla_class="help"),
    Category("dispute", "neighbour", None, 8),
    Category("dispute", "family", None, 4),
    Category("dispute", "property_management", None, 5),
    Category("dispute", "land", None, 3, sla_class="complex"),
    Category("dispute", "wage_arrears", "331199-D-RS", 4),
    Category("safety_hazard", "fire_lane_blocked", "331199-D-YJ", 2),
    Category("safety_hazard", "elevator", "331199-D-SJ", 2),
    Category("safety_hazard", "dangerous_building", "331199-D-ZJ", 1),
    Category("safety_hazard", "gas_leak", "331199-D-RQ", 1, urgent_share=1.0),
    Category("public_order", "fight", "331199-D-GA", 2, urgent_share=0.5),
    Category("public_order", "fraud", "331199-D-GA", 2),
)
# Where the dispatcher sends a task after a return (退单): a township hands a matter to the
# department it claims owns it; a department hands it down to the township, or to the county.
REASSIGN_AFTER_TOWNSHIP_RETURN = {"city_service": "331199-D-CG", "dispute": "331199-D-SF"}


@dataclass(frozen=True)
class DemoEvent:
    at: datetime
    action: str
    unit_code: str
    detail: Mapping[str, str]


@dataclass(frozen=True)
class DemoTask:
    task_id: str
    category_group: str
    category_code: str
    sla_class: str | None
    urgency: str
    township_code: str  # where the matter happened
    events: tuple[DemoEvent, ...]


@dataclass(frozen=True)
class DemoHistory:
    seed: int
    as_of: datetime
    tasks: tuple[DemoTask, ...]

    def facts(self) -> list[TaskFacts]:
        return [fact for task in self.tasks for fact in facts_of(task, self.as_of)]


def generate_history(
    *,
    seed: int = DEFAULT_SEED,
    first_day: date = FIRST_DAY,
    last_day: date = LAST_DAY,
    as_of: datetime | None = None,
    policy: SlaPolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> DemoHistory:
    _check_unit_codes()
    player = _Player(
        random.Random(seed), policy or default_policy(), calendar or default_calendar()
    )
    tasks: list[DemoTask] = []
    day = first_day
    while day <= last_day:
        for township in sorted(TOWNSHIP_VOLUME):
            for _ in range(player.count_for(day, township)):
                tasks.append(player.play_task(f"demo-{len(tasks) + 1:06d}", day, township))
        day += timedelta(days=1)
    end = as_of or datetime.combine(last_day + timedelta(days=1), time(0), COUNTY_TZ)
    return DemoHistory(seed=seed, as_of=end, tasks=tuple(tasks))


class _Player:
    """Plays one task at a time through the lifecycle; all randomness comes from ``rng``."""

    def __init__(self, rng: random.Random, policy: SlaPolicy, calendar: WorkingCalendar):
        self.rng = rng
        self.policy = policy
        self.calendar = calendar

    def count_for(self, day: date, township: str) -> int:
        mean = TOWNSHIP_VOLUME[township]
        if not self.calendar.is_working_day(day):
            mean *= NON_WORKING_DAY_VOLUME
        # Sum of Bernoulli trials: a Poisson-like count without floating-point exp().
        return sum(1 for _ in range(int(mean * 2)) if self.rng.random() < 0.5)

    def play_task(self, task_id: str, day: date, township: str) -> DemoTask:
        category = self.rng.choices(CATEGORIES, weights=[c.weight for c in CATEGORIES])[0]
        urgency = "urgent" if self.rng.random() < category.urgent_share else "normal"
        limits = self.policy.limits_for(category.code, category.group, category.sla_class, urgency)
        unit = category.owner or f"{township}-ZZ"
        events: list[DemoEvent] = []
        at = self._assignment_time(day)
        action = "assign"
        if self.rng.random() < _quality(unit).returns:
            at = self._play_return(events, unit, at, limits)
            unit = _reassign_target(unit, category, township)
            action = "reassign"
        self._play_assignment(events, action, unit, at, limits)
        return DemoTask(
            task_id=task_id,
            category_group=category.group,
            category_code=category.code,
            sla_class=category.sla_class,
            urgency=urgency,
            township_code=township,
            events=tuple(events),
        )

    def _assignment_time(self, day: date) -> datetime:
        # The command center dispatches around the clock, mostly in the day.
        if self.rng.random() < 0.1:
            minute = self.rng.randrange(0, 24 * 60)
        else:
            minute = self.rng.randrange(8 * 60, 21 * 60)
        return datetime.combine(day, time(0), COUNTY_TZ) + timedelta(minutes=minute)

    def _play_return(
        self, events: list[DemoEvent], unit: str, at: datetime, limits: SlaLimits
    ) -> datetime:
        deadlines = self._deadlines(limits, at)
        events.append(_event(at, "assign", unit, deadlines))
        moment = at + timedelta(minutes=self.rng.randrange(10, 50))
        if self.rng.random() < 0.3:
            events.append(DemoEvent(moment, "accept", unit, {}))
        moment += timedelta(hours=self.rng.uniform(0.2, 20))
        moment = min(moment, limits.return_window.after(at, self.calendar))
        events.append(DemoEvent(moment, "return", unit, {"reason": "not_our_responsibility"}))
        return moment + timedelta(minutes=self.rng.randrange(20, 240))

    def _play_assignment(
        self, events: list[DemoEvent], action: str, unit: str, at: datetime, limits: SlaLimits
    ) -> None:
        quality = _quality(unit)
        deadlines = self._deadlines(limits, at)
        events.append(_event(at, action, unit, deadlines))
        accepted = self._sign_in_time(quality, deadlines)
        events.append(DemoEvent(accepted, "accept", unit, {}))
        earliest_reply = accepted + timedelta(minutes=10)
        if limits.handling.on_working_days and self.rng.random() < 0.06:
            deadlines = self._play_extension(events, unit, deadlines, limits)
            earliest_reply = max(earliest_reply, events[-1].at + timedelta(hours=1))
        # A unit cannot reply before it has signed for the task (or before the extension).
        replied = max(self._reply_time(quality, deadlines, limits), earliest_reply)
        events.append(DemoEvent(replied, "reply", unit, {"result": "handled"}))
        reviewed = replied + timedelta(minutes=self.rng.randrange(30, 480))
        events.append(DemoEvent(reviewed, "review", COMMAND_CENTER, {"decision": "accepted"}))
        self._play_callbacks(events, unit, quality, reviewed)

    def _play_extension(
        self, events: list[DemoEvent], unit: str, deadlines: Deadlines, limits: SlaLimits
    ) -> Deadlines:
        budget = self.calendar.working_time_between(deadlines.assigned_at, deadlines.due_at)
        asked = self.calendar.add_working_time(
            deadlines.assigned_at, budget * self.rng.uniform(0.1, 0.5)
        )
        new_due = self.calendar.add_working_days(deadlines.due_at, self.rng.randrange(2, 9))
        requested = {"new_due_at": new_due.isoformat(), "reason": "needs_coordination"}
        events.append(DemoEvent(asked, "request-extension", unit, requested))
        decided = asked + timedelta(hours=self.rng.uniform(1, 6))
        extended = extend(deadlines, new_due, now=decided, limits=limits, calendar=self.calendar)
        decision = {"decision": "approved", "new_due_at": new_due.isoformat()}
        events.append(DemoEvent(decided, "decide-extension", COMMAND_CENTER, decision))
        return extended

    def _play_callbacks(
        self, events: list[DemoEvent], unit: str, quality: Quality, reviewed: datetime
    ) -> None:
        moment = reviewed + timedelta(hours=self.rng.uniform(2, 40))
        for attempt in range(2):
            if self.rng.random() < 0.08:  # the citizen could not be reached
                break
            verdict = self._verdict(quality, better=attempt > 0)
            resolved = self._resolved(verdict)
            detail = {"verdict": verdict, "resolved": "yes" if resolved else "no"}
            events.append(DemoEvent(moment, "callback", COMMAND_CENTER, detail))
            reopen = verdict == "unsatisfied" and attempt == 0
            if not reopen or self.rng.random() >= quality.reopens_if_unsatisfied:
                break
            moment += timedelta(hours=self.rng.uniform(1, 8))
            events.append(DemoEvent(moment, "reopen", unit, {"reason": "unsatisfied"}))
            moment = self.calendar.add_working_time(
                moment, timedelta(hours=self.rng.uniform(12, 72))
            )
            events.append(DemoEvent(moment, "reply", unit, {"result": "redone"}))
            moment += timedelta(hours=self.rng.uniform(4, 30))
        events.append(DemoEvent(moment + timedelta(minutes=30), "close", COMMAND_CENTER, {}))

    def _deadlines(self, limits: SlaLimits, at: datetime) -> Deadlines:
        return deadlines_from_limits(limits, self.calendar, assigned_at=at)

    def _sign_in_time(self, quality: Quality, deadlines: Deadlines) -> datetime:
        limit = deadlines.accept_due_at - deadlines.assigned_at
        if self.rng.random() < quality.signs_in_time:
            return deadlines.assigned_at + limit * self.rng.uniform(0.05, 1.0)
        return deadlines.accept_due_at + timedelta(minutes=self.rng.randrange(5, 480))

    def _reply_time(self, quality: Quality, deadlines: Deadlines, limits: SlaLimits) -> datetime:
        start, due = deadlines.assigned_at, deadlines.due_at
        on_time = self.rng.random() < quality.replies_in_time
        if limits.handling.on_working_days:
            budget = self.calendar.working_time_between(start, due)
            if on_time:
                return self.calendar.add_working_time(start, budget * self.rng.uniform(0.2, 1.0))
            late = timedelta(hours=self.rng.uniform(2, 72))
            return self.calendar.add_working_time(due, late)
        if on_time:
            return start + (due - start) * self.rng.uniform(0.2, 1.0)
        return due + timedelta(minutes=self.rng.randrange(15, 720))

    def _verdict(self, quality: Quality, *, better: bool) -> str:
        satisfied = quality.satisfied + (0.15 if better else 0.0)
        draw = self.rng.random()
        if draw < satisfied:
            return "satisfied"
        if draw < satisfied + quality.basically_satisfied:
            return "basically_satisfied"
        return "unsatisfied"

    def _resolved(self, verdict: str) -> bool:
        chance = {"satisfied": 0.98, "basically_satisfied": 0.85, "unsatisfied": 0.2}[verdict]
        return self.rng.random() < chance


def _event(at: datetime, action: str, unit: str, deadlines: Deadlines) -> DemoEvent:
    return DemoEvent(
        at,
        action,
        unit,
        {
            "accept_due_at": deadlines.accept_due_at.isoformat(),
            "due_at": deadlines.due_at.isoformat(),
            "rule": deadlines.rule,
        },
    )


def _quality(unit: str) -> Quality:
    return TOWNSHIP_QUALITY.get(unit[:9], DEPARTMENT_QUALITY)


def _reassign_target(unit: str, category: Category, township: str) -> str:
    if category.owner is None:
        return REASSIGN_AFTER_TOWNSHIP_RETURN.get(category.group, COMMAND_CENTER)
    if category.group in REASSIGN_AFTER_TOWNSHIP_RETURN:
        return f"{township}-ZZ"
    return COMMAND_CENTER


def facts_of(task: DemoTask, as_of: datetime) -> list[TaskFacts]:
    """One ``TaskFacts`` per assignment, from the events that happened before ``as_of``."""
    known = [e for e in task.events if e.at < as_of]
    starts = [i for i, e in enumerate(known) if e.action in ("assign", "reassign")]
    if not starts:
        return []  # not even assigned yet at as_of
    bounds = [*starts[1:], len(known)]
    return [
        _assignment_facts(task, known[begin], known[begin + 1 : end])
        for begin, end in zip(starts, bounds, strict=True)
    ]


def _assignment_facts(
    task: DemoTask, assigned: DemoEvent, events: Sequence[DemoEvent]
) -> TaskFacts:
    def first(action: str) -> DemoEvent | None:
        return next((e for e in events if e.action == action), None)

    callbacks = [e for e in events if e.action == "callback"]
    last_callback = callbacks[-1] if callbacks else None
    due_at = datetime.fromisoformat(assigned.detail["due_at"])
    for event in events:
        if event.action == "decide-extension" and event.detail["decision"] == "approved":
            due_at = datetime.fromisoformat(event.detail["new_due_at"])
    accepted, replied, closed = first("accept"), first("reply"), first("close")
    unit = assigned.unit_code
    return TaskFacts(
        task_id=task.task_id,
        unit_code=unit,
        township_code=unit[:9] if unit[:9] in TOWNSHIP_QUALITY else None,
        assigned_at=assigned.at,
        accept_due_at=datetime.fromisoformat(assigned.detail["accept_due_at"]),
        accepted_at=accepted.at if accepted else None,
        due_at=due_at,
        replied_at=replied.at if replied else None,
        closed_at=closed.at if closed else None,
        returned_count=sum(1 for e in events if e.action == "return"),
        reopened_count=sum(1 for e in events if e.action == "reopen"),
        # The generator writes only CallbackVerdict values into the detail.
        callback=last_callback.detail["verdict"] if last_callback else None,  # type: ignore[arg-type]
        resolved=last_callback.detail["resolved"] == "yes" if last_callback else None,
    )


def _check_unit_codes() -> None:
    county = load_county()
    codes = {c.owner for c in CATEGORIES if c.owner} | set(REASSIGN_AFTER_TOWNSHIP_RETURN.values())
    codes |= {f"{t}-ZZ" for t in TOWNSHIP_VOLUME} | {COMMAND_CENTER}
    missing = sorted(code for code in codes if county.unit(code) is None)
    if missing:
        raise ValueError(f"demo history names units the county does not have: {missing}")
