"""The big screen (指挥大屏) in a real browser at 1920×1080: the county map is drawn with the
township names, the figures move when a ticket arrives without a reload, and a figure whose
service refuses the user shows "—" with the reason."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from pingan_common.refdata import load_county
from tests.browser.conftest import ConsoleSite, screenshot

WALL = {"width": 1920, "height": 1080}


def _call(phone: str) -> dict[str, Any]:
    return {
        "channel": "hotline_12345",
        "description": "人民路小区门口的路灯坏了一个星期，晚上很黑，请尽快修理",
        "caller": {"phone": phone},
        "location": {"address": "城关街道人民路"},
    }


async def _figure(page: Page, name: str) -> str:
    return (await page.inner_text(f"[data-figure={name}]")).strip()


async def _map_ready(page: Page) -> None:
    await expect(page.locator("#bs-map[data-ready=true]")).to_be_attached(timeout=15_000)


async def test_the_county_map_is_drawn_with_the_township_names(site: ConsoleSite) -> None:
    page = await site.signed_in("leader1", **WALL)
    assert page.url.endswith("/bigscreen")
    await _map_ready(page)
    assert await page.locator("#bs-map canvas").count() >= 1
    drawn = await page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById('bs-map'));
          const option = chart.getOption();
          const map = option.series.find(s => s.type === 'map');
          return {
            series: map.data.map(d => d.name),
            features: echarts.getMap('qingshan').geoJSON.features.map(f => f.properties.name),
          };
        }"""
    )
    townships = sorted(area.name for area in load_county().townships)
    assert sorted(drawn["series"]) == townships
    assert sorted(drawn["features"]) == townships
    await screenshot(page, "bigscreen-1920")


async def test_the_counts_move_when_a_new_ticket_arrives_without_a_reload(
    site: ConsoleSite,
) -> None:
    page = await site.signed_in("leader1", **WALL)
    await _map_ready(page)
    await page.evaluate("() => { window.__sameDocument = true; }")
    calls_before = await _figure(page, "calls-today")
    assigned_before = await _figure(page, "assigned-today")
    assert calls_before.replace(",", "").isdigit(), calls_before

    response = await site.platform.intake.client.post(
        "/v1/tickets", json=_call("13700007777"), headers=site.platform.headers("operator")
    )
    assert response.status_code == 201, response.text

    await expect(page.locator("[data-figure=calls-today]")).not_to_have_text(
        calls_before, timeout=30_000
    )
    assert int((await _figure(page, "calls-today")).replace(",", "")) > int(
        calls_before.replace(",", "")
    )
    await expect(page.locator("[data-figure=assigned-today]")).not_to_have_text(
        assigned_before, timeout=30_000
    )
    assert await page.evaluate("() => window.__sameDocument === true")
    # the new ticket is also a point on the map
    points = await page.evaluate(
        """() => echarts.getInstanceByDom(document.getElementById('bs-map'))
              .getOption().series.find(s => s.name === '今日工单').data.length"""
    )
    assert points >= 1
    await page.wait_for_timeout(1500)  # the new points grow in (ECharts' entry animation)
    await screenshot(page, "bigscreen-1920-after-ticket")


async def test_a_figure_the_service_refuses_shows_a_dash_with_the_reason(
    site: ConsoleSite,
) -> None:
    page = await site.signed_in("dispatcher1", **WALL)
    await page.goto(f"{site.url}/bigscreen")
    mediation = page.locator("#bs-mediation")
    await expect(mediation.locator("[data-figure=mediation-cases]")).to_have_text("—")
    await expect(mediation).to_contain_text("无权查看")
    # dispatch's own figures are the dispatcher's to see
    assert (await _figure(page, "assigned-today")).replace(",", "").isdigit()
    await _map_ready(page)
    await screenshot(page, "bigscreen-1920-dispatcher")


async def test_every_figure_shows_a_dash_when_its_services_do_not_answer(
    site: ConsoleSite,
) -> None:
    # A console whose five services are all down (nothing listens at their addresses): the wall
    # still renders, and every figure is "—" with 暂不可用, never a 0 or an error page.
    services = ("intake", "dispatch", "mediation", "riskassess", "notify")
    async with site.console_without(*services) as url:
        page = await site.signed_in("leader1", url=url, **WALL)
        assert page.url.endswith("/bigscreen")
        figures = page.locator("[data-figure]")
        assert await figures.count() >= 20
        texts = {
            await figure.get_attribute("data-figure"): (await figure.inner_text()).strip()
            for figure in await figures.all()
        }
        assert {name for name, text in texts.items() if text != "—"} == set(), texts
        await expect(page.locator("#bs-mediation")).to_contain_text("暂不可用")
        await expect(page.locator("#bs-risk")).to_contain_text("暂不可用")
        await expect(page.locator("#bs-ranking")).to_contain_text("— 暂不可用")
        await _map_ready(page)  # the outlines are the console's own: the map is still drawn
        note = page.locator("#bs-map-note")
        await expect(note).to_contain_text("今日受理 —（暂不可用）")
        await expect(note).to_contain_text("未关闭预警 —（暂不可用）")
        await screenshot(page, "bigscreen-1920-services-down")

        # The 5-second refresh answers the same, not an error.
        refreshed = await page.request.get(f"{url}/bigscreen/figures")
        assert refreshed.status == 200
        assert 'data-figure="calls-today">—<' in await refreshed.text()
        await page.context.close()  # its live stream ends before this console stops

    # Only the services that are down: dispatch's figures stay numbers beside the dashes.
    async with site.console_without("mediation", "riskassess") as url:
        page = await site.signed_in("leader1", url=url, **WALL)
        await expect(page.locator("[data-figure=mediation-cases]")).to_have_text("—")
        await expect(page.locator("[data-figure=alerts-month]")).to_have_text("—")
        await expect(page.locator("[data-figure=open-red]")).to_have_text("—")
        await expect(page.locator("[data-figure=calls-today]")).to_have_text("—")  # riskassess's
        assert (await _figure(page, "assigned-today")).replace(",", "").isdigit()
        assert (await _figure(page, "replied-month")).replace(",", "").isdigit()
        await page.context.close()
