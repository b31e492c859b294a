"""The 稳定形势分析 report on the running service: calls of this month and the last (环比),
alerts, a 会商研判 meeting and a bulletin, as JSON and as a PDF in Chinese whose text holds the
figures (pdftotext) and whose page 1 is rendered to PNG (``.run/screenshots/``) for a person to
look at; scoped to the caller's area; the refusals."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pingan_common.county_time import county_date
from pingan_common.testing.services import eventually

SCREENSHOTS = Path(__file__).resolve().parents[4] / ".run" / "screenshots"
NOW = datetime.now(UTC)
THIS_MONTH = f"{county_date(NOW):%Y-%m}"
LAST_MONTH_DAY = county_date(NOW).replace(day=1) - timedelta(days=10)
LAST_MONTH = datetime(LAST_MONTH_DAY.year, LAST_MONTH_DAY.month, 15, 2, tzinfo=UTC)
STREET_LIGHT = {"group": "city_service", "code": "street_light", "label": "路灯故障"}
WAGES = {"group": "dispute", "code": "labour_wages", "label": "劳资纠纷"}


def located(township: str) -> dict:
    return {"township": township, "village": f"{township}001", "grid": f"{township}00101"}


WEST_LAKE = located("331199003")  # 西湖镇
SOUTH_HILL = located("331199004")  # 南山镇


async def _calls(riskassess, make_call, make_ticket) -> None:  # type: ignore[no-untyped-def]
    sent = [
        *[
            make_call("路灯坏了", phone_hash=f"report-now-{n}", **STREET_LIGHT, **WEST_LAKE)
            for n in range(4)
        ],
        *[
            make_call("老板拖欠工资", phone_hash=f"report-wage-{n}", **WAGES, **SOUTH_HILL)
            for n in range(2)
        ],
        *[
            make_call(
                "路灯坏了", phone_hash=f"report-then-{n}", at=LAST_MONTH, **STREET_LIGHT,
                **located("331199003"),
            )
            for n in range(2)
        ],
        make_ticket(
            "他说要从楼顶跳下去", group="extreme_threat", code="threat_self_harm",
            label="扬言自杀/跳楼", dispositions=("risk",), risk_level="red", **located("331199004"),
        ),
    ]  # fmt: skip
    for event in sent:
        await riskassess.send(event)
    for event in sent:
        await eventually(lambda e=event: riskassess.consumed(e.id))


async def _meeting_and_bulletin(riskassess) -> dict:  # type: ignore[no-untyped-def]
    headers = riskassess.headers("leader")
    meeting = await riskassess.client.post(
        "/v1/analysis/meetings",
        json={
            "area_code": "331199",
            "held_on": county_date(NOW).isoformat(),
            "attendees": ["赵建国", "杨帆", "县人社局", "南山镇"],
            "matters": ["南山镇劳资纠纷来电增多"],
            "decisions": [{"decision": "约谈企业负责人，督促发放工资", "owner": "县人社局"}],
        },
        headers=headers,
    )
    assert meeting.status_code == 201, meeting.text
    bulletin = await riskassess.client.post(
        "/v1/analysis/bulletins",
        json={
            "area_code": "331199",
            "level": "orange",
            "title": "关于南山镇欠薪苗头的预警通报",
            "body": "近期南山镇欠薪来电增多，请属地加强排查化解。",
            "unit_codes": ["331199004-ZZ"],
            "area_codes": ["331199004"],
            "meeting_id": meeting.json()["id"],
        },
        headers=headers | {"Idempotency-Key": "bulletin-report-1"},
    )
    assert bulletin.status_code == 201, bulletin.text
    return bulletin.json()


async def test_the_monthly_report_counts_calls_alerts_meetings_and_bulletins(
    riskassess, make_call, make_ticket
):
    await _calls(riskassess, make_call, make_ticket)
    bulletin = await _meeting_and_bulletin(riskassess)

    response = await riskassess.client.get(
        f"/v1/analysis/reports/monthly/{THIS_MONTH}", headers=riskassess.headers("analyst")
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["title"].startswith("青山县") and report["title"].endswith("稳定形势分析报告")
    assert report["calls"] == 7
    assert report["previous_calls"] == 2
    rows = {row["code"]: row for row in report["by_category"]}
    assert rows["city_service"]["calls"] == 4
    assert rows["city_service"]["previous"] == 2
    assert rows["city_service"]["change_rate"] == 1.0
    assert rows["dispute"]["calls"] == 2
    assert rows["dispute"]["change_rate"] is None  # none last month
    townships = {row["code"]: row for row in report["by_township"]}
    assert townships["331199003"]["calls"] == 4
    assert townships["331199004"] == {
        "code": "331199004",
        "name": "南山镇",
        "calls": 3,
        "alerts": 1,
    }
    assert report["alerts"]["by_level"]["red"] == 1
    assert report["meetings"][0]["decisions"][0]["owner"] == "县人社局"
    assert report["bulletins"][0]["number"] == bulletin["number"]
    assert any("红色、橙色预警" in finding for finding in report["findings"])
    topic = await riskassess.scalar(
        "SELECT topic FROM outbox WHERE event_type = 'pingan.riskassess.bulletin.issued.v1'"
        " AND payload->>'subject' = :id",
        id=bulletin["id"],
    )
    assert topic == "riskassess.alerts.v1"


async def test_the_report_pdf_holds_the_figures_in_chinese_and_renders(riskassess):
    response = await riskassess.client.get(
        f"/v1/analysis/reports/monthly/{THIS_MONTH}.pdf", headers=riskassess.headers("analyst")
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), "poppler-utils missing"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf_path = SCREENSHOTS / "situation-report.pdf"
    pdf_path.write_bytes(response.content)
    extract = await asyncio.create_subprocess_exec(
        "pdftotext", "-layout", str(pdf_path), "-", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await extract.communicate()
    text = out.decode().replace(" ", "")
    assert "稳定形势分析报告" in text
    assert "本期共受理群众诉求7件" in text
    assert "上期2件" in text
    assert "城市管理与民生" in text and "矛盾纠纷" in text and "极端事件" in text
    assert "红色1条" in text
    assert "约谈企业负责人，督促发放工资" in text  # the decision (its cell wraps the owner)
    assert "关于南山镇欠薪苗头的预警通报" in text
    assert "研判意见" in text
    render = await asyncio.create_subprocess_exec(
        *("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"),
        *(str(pdf_path), str(SCREENSHOTS / "situation-report-page1")),
    )
    assert await render.wait() == 0
    assert (SCREENSHOTS / "situation-report-page1.png").stat().st_size > 10_000


async def test_a_township_sees_its_own_report_and_the_quarter_adds_up(riskassess):
    township = await riskassess.client.get(
        f"/v1/analysis/reports/monthly/{THIS_MONTH}",
        headers=riskassess.headers("leader", area="331199003", unit="331199003-ZZ"),
    )
    quarter = county_date(NOW)
    quarterly = await riskassess.client.get(
        f"/v1/analysis/reports/quarterly/{quarter.year}-Q{(quarter.month - 1) // 3 + 1}",
        headers=riskassess.headers("analyst"),
    )

    assert township.status_code == 200, township.text
    assert township.json()["area_name"] == "西湖镇"
    assert township.json()["title"].startswith("西湖镇")
    assert township.json()["calls"] == 4
    assert township.json()["alerts"]["by_level"]["red"] == 0
    assert township.json()["bulletins"] == []  # issued for the county
    assert quarterly.status_code == 200
    assert quarterly.json()["calls"] >= 7


async def test_reports_meetings_and_bulletins_refuse_wrong_roles_areas_and_periods(riskassess):
    operator = await riskassess.client.get(
        f"/v1/analysis/reports/monthly/{THIS_MONTH}", headers=riskassess.headers("operator")
    )
    month_13 = await riskassess.client.get(
        "/v1/analysis/reports/monthly/2026-13", headers=riskassess.headers("analyst")
    )
    quarter_as_month = await riskassess.client.get(
        "/v1/analysis/reports/quarterly/2026-11", headers=riskassess.headers("analyst")
    )
    bulletin = {
        "area_code": "331199003",
        "level": "yellow",
        "title": "关于某某的预警通报",
        "body": "请加强排查。",
        "unit_codes": ["331199003-ZZ"],
    }
    township = riskassess.headers("leader", area="331199003", unit="331199003-ZZ")
    county_wide = await riskassess.client.post(
        "/v1/analysis/bulletins", json=bulletin | {"area_code": "331199"}, headers=township
    )
    outside = await riskassess.client.post(
        "/v1/analysis/bulletins",
        json=bulletin | {"unit_codes": ["331199004-ZZ"]},
        headers=township,
    )
    nobody = await riskassess.client.post(
        "/v1/analysis/bulletins", json=bulletin | {"unit_codes": []}, headers=township
    )
    by_grid_worker = await riskassess.client.post(
        "/v1/analysis/meetings",
        json={
            "area_code": "331199",
            "held_on": "2026-11-01",
            "attendees": ["某"],
            "matters": ["某事"],
        },
        headers=riskassess.headers("grid_worker"),
    )
    allowed = await riskassess.client.post(
        "/v1/analysis/bulletins", json=bulletin, headers=township
    )

    assert operator.status_code == 403
    assert month_13.status_code == 422
    assert quarter_as_month.status_code == 422
    assert county_wide.status_code == 403
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "body.unit_codes.0"
    assert nobody.status_code == 422
    assert by_grid_worker.status_code == 403
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["number"].startswith("YJTB")
