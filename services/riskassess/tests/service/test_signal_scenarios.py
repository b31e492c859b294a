"""The issue's scenarios as sequences of events through riskassess's handlers (handler tier:
the real database, a rolled-back transaction, no broker): each raises the expected level at the
expected moment, on one alert per subject, and unrelated calls raise nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import select

from pingan_common.events import AlertRaised
from pingan_common.events.mediation import CaseRiskSignal, CaseRiskSignalData
from pingan_common.events.riskassess import AlertLevelRaised
from pingan_riskassess.models import Alert

START = datetime(2026, 11, 18, 1, tzinfo=UTC)  # a Wednesday, outside the sensitive periods
THREAT = {
    "group": "extreme_threat",
    "code": "threat_self_harm",
    "label": "扬言自杀/跳楼",
    "dispositions": ("police_transfer", "risk"),
    "risk_level": "red",
}
WAGES = {
    "group": "dispute",
    "code": "labour_wages",
    "label": "劳资/欠薪",
    "dispositions": ("task",),
}
GATHERING = {
    "group": "petition_group",
    "code": "gathering",
    "label": "聚集",
    "dispositions": ("risk",),
}


async def alerts(handlers) -> list[Alert]:  # type: ignore[no-untyped-def]
    rows = await handlers.session.scalars(select(Alert).order_by(Alert.raised_at))
    return list(rows.all())


async def levels(handlers) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(a.subject_kind, a.level) for a in await alerts(handlers)]


async def test_a_repeat_caller_across_three_phone_formats_is_blue_at_the_third_call(
    handlers, make_call
):
    # "138 0013 8000", "+86 138-0013-8000" and "13800138000" are one number once intake has
    # normalised it, so its keyed hash is the same on all three calls.
    same_caller = "c0ffee" * 10
    calls = [
        make_call("小区门口垃圾没人清理", phone_hash=same_caller, at=START + timedelta(days=d))
        for d in (0, 9, 20)
    ]

    await handlers.deliver(calls[0])
    await handlers.deliver(calls[1])
    assert await alerts(handlers) == []
    await handlers.deliver(calls[2])

    (alert,) = await alerts(handlers)
    assert (alert.subject_kind, alert.subject_ref, alert.level) == ("caller", same_caller, "blue")
    (signal,) = alert.signals
    assert signal["rule"] == "repeat_caller"
    assert set(signal["event_ids"]) == {str(c.id) for c in calls}
    (raised,) = await handlers.published(AlertRaised)
    assert raised.data.subject_ref == same_caller
    assert raised.data.signals[0].event_ids == [c.id for c in calls]


async def test_thirty_workers_of_one_employer_over_two_days_raise_one_alert_to_red(
    handlers, make_call
):
    seen: dict[int, list[tuple[str, str]]] = {}
    for n in range(1, 31):
        call = make_call(
            "鑫达电子厂拖欠我们三个月工资，老板不见人",
            phone_hash=f"worker-{n}",
            at=START + timedelta(hours=n * 1.3),
            **WAGES,
        )
        await handlers.deliver(call)
        seen[n] = await levels(handlers)

    assert seen[2] == []
    assert seen[3] == [("employer", "blue")]
    assert seen[5] == [("employer", "yellow")]
    assert seen[10] == [("employer", "orange")]
    assert seen[29] == [("employer", "orange")]
    assert seen[30] == [("employer", "red")]
    (alert,) = await alerts(handlers)
    assert alert.subject_ref == "employer:鑫达电子厂@331199001"
    raised = await handlers.published(AlertLevelRaised)
    assert [(e.data.previous_level, e.data.level) for e in raised] == [
        ("blue", "yellow"),
        ("yellow", "orange"),
        ("orange", "red"),
    ]


async def test_a_failed_mediation_then_a_threat_by_the_party_raises_the_case_to_red(
    handlers, make_call
):
    party = "party-hash-1"
    dispute = make_call("邻居占我家宅基地，调解两次都没谈拢", phone_hash=party, at=START)
    await handlers.deliver(dispute)
    case_id = uuid4()
    failed = CaseRiskSignal.create(
        CaseRiskSignalData(
            case_id=case_id,
            case_number="TJ2026110001",
            ticket_id=dispute.data.ticket_id,
            area_code="331199001001",
            dispute_kind="homestead",
            reason="repeated_failure",
            evidence="两次调解未达成协议，双方情绪激动",
            level_hint="yellow",
            party_refs=["p1", "p2"],
            failed_sessions=2,
            raised_at=START + timedelta(days=3),
        ),
        subject=str(case_id),
        correlationid=str(dispute.data.ticket_id),
    )
    await handlers.deliver(failed)
    assert await levels(handlers) == [("case", "yellow")]

    threat = make_call(
        "再不解决我就跟他同归于尽", phone_hash=party, at=START + timedelta(days=5), **THREAT
    )
    await handlers.deliver(threat)

    (alert,) = await alerts(handlers)
    assert (alert.subject_kind, alert.subject_ref, alert.level) == ("case", str(case_id), "red")
    assert {s["rule"] for s in alert.signals} == {
        "civil_to_criminal",
        "threat",
        "threat_after_case",
    }
    (rise,) = await handlers.published(AlertLevelRaised)
    assert rise.causationid == str(threat.id)


async def test_a_gathering_growing_from_5_to_200_people_goes_from_blue_to_red(handlers, make_call):
    reports = [(5, "blue"), (20, "yellow"), (60, "orange"), (200, "red")]
    seen = []
    for n, (people, _) in enumerate(reports):
        call = make_call(
            f"人民广场有人聚集，现在大约{people}人",
            phone_hash=f"passer-{n}",
            at=START + timedelta(minutes=40 * n),
            **GATHERING,
        )
        await handlers.deliver(call)
        seen.append(await levels(handlers))

    assert seen == [[("place", level)] for _, level in reports]
    (alert,) = await alerts(handlers)
    assert "gathering" in {s["rule"] for s in alert.signals}


async def test_the_same_numbers_of_unrelated_calls_raise_nothing(handlers, make_call):
    places = ["人民路路灯不亮", "解放街井盖松动", "东湖小区门口垃圾堆积", "城西菜场噪音扰民"]
    for n in range(30):
        await handlers.deliver(
            make_call(
                places[n % 4] + f"（第{n}号）",
                phone_hash=f"citizen-{n}",
                at=START + timedelta(hours=n * 1.3),
                code=f"city_{n % 7}",
            )
        )
    for n, people in enumerate((5, 20, 60, 200)):  # the same words, but no one gathering
        await handlers.deliver(
            make_call(
                f"家里来了{people}个亲戚吃喜酒，问问停车政策",
                phone_hash=f"guest-{n}",
                at=START + timedelta(minutes=40 * n),
                group="consultation",
                code="policy",
                label="政策咨询",
            )
        )

    assert await alerts(handlers) == []
    assert await handlers.published() == []


async def test_a_redelivered_call_counts_once(handlers, make_call):
    first, second = (
        make_call("又打来了", phone_hash="again", at=START + timedelta(days=d)) for d in (0, 1)
    )

    for event in (first, second, second, second):
        await handlers.deliver(event)

    assert await alerts(handlers) == []


WATER = {"group": "city_service", "code": "water_outage", "label": "停水"}


async def _water_calls(handlers, make_call, day: datetime, count: int, tag: str) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        await handlers.deliver(
            make_call(
                f"我家停水了（{tag}{n}）",
                phone_hash=f"{tag}-{n}",
                at=day + timedelta(minutes=5 * n),
                **WATER,
            )
        )


async def test_a_spike_of_outage_calls_against_a_quiet_baseline_raises_one_yellow_alert(
    handlers, make_call
):
    for week in range(1, 9):
        await _water_calls(handlers, make_call, START - timedelta(weeks=week), 1, f"w{week}")
    await _water_calls(handlers, make_call, START, 7, "today")
    assert await alerts(handlers) == []

    await _water_calls(handlers, make_call, START + timedelta(hours=1), 3, "later")

    (alert,) = await alerts(handlers)
    assert (alert.subject_kind, alert.level) == ("place", "yellow")
    assert alert.subject_ref.startswith("spike:water_outage@331199001")
    assert alert.signals[0]["rule"] == "spike"


async def test_as_many_outage_calls_on_a_weekday_that_is_always_busy_raise_nothing(
    handlers, make_call
):
    for week in range(1, 9):
        await _water_calls(handlers, make_call, START - timedelta(weeks=week), 5, f"w{week}")

    await _water_calls(handlers, make_call, START, 10, "today")

    assert await alerts(handlers) == []
