"""The county's measures over REST, from the task tables: exact numbers, reproducible, and the
seeded demo history giving exactly what the pure computation gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from pingan_common.events.riskassess import VerificationRequested, VerificationRequestedData
from pingan_common.testing.services import TestStack, eventually, running_service
from pingan_dispatch import bootstrap as dispatch_bootstrap
from pingan_dispatch.demo.history import FIRST_DAY, LAST_DAY, generate_history
from pingan_dispatch.demo.seed import seed_demo_history
from pingan_dispatch.kpis.facts import facts_between
from pingan_dispatch.kpis.measures import compute_kpis, county_period, kpi_csv
from pingan_dispatch.settings import DispatchSettings
from pingan_dispatch.sla.workdays import to_county_time

TOWNSHIP = "331199002"
UNIT = "331199002-ZZ"
REPLY = {"result": "已处理"}


def _today() -> str:
    return to_county_time(datetime.now(UTC)).date().isoformat()


def _ticket(make_ticket):  # type: ignore[no-untyped-def]
    return make_ticket("东城街道路灯不亮", township=TOWNSHIP, village=None, grid=None)


async def _kpis(dispatch, **params):  # type: ignore[no-untyped-def]
    query = {"from": _today(), "to": _today()} | params
    response = await dispatch.client.get(
        "/v1/kpis", params=query, headers=dispatch.headers("analyst")
    )
    assert response.status_code == 200, response.text
    return response


async def test_kpis_count_each_spell_of_a_task_with_a_unit_exactly(api, make_ticket, dispatch):
    satisfied = await api.open(_ticket(make_ticket))
    returned = await api.open(_ticket(make_ticket))
    unsatisfied = await api.open(_ticket(make_ticket))
    for task in (satisfied, unsatisfied):
        await api.to_reviewed(task, REPLY)
    await api.do(satisfied, "callback", {"verdict": "satisfied", "resolved": True}, role="operator")
    await api.do(
        unsatisfied, "callback", {"verdict": "unsatisfied", "resolved": False}, role="operator"
    )  # → reopened with the same unit: a second spell
    await api.do(
        returned, "return", {"reason_code": "wrong_area", "reason": "不在辖区"}, role="unit"
    )
    await api.do(returned, "assign", {"unit_code": "331199003-ZZ", "reason": "属地"})

    rows = {row["key"]: row for row in (await _kpis(dispatch, by="unit")).json()["rows"]}

    unit = rows[UNIT]
    assert unit["name"] == "东城街道综治中心"
    assert unit["assigned"] == 4  # satisfied, returned, unsatisfied, its reopen
    assert unit["replied"] == 2
    fractions = {name: (r["numerator"], r["denominator"]) for name, r in unit["rates"].items()}
    assert fractions == {
        "response": (2, 4),
        "on_time": (2, 2),  # the returned spell and the open reopen are not decided yet
        "resolution": (1, 2),
        "satisfaction": (1, 2),
        "return": (1, 4),
        "rework": (1, 2),
    }
    assert unit["rates"]["satisfaction"]["label"] == "满意率"
    assert unit["rates"]["satisfaction"]["value"] == 0.5
    assert rows["331199003-ZZ"]["assigned"] == 1


async def test_recomputing_from_the_same_history_gives_the_same_numbers(api, make_ticket, dispatch):
    task = await api.open(_ticket(make_ticket))
    await api.do(task, "accept", role="unit")

    first = (await _kpis(dispatch, by="township")).json()
    second = (await _kpis(dispatch, by="township")).json()
    csv = (await _kpis(dispatch, by="township", format="csv")).text

    assert first == second
    start, end = county_period(date.fromisoformat(_today()), date.fromisoformat(_today()))
    async with dispatch.service.runtime.transaction() as session:
        facts = await facts_between(session, start, end)
    assert csv == kpi_csv(compute_kpis(facts, start, end, group_by="township"))
    assert csv == kpi_csv(compute_kpis(list(reversed(facts)), start, end, group_by="township"))


async def test_kpis_need_an_analyst_leader_dispatcher_or_admin(dispatch):
    handler = await dispatch.client.get("/v1/kpis", headers=dispatch.headers("handler"))
    backwards = await dispatch.client.get(
        "/v1/kpis",
        params={"from": "2026-10-31", "to": "2026-08-01"},
        headers=dispatch.headers("leader"),
    )

    assert handler.status_code == 403
    assert backwards.status_code == 422


async def test_the_seeded_demo_history_gives_the_kpis_and_yellow_cards_of_the_report(
    postgres, kafka, test_auth
):
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(
        DispatchSettings,
        "dispatch",
        scanner_enabled=False,
        seed_demo_history=True,
        consumers_enabled=False,
    )
    period = {"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat()}
    async with running_service(dispatch_bootstrap, settings) as service:
        headers = stack.auth.headers("leader")
        by_township = await service.client.get(
            "/v1/kpis", params=period | {"by": "township", "format": "csv"}, headers=headers
        )
        ranking = await service.client.get("/v1/kpis/ranking", params=period, headers=headers)
        # A restart seeds nothing twice.
        assert await seed_demo_history(service.runtime) == 0

    start, end = county_period(FIRST_DAY, LAST_DAY)
    expected = compute_kpis(generate_history().facts(), start, end, group_by="township")
    assert by_township.status_code == 200, by_township.text
    assert by_township.text == kpi_csv(expected)
    assert ranking.status_code == 200, ranking.text
    carded = {t["row"]["key"] for t in ranking.json()["townships"] if t["yellow_card"]}
    assert "331199006" in carded  # 河口乡, poor on everything
    assert "331199001" not in carded  # 城关街道, exemplary


async def test_a_verification_task_is_a_fact_of_its_kind_and_counts_in_no_12345_measure(
    api, make_ticket, dispatch
):
    township, unit = "331199007", "331199007-ZZ"
    alert_id = uuid4()
    request = VerificationRequested.create(
        VerificationRequestedData(
            alert_id=alert_id,
            level="orange",
            area_code=township,
            summary="核实是否有人员聚集",
            requested_by="analyst1",
            requested_at=datetime.now(UTC),
        ),
        subject=str(alert_id),
        correlationid=str(alert_id),
    )
    await dispatch.send(request)
    (listed,) = await eventually(lambda: dispatch.items("/v1/tasks", alert_id=str(alert_id)))
    assert listed["unit_code"] == unit
    citizen = await api.open(make_ticket("路灯不亮", township=township, village=None, grid=None))
    assert citizen["unit_code"] == unit

    rows = {row["key"]: row for row in (await _kpis(dispatch, by="unit")).json()["rows"]}

    assert rows[unit]["assigned"] == 1  # the citizen's task only
    start, end = county_period(date.fromisoformat(_today()), date.fromisoformat(_today()))
    async with dispatch.service.runtime.transaction() as session:
        facts = await facts_between(session, start, end)
    kinds = {f.task_id: f.kind for f in facts if f.unit_code == unit}
    assert kinds == {listed["id"]: "verification", citizen["id"]: "ticket"}
