"""The risk measures, pure: exact numerators and denominators, None for an empty denominator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pingan_riskassess.analysis.measures import AlertFacts, compute

T0 = datetime(2026, 11, 18, 1, tzinfo=UTC)


def fact(**changes) -> AlertFacts:  # type: ignore[no-untyped-def]
    base = {
        "level": "red",
        "source": "threat",
        "raised_at": T0,
        "acknowledged_at": None,
        "acknowledged_in_time": None,
        "verified_at": None,
        "outcome": None,
        "escalations": 0,
    }
    return AlertFacts(**(base | changes))


def test_every_measure_of_a_small_period():
    facts = [
        fact(acknowledged_at=T0 + timedelta(minutes=10), acknowledged_in_time=True,
             verified_at=T0 + timedelta(hours=2), outcome="confirmed"),
        fact(level="yellow", source="repeat_caller", acknowledged_at=T0 + timedelta(minutes=300),
             acknowledged_in_time=False, escalations=2, verified_at=T0 + timedelta(hours=6),
             outcome="false_alarm"),
        fact(level="blue", source="spike", escalations=1),
    ]  # fmt: skip

    measures = compute(facts)

    assert measures.alerts == 3
    assert measures.by_level == {"blue": 1, "red": 1, "yellow": 1}
    assert measures.by_source == {"repeat_caller": 1, "spike": 1, "threat": 1}
    assert measures.acknowledged == 2
    assert measures.acknowledged_in_time_rate == 0.5
    assert measures.median_minutes_to_acknowledge == 155.0
    assert measures.median_minutes_to_verify == 240.0
    assert measures.verified == 2
    assert measures.false_alarm_rate == 0.5
    assert measures.escalations == 3


def test_no_alerts_give_none_rates_not_zero():
    measures = compute([])

    assert measures.alerts == 0
    assert measures.acknowledged_in_time_rate is None
    assert measures.false_alarm_rate is None
    assert measures.median_minutes_to_acknowledge is None
