"""The big screen's view models: figures picked from the services' answers, "—" with a reason
when a source failed, the map's townships, tickets and alerts, the trend of the month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shapely.geometry import Point

from pingan_common.refdata import load_county
from pingan_console.bigscreen import view
from pingan_console.bigscreen.geo import point_of, township_map, township_names
from pingan_console.bigscreen.sources import Fetched, Period

NOW = datetime(2026, 11, 5, 6, 0, tzinfo=UTC)
REFUSED = Fetched(problem="无权查看")


def kpi(assigned: int, response: tuple[int, int] | None) -> Fetched:
    rates = {}
    if response:
        n, d = response
        rates["response"] = {"numerator": n, "denominator": d, "value": n / d if d else None}
    return Fetched(
        {"rows": [{"key": "331199", "assigned": assigned, "replied": 1, "rates": rates}]}
    )


def test_the_period_is_today_and_this_month_in_county_time() -> None:
    late_evening_utc = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # 11-01 01:00 in the county
    period = Period.at(late_evening_utc)
    assert period.today == date(2026, 11, 1)
    assert period.month_start == date(2026, 11, 1)
    assert period.today_start == "2026-11-01T00:00:00+08:00"


def test_rates_come_from_dispatch_with_their_fraction_and_dash_when_refused() -> None:
    lines = view.rate_lines(kpi(4, (3, 4)), REFUSED)
    response = lines[0]
    assert response.label == "响应率"
    assert (response.today.text, response.today.note) == ("75.0%", "3/4")
    assert (response.month.text, response.month.note) == ("—", "无权查看")
    assert lines[1].today.text == "—"  # 解决率 not in the answer: no figure of our own making


def test_volumes_take_calls_from_riskassess_and_assignments_from_dispatch() -> None:
    counts = Fetched(
        {"rows": [{"key": "2026-11-04", "calls": 7}, {"key": "2026-11-05", "calls": 3}]}
    )
    sources = {"calls_by_day": counts, "kpi_today": kpi(2, None), "kpi_month": REFUSED}
    shown = view.volumes(sources, date(2026, 11, 5))
    assert shown.calls_today.text == "3"
    assert shown.calls_month.text == "10"
    assert shown.assigned_today.text == "2"
    assert shown.assigned_month.text == "—"


def test_intakes_cut_off_list_is_shown_as_at_least_its_page() -> None:
    assert view.tickets_count(Fetched({"items": [{}] * 3, "next_cursor": None})).text == "3"
    assert view.tickets_count(Fetched({"items": [{}] * 500, "next_cursor": "x"})).text == "500+"


def test_the_ranking_keeps_dispatchs_order_and_yellow_cards() -> None:
    answer = {
        "townships": [
            {"rank": 1, "score": 0.9663, "yellow_card": False, "reasons": [],
             "row": {"name": "城关街道", "rates": {"response": {"value": 0.95}}}},
            {"rank": 8, "score": 0.7642, "yellow_card": True, "reasons": ["bottom 2 by score"],
             "row": {"name": "河口乡", "rates": {}}},
        ]
    }  # fmt: skip
    lines = view.ranking(Fetched(answer))
    assert lines is not None
    assert [(r.rank, r.name, r.score, r.yellow_card) for r in lines] == [
        ("1", "城关街道", "96.6", False),
        ("8", "河口乡", "76.4", True),
    ]
    assert lines[0].response == "95.0%"
    assert view.ranking(REFUSED) is None


def test_the_overdue_list_says_how_late_and_whose() -> None:
    queues = {"overdue": {"count": 12, "items": [
        {"ticket_number": "QS1", "category_label": "噪音扰民", "unit_code": "U1",
         "due_at": (NOW - timedelta(hours=3)).isoformat()}]}}  # fmt: skip
    shown = view.overdue(Fetched(queues), NOW, lambda code: "城关街道综治中心")
    assert shown.count.text == "12"
    assert shown.lines[0].late_by == "超期 3 小时"
    assert shown.lines[0].unit == "城关街道综治中心"
    assert view.overdue(REFUSED, NOW, str).count.text == "—"


def test_mediation_and_risk_figures_are_dashes_with_the_reason_when_refused() -> None:
    assert view.mediation(REFUSED).success_rate == view.Figure("—", "无权查看")
    shown = view.mediation(
        Fetched({"groups": [{"cases": 4, "agreements": 2, "success_rate": 0.5}]})
    )
    assert (shown.cases.text, shown.success_rate.text, shown.village_share.text) == (
        "4",
        "50.0%",
        "—",
    )
    alerts = Fetched(([{"level": "red"}, {"level": "red"}, {"level": "blue"}], True))
    risk = view.risk(alerts, REFUSED)
    assert [c.count.text for c in risk.open_by_level] == ["2", "0", "0", "1"]
    assert risk.false_alarm_rate.text == "—"


def test_the_map_places_tickets_and_alerts_and_colours_townships_by_assignments() -> None:
    county = load_county()
    names = township_names(county)
    townships = Fetched({"rows": [{"key": "331199001", "assigned": 5}]})
    grid = county.grids[0]
    tickets = Fetched({"items": [
        {"id": "t1", "ticket_number": "QS1", "grid_code": grid.code, "urgency": "normal",
         "category": {"label": "路灯"}},
        {"id": "t2", "ticket_number": "QS2", "grid_code": None, "township_code": None},
    ]})  # fmt: skip
    alerts = Fetched(
        ([{"id": "a1", "level": "red", "area_code": "331199002", "summary": "跳楼"}], True)
    )

    drawn = view.map_data(townships, tickets, alerts, names, lambda c, k: point_of(county, c, k))

    assert {t["name"]: t["value"] for t in drawn["townships"]}["城关街道"] == 5
    assert {t["name"]: t["value"] for t in drawn["townships"]}["河口乡"] == 0
    assert len(drawn["tickets"]) == 1  # the unlocated one is not drawn
    lon, lat = drawn["tickets"][0]["value"]
    assert grid.shape.buffer(0.005).contains(Point(lon, lat))
    assert drawn["alerts"][0]["colour"] == view.LEVEL_COLOURS["red"]
    refused = view.map_data(REFUSED, REFUSED, REFUSED, names, lambda c, k: None)
    assert refused["tickets"] == [] and refused["townships_note"] == "无权查看"
    assert all(t["value"] is None for t in refused["townships"])
    assert drawn["note"] == "今日受理 2 件（已定位上图 1 件） · 未关闭预警 1 条"


def test_the_map_note_says_dash_for_a_service_that_did_not_answer() -> None:
    names = township_names(load_county())
    down = Fetched(problem="暂不可用")
    note = view.map_data(down, down, down, names, lambda c, k: None)["note"]
    assert note == "今日受理 —（暂不可用） · 未关闭预警 —（暂不可用） · 乡镇派单：暂不可用"
    assert "0" not in note


def test_the_township_map_has_every_township_named() -> None:
    county = load_county()
    features = township_map(county)["features"]
    assert sorted(f["properties"]["name"] for f in features) == sorted(
        a.name for a in county.townships
    )
    assert all(f["geometry"]["type"] == "Polygon" for f in features)


def test_the_trend_fills_the_days_the_service_lists_no_calls_for() -> None:
    counts = Fetched({"rows": [{"key": "2026-11-02", "calls": 4}]})
    days = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    assert view.trend(counts, days) == {
        "days": ["11-01", "11-02", "11-03"],
        "calls": [0, 4, 0],
        "note": "",
    }
    assert view.trend(Fetched({"rows": []}), days)["days"] == []  # the page shows 暂无数据
    assert view.trend(REFUSED, days)["note"] == "无权查看"
