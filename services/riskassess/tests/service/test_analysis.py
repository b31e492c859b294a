"""Situation analysis on the running service: counts by category, township and day, and the
grid hotspots as GeoJSON, within the caller's area; other roles refused."""

from __future__ import annotations

from pingan_common.testing.services import eventually
from pingan_riskassess.signals.facts import county_day

GRID = "33119900100101"


async def test_calls_are_counted_and_their_grid_is_a_hotspot(riskassess, make_call):
    calls = [
        make_call("路灯坏了", phone_hash=f"analysis-{n}", group="city_service", code="street_light")
        for n in range(3)
    ]
    for call in calls:
        await riskassess.send(call)
    for call in calls:
        await eventually(lambda c=call: riskassess.consumed(c.id))
    day = county_day(calls[0].data.registered_at).isoformat()
    headers = riskassess.headers("analyst")

    by_category = await riskassess.client.get(
        "/v1/analysis/counts", params={"from": day, "to": day, "by": "category"}, headers=headers
    )
    by_day = await riskassess.client.get(
        "/v1/analysis/counts", params={"from": day, "to": day, "by": "day"}, headers=headers
    )
    hotspots = await riskassess.client.get(
        "/v1/analysis/hotspots", params={"from": day, "to": day}, headers=headers
    )

    assert by_category.status_code == 200, by_category.text
    categories = {row["key"]: row["calls"] for row in by_category.json()["rows"]}
    assert categories["city_service"] >= 3
    assert {row["key"] for row in by_day.json()["rows"]} == {day}
    collection = hotspots.json()
    assert collection["type"] == "FeatureCollection"
    (grid,) = [f for f in collection["features"] if f["id"] == GRID]
    assert grid["geometry"]["type"] == "Polygon"
    assert grid["properties"]["calls"] >= 3


async def test_another_township_sees_none_of_these_calls(riskassess, make_call):
    call = make_call("路灯坏了", phone_hash="analysis-elsewhere", group="city_service")
    await riskassess.send(call)
    await eventually(lambda: riskassess.consumed(call.id))
    day = county_day(call.data.registered_at).isoformat()

    response = await riskassess.client.get(
        "/v1/analysis/hotspots",
        params={"from": day, "to": day},
        headers=riskassess.headers("leader", area="331199002", unit="331199002-ZZ"),
    )

    assert response.status_code == 200
    assert all(f["id"].startswith("331199002") for f in response.json()["features"])


async def test_analysis_is_for_analysts_leaders_and_admins_and_needs_a_sane_period(riskassess):
    operator = await riskassess.client.get(
        "/v1/analysis/counts",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=riskassess.headers("operator"),
    )
    backwards = await riskassess.client.get(
        "/v1/analysis/counts",
        params={"from": "2026-11-30", "to": "2026-11-01"},
        headers=riskassess.headers("analyst"),
    )

    assert operator.status_code == 403
    assert backwards.status_code == 422


async def test_the_measures_count_the_periods_alerts_and_their_acknowledgements(
    riskassess, make_ticket
):
    ticket = make_ticket(
        "他说要从楼顶跳下去",
        group="extreme_threat",
        code="threat_self_harm",
        label="扬言自杀/跳楼",
        dispositions=("risk",),
        risk_level="red",
        township="331199006",
        village="331199006001",
        grid=None,
    )
    await riskassess.send(ticket)
    (alert,) = await eventually(
        lambda: riskassess.items("/v1/alerts", ticket_id=str(ticket.data.ticket_id))
    )
    acked = await riskassess.client.post(
        f"/v1/alerts/{alert['id']}/acknowledge", json={}, headers=riskassess.headers("leader")
    )
    assert acked.status_code == 200
    day = county_day(ticket.data.registered_at).isoformat()

    response = await riskassess.client.get(
        "/v1/analysis/measures",
        params={"from": day, "to": day},
        headers=riskassess.headers("analyst", area="331199006"),
    )

    assert response.status_code == 200, response.text
    measures = response.json()
    assert measures["alerts"] == 1
    assert measures["by_level"] == {"red": 1}
    assert measures["by_source"] == {"threat": 1}
    assert measures["acknowledged"] == 1
    assert measures["acknowledged_in_time_rate"] == 1.0
