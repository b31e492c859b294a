"""The demo mediation history: the same seed plays the same cases, the measures come from the
events alone, and the county's figures land where real counties report theirs."""

from __future__ import annotations

from datetime import date, timedelta

from pingan_common.refdata import load_county
from pingan_mediation.demo.facts import fact_of
from pingan_mediation.demo.history import generate_history
from pingan_mediation.measures.figures import measures


def test_the_same_seed_plays_the_same_history_event_for_event():
    assert generate_history(seed=7) == generate_history(seed=7)
    assert generate_history(seed=7) != generate_history(seed=8)


def test_the_county_settles_within_the_87_to_97_percent_counties_report():
    (county,) = measures(generate_history().facts(), "county")

    assert 0.87 <= county["success_rate"] <= 0.97  # type: ignore[operator]
    assert county["village_share"] > 0.5  # type: ignore[operator]  # 小事不出村
    assert county["referrals"] > 0
    assert county["risk_signals"] > 0
    assert county["surveyed"] > 0
    assert set(county["by_source"]) >= {"ticket", "task", "walk_in", "court", "screening"}  # type: ignore[call-overload]


def test_townships_differ_the_way_their_quality_says():
    rows = {row["key"]: row for row in measures(generate_history().facts(), "township")}

    assert rows["331199001"]["village_share"] > rows["331199006"]["village_share"]  # type: ignore[operator]
    assert rows["331199001"]["success_rate"] > rows["331199006"]["success_rate"]  # type: ignore[operator]
    assert rows["331199007"]["satisfaction_rate"] < rows["331199001"]["satisfaction_rate"]  # type: ignore[operator]


def test_every_case_is_held_by_a_body_of_the_county_reference_data():
    county = load_county()
    committees = {fact.committee_code for fact in generate_history().facts()}

    assert all(county.unit(code) is not None for code in committees)


def test_a_fact_knows_only_the_events_before_its_moment():
    history = generate_history()
    agreed = next(
        c for c in history.cases if any(e.action == "agreement_reached" for e in c.events)
    )
    agreement = next(e for e in agreed.events if e.action == "agreement_reached")

    before = fact_of(agreed, agreement.at)
    after = fact_of(agreed, agreement.at + timedelta(seconds=1))

    assert before.agreed_at is None
    assert after.agreed_at == agreement.at


def test_the_months_of_the_quarter_partition_its_cases_by_county_registration_day():
    history = generate_history()
    months = [
        history.facts(date(2026, 8, 1), date(2026, 8, 31)),
        history.facts(date(2026, 9, 1), date(2026, 9, 30)),
        history.facts(date(2026, 10, 1), date(2026, 10, 31)),
    ]

    assert all(months)
    assert sum(len(month) for month in months) == len(history.facts()) == len(history.cases)
    # the first case of the quarter is registered on its first county day
    assert history.cases[0].registered_on == date(2026, 8, 1)
