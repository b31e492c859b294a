"""The mediation measures' numerators and denominators, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pingan_mediation.measures.figures import CaseFact, measures

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def fact(**changes) -> CaseFact:  # type: ignore[no-untyped-def]
    fields = {
        "committee_code": "331199001001-TWH",
        "area_code": "331199001001",
        "kind": "neighbour",
        "level": "village",
        "source": "ticket",
        "state": "registered",
        "outcome": None,
        "accepted_at": None,
        "agreed_at": None,
        "agreed_level": None,
        "signals": 0,
        "terms_on_time": 0,
        "terms_late_or_breached": 0,
        **changes,
    }
    return CaseFact(**fields)


def agreed(level: str = "village", days: int = 4, **changes) -> CaseFact:  # type: ignore[no-untyped-def]
    return fact(
        state="closed",
        outcome="performed",
        level=level,
        accepted_at=T0,
        agreed_at=T0 + timedelta(days=days),
        agreed_level=level,
        **changes,
    )


def test_success_rate_is_agreements_over_concluded_mediations():
    (row,) = measures(
        [
            agreed(),
            agreed(),
            fact(state="failed"),
            fact(state="closed", outcome="referred"),
            fact(state="withdrawn", outcome="withdrawn"),
            fact(),
        ],
        "county",
    )

    assert (row["cases"], row["concluded"], row["agreements"]) == (6, 4, 2)
    assert row["success_rate"] == 0.5
    assert row["referrals"] == 1


def test_village_share_counts_agreements_reached_at_village_level():
    (row,) = measures([agreed("village"), agreed("township"), agreed("county"), agreed()], "county")

    assert row["village_share"] == 0.5


def test_average_days_and_terms_on_time():
    (row,) = measures(
        [agreed(days=2, terms_on_time=2), agreed(days=6, terms_late_or_breached=1, signals=1)],
        "county",
    )

    assert row["avg_days_to_agreement"] == 4.0
    assert row["terms_on_time_rate"] == round(2 / 3, 4)
    assert row["risk_signals"] == 1


def test_no_concluded_case_gives_no_rate_rather_than_zero():
    (row,) = measures([fact()], "county")

    assert row["success_rate"] is None and row["village_share"] is None


def test_groups_by_township_and_committee():
    facts = [fact(), fact(area_code="331199003001", committee_code="331199003001-TWH")]

    assert [r["key"] for r in measures(facts, "township")] == ["331199001", "331199003"]
    assert [r["key"] for r in measures(facts, "committee")] == [
        "331199001001-TWH",
        "331199003001-TWH",
    ]


def test_the_satisfaction_rate_counts_satisfied_and_basically_satisfied_over_answers():
    facts = [
        agreed(satisfaction="satisfied"),
        agreed(satisfaction="basically_satisfied"),
        agreed(satisfaction="unsatisfied"),
        agreed(),  # never answered: not in the denominator
    ]

    (row,) = measures(facts, "county")

    assert row["surveyed"] == 3
    assert row["satisfaction_rate"] == round(2 / 3, 4)


def test_no_survey_answer_means_no_satisfaction_rate_rather_than_zero():
    (row,) = measures([agreed()], "county")

    assert row["surveyed"] == 0
    assert row["satisfaction_rate"] is None
