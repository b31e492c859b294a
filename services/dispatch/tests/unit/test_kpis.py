"""KPIs (三率), pure: exact numerators and denominators, rounding, ranking, reproducibility."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pingan_common.refdata import load_county
from pingan_dispatch.demo.history import generate_history
from pingan_dispatch.kpis.measures import (
    DEFAULT_YELLOW_CARD_RULE,
    RATE_NAMES,
    KpiRow,
    Rate,
    TaskFacts,
    YellowCardRule,
    compute_kpis,
    county_period,
    kpi_csv,
    rank_townships,
    ranking_csv,
)

CHINA = ZoneInfo("Asia/Shanghai")
TOWNSHIP = "331199001"
TOWNSHIP_UNIT = "331199001-ZZ"
DEPARTMENT = "331199-D-CG"
PERIOD = county_period(date(2026, 10, 1), date(2026, 10, 31))


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


def fact(task_id: str, assigned_at: datetime, **changes) -> TaskFacts:
    base = TaskFacts(
        task_id=task_id,
        unit_code=TOWNSHIP_UNIT,
        township_code=TOWNSHIP,
        assigned_at=assigned_at,
        accept_due_at=assigned_at + timedelta(hours=1),
        accepted_at=None,
        due_at=assigned_at + timedelta(days=7),
        replied_at=None,
        closed_at=None,
        returned_count=0,
        reopened_count=0,
        callback=None,
        resolved=None,
    )
    return replace(base, **changes)


FACTS = [
    # On time everywhere, satisfied and solved; assigned at the very start of the period.
    fact(
        "A",
        at(10, 1),
        accepted_at=at(10, 1, 0, 30),
        replied_at=at(10, 3, 6),
        closed_at=at(10, 4),
        callback="satisfied",
        resolved=True,
    ),
    # Signed late, replied late, unsatisfied, not solved, reopened.
    fact(
        "B",
        at(10, 6, 10),
        accepted_at=at(10, 6, 12),
        replied_at=at(10, 14, 10),
        closed_at=at(10, 15),
        reopened_count=1,
        callback="unsatisfied",
        resolved=False,
    ),
    # Handed back by a return before signing: not signed, left out of the on-time measure.
    fact("C", at(10, 7, 10), returned_count=1),
    # Signed in time; due after the period and not replied yet: on-time not decided.
    fact("D", at(10, 20, 10), accepted_at=at(10, 20, 10, 20), due_at=at(11, 5, 10)),
    # Signed in time; due inside the period and still not replied: late.
    fact("E", at(10, 21, 10), accepted_at=at(10, 21, 10, 59), due_at=at(10, 28, 10)),
    # Signed at the limit itself (in time); replied early; basically satisfied, "solved" not asked.
    fact(
        "F",
        at(10, 22, 10),
        accepted_at=at(10, 22, 11),
        due_at=at(11, 3, 10),
        replied_at=at(10, 30, 12, 30),
        callback="basically_satisfied",
    ),
    # Assigned when the period has ended: not in its cohort.
    fact("G", at(11, 1), accepted_at=at(11, 1, 0, 5)),
    # A county department's task: no township.
    fact(
        "X",
        at(10, 2, 9),
        unit_code=DEPARTMENT,
        township_code=None,
        accepted_at=at(10, 2, 9, 10),
        replied_at=at(10, 4, 9),
        callback="satisfied",
        resolved=True,
    ),
]


def by_key(rows: list[KpiRow]) -> dict[str, KpiRow]:
    return {row.key: row for row in rows}


def counts(row: KpiRow) -> dict[str, tuple[int, int]]:
    return {name: (row.rates[name].numerator, row.rates[name].denominator) for name in RATE_NAMES}


def test_every_rate_of_a_township_has_the_exact_numerator_and_denominator():
    row = by_key(compute_kpis(FACTS, *PERIOD, group_by="township"))[TOWNSHIP]

    assert row.assigned == 6
    assert row.replied == 3
    assert counts(row) == {
        "response": (4, 6),  # A, D, E, F signed in time; B late; C never
        "on_time": (2, 4),  # decided: A, B, E, F; on time: A, F
        "resolution": (1, 2),  # asked: A (yes), B (no)
        "satisfaction": (2, 3),  # callbacks: A satisfied, F basically, B unsatisfied
        "return": (1, 6),  # C
        "rework": (1, 3),  # replied: A, B, F; reopened: B
    }
    assert {name: row.rate(name) for name in RATE_NAMES} == {
        "response": Decimal("0.6667"),
        "on_time": Decimal("0.5000"),
        "resolution": Decimal("0.5000"),
        "satisfaction": Decimal("0.6667"),
        "return": Decimal("0.1667"),
        "rework": Decimal("0.3333"),
    }
    # A 54 h, B 192 h, F 194.5 h.
    assert row.avg_handling_hours == Decimal("146.83")


def test_rows_by_unit_and_by_county_sort_by_key_and_include_county_departments():
    units = compute_kpis(FACTS, *PERIOD, group_by="unit")
    county = compute_kpis(FACTS, *PERIOD, group_by="county")

    assert [(row.key, row.assigned) for row in units] == [(DEPARTMENT, 1), (TOWNSHIP_UNIT, 6)]
    assert [(row.key, row.assigned) for row in county] == [("331199", 7)]
    assert counts(county[0])["response"] == (5, 7)
    assert counts(county[0])["satisfaction"] == (3, 4)


def test_township_rows_leave_out_county_departments():
    townships = compute_kpis(FACTS, *PERIOD, group_by="township")

    assert [row.key for row in townships] == [TOWNSHIP]


def test_the_period_includes_its_first_instant_and_excludes_its_end():
    start, end = PERIOD

    keys = {f.task_id for f in FACTS if start <= f.assigned_at < end}
    rows = compute_kpis(FACTS, start, end, group_by="county")

    assert "A" in keys and "G" not in keys
    assert rows[0].assigned == len(keys)


def test_zero_denominators_give_none_not_zero():
    only_new = [fact("N", at(10, 30, 9), due_at=at(11, 6, 9))]

    row = compute_kpis(only_new, *PERIOD, group_by="unit")[0]

    assert row.rate("response") == Decimal("0.0000")  # assigned but not signed: a real zero
    for name in ("on_time", "resolution", "satisfaction", "rework"):
        assert row.rates[name].denominator == 0
        assert row.rate(name) is None
    assert row.avg_handling_hours is None


def test_a_period_without_tasks_gives_no_rows():
    assert compute_kpis(FACTS, *county_period(date(2026, 1, 1), date(2026, 1, 31))) == []


@pytest.mark.parametrize(
    ("numerator", "denominator", "value"),
    [(1, 32, "0.0313"), (1, 3, "0.3333"), (2, 3, "0.6667"), (1, 8, "0.1250"), (5, 5, "1.0000")],
)
def test_rates_round_half_up_to_four_places(numerator, denominator, value):
    assert Rate(numerator, denominator).value == Decimal(value)


def test_the_same_facts_in_another_order_give_the_same_rows():
    shuffled = list(FACTS)
    random.Random(7).shuffle(shuffled)

    for group_by in ("unit", "township", "county"):
        assert compute_kpis(shuffled, *PERIOD, group_by) == compute_kpis(FACTS, *PERIOD, group_by)


def test_facts_in_another_time_zone_are_counted_in_the_same_period():
    in_utc = [
        replace(f, assigned_at=f.assigned_at.astimezone(ZoneInfo("UTC")))
        for f in FACTS
        if f.task_id == "A"
    ]

    assert compute_kpis(in_utc, *PERIOD)[0].assigned == 1


# --- ranking ---------------------------------------------------------------------------------


def row(key: str, assigned: int = 50, **rates: tuple[int, int]) -> KpiRow:
    all_rates = {name: Rate(*rates.get(name, (0, 0))) for name in RATE_NAMES}
    return KpiRow(key=key, assigned=assigned, replied=0, rates=all_rates, avg_handling_hours=None)


SATISFACTION_ONLY = YellowCardRule(weights={"satisfaction": Decimal(1)}, bottom_n=1)


def test_townships_rank_by_score_and_the_tied_bottom_share_the_yellow_card():
    rows = [
        row("331199001", satisfaction=(90, 100)),
        row("331199002", satisfaction=(80, 100)),
        row("331199003", satisfaction=(40, 50)),
        row("331199004", satisfaction=(95, 100)),
    ]

    ranked = rank_townships(rows, SATISFACTION_ONLY)

    assert [(r.row.key, r.rank, r.yellow_card) for r in ranked] == [
        ("331199004", 1, False),
        ("331199001", 2, False),
        ("331199002", 3, True),
        ("331199003", 3, True),
    ]
    assert ranked[2].score == Decimal("0.8000")


def test_a_rate_below_its_floor_earns_a_yellow_card_whatever_the_rank():
    rule = YellowCardRule(
        weights={"satisfaction": Decimal(1)}, bottom_n=0, floors={"response": Decimal("0.9")}
    )
    rows = [
        row("331199001", satisfaction=(99, 100), response=(85, 100)),
        row("331199002", satisfaction=(70, 100), response=(95, 100)),
    ]

    ranked = {r.row.key: r for r in rank_townships(rows, rule)}

    assert ranked["331199001"].rank == 1
    assert ranked["331199001"].yellow_card
    assert ranked["331199001"].reasons == ("响应率 0.8500 < 0.9",)
    assert not ranked["331199002"].yellow_card


def test_return_and_rework_rates_count_against_the_score():
    rule = YellowCardRule(
        weights={"return": Decimal(1)}, bottom_n=1, floors={"rework": Decimal("0.1")}
    )
    rows = [
        row("331199001", **{"return": (2, 10)}, rework=(3, 10)),
        row("331199002", **{"return": (1, 10)}, rework=(0, 10)),
    ]

    ranked = rank_townships(rows, rule)

    assert [(r.row.key, r.score) for r in ranked] == [
        ("331199002", Decimal("0.9000")),
        ("331199001", Decimal("0.8000")),
    ]
    assert ranked[1].reasons == ("bottom 1 by score", "重办率 0.3000 > 0.1")


def test_missing_rates_are_left_out_of_the_weighted_score():
    rule = YellowCardRule(weights={"satisfaction": Decimal(1), "on_time": Decimal(1)}, bottom_n=0)

    ranked = rank_townships([row("331199001", on_time=(9, 10))], rule)

    assert ranked[0].score == Decimal("0.9000")


def test_a_township_with_too_few_tasks_is_listed_unranked_and_uncarded():
    rule = replace(SATISFACTION_ONLY, min_assigned=10)
    rows = [
        row("331199001", satisfaction=(9, 10)),
        row("331199002", assigned=3, satisfaction=(0, 3)),
        row("331199003", satisfaction=(8, 10)),
    ]

    ranked = rank_townships(rows, rule)

    assert [(r.row.key, r.rank, r.yellow_card) for r in ranked] == [
        ("331199001", 1, False),
        ("331199003", 2, True),
        ("331199002", None, False),
    ]
    assert ranked[2].reasons == ("too few tasks to rank",)


# --- CSV ---------------------------------------------------------------------------------------


def test_the_csv_carries_numerators_denominators_and_rates():
    rows = compute_kpis(FACTS, *PERIOD, group_by="township")

    lines = kpi_csv(rows).splitlines()

    assert lines[0].startswith("key,assigned,replied,response_numerator,response_denominator")
    assert lines[1].startswith("331199001,6,3,4,6,0.6667,2,4,0.5000,1,2,0.5000,2,3,0.6667")
    assert lines[1].endswith(",146.83")


def test_the_ranking_csv_marks_the_yellow_cards():
    ranked = rank_townships([row("331199001", satisfaction=(1, 2))], SATISFACTION_ONLY)

    assert ranking_csv(ranked).splitlines() == [
        "rank,key,assigned,score,yellow_card,reasons",
        "1,331199001,50,0.5000,yes,bottom 1 by score",
    ]


# --- the demo county's history -------------------------------------------------------------


@pytest.fixture(scope="module")
def history():
    return generate_history()


def test_the_demo_history_is_the_same_for_the_same_seed_and_differs_for_another(history):
    again = generate_history()
    other = generate_history(seed=7, last_day=date(2026, 8, 10))

    assert again == history
    assert other.tasks[:50] != history.tasks[:50]


def test_recomputing_the_demo_kpis_gives_the_same_numbers(history):
    facts = history.facts()
    shuffled = list(facts)
    random.Random(11).shuffle(shuffled)
    period = county_period(date(2026, 8, 1), date(2026, 10, 31))

    first = compute_kpis(facts, *period, group_by="township")

    assert compute_kpis(generate_history().facts(), *period, group_by="township") == first
    assert compute_kpis(shuffled, *period, group_by="township") == first
    assert len(first) == 8


def test_the_demo_townships_differ_visibly_and_the_worst_gets_a_yellow_card(history):
    period = county_period(date(2026, 8, 1), date(2026, 10, 31))
    rows = by_key(compute_kpis(history.facts(), *period, group_by="township"))
    ranked = rank_townships(list(rows.values()), DEFAULT_YELLOW_CARD_RULE)

    best, worst = rows["331199001"], rows["331199006"]  # 城关街道, 河口乡
    for name in ("response", "on_time", "resolution", "satisfaction"):
        assert best.rate(name) > worst.rate(name) + Decimal("0.05")
    assert ranked[0].row.key == "331199001" and not ranked[0].yellow_card
    assert ranked[-1].row.key == "331199006" and ranked[-1].yellow_card


def test_the_demo_history_uses_real_units_and_consistent_timelines(history):
    county = load_county()
    facts = history.facts()

    assert {f.unit_code for f in facts} <= {unit.code for unit in county.units}
    assert len(facts) == sum(
        1
        for task in history.tasks
        for e in task.events
        if e.action in ("assign", "reassign") and e.at < history.as_of
    )
    for task in history.tasks:
        times = [event.at for event in task.events]
        assert times == sorted(times), task.task_id
    for f in facts:
        assert f.assigned_at < history.as_of
        if f.accepted_at is not None:
            assert f.accepted_at >= f.assigned_at
        if f.replied_at is not None:
            assert f.accepted_at is not None and f.replied_at > f.accepted_at
            assert f.replied_at < history.as_of


def test_the_demo_history_seen_earlier_knows_less(history):
    earlier = replace(history, as_of=datetime(2026, 10, 15, tzinfo=CHINA))

    facts = earlier.facts()

    assert all(f.assigned_at < earlier.as_of for f in facts)
    assert all(f.closed_at is None or f.closed_at < earlier.as_of for f in facts)
    assert len(facts) < len(history.facts())


def test_verification_tasks_count_in_no_12345_measure():
    citizen = [f for f in FACTS if f.task_id != "G"]
    # A 核查 task for a risk alert, signed late and never replied: it would lower 响应率 and
    # 按时办结率 if it counted.
    verification = fact("V", at(10, 9, 10), kind="verification", due_at=at(10, 10, 10))

    with_verification = compute_kpis([*citizen, verification], *PERIOD, group_by="township")
    without = compute_kpis(citizen, *PERIOD, group_by="township")

    assert with_verification == without
    assert counts(by_key(with_verification)[TOWNSHIP])["response"] == (4, 6)
