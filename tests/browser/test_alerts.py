"""The analyst's pages in a real browser: a red alert raised by a threat call appears on the
board, is acknowledged and sent for verification (核查) from its panel, and riskassess holds
each step; the key-person registry is shown to an analyst and refused to an operator (by
riskassess's 403); stability assessments are listed and opened."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from pingan_common.testing.services import eventually
from tests.browser.conftest import ConsoleSite, screenshot
from tests.e2e.test_alert_flows import _json, _raised_alert


async def _red_alert(site: ConsoleSite, phone: str) -> dict[str, Any]:
    alert = await _raised_alert(site.platform, phone)
    assert alert["level"] == "red"
    return alert


async def _alert_state(site: ConsoleSite, alert_id: str) -> str:
    detail = await _json(
        await site.platform.riskassess.client.get(
            f"/v1/alerts/{alert_id}", headers=site.platform.headers("analyst")
        )
    )
    return str(detail["state"])


async def _open_panel(page: Page, alert_id: str) -> None:
    await page.click(f"[data-alert-id='{alert_id}'] .alert-open")
    shown = page.locator(f"[data-testid=alert-panel][data-alert-id='{alert_id}']")
    await expect(shown).to_be_visible()


async def test_an_analyst_acknowledges_a_red_alert_and_orders_its_verification(
    site: ConsoleSite,
) -> None:
    alert = await _red_alert(site, "13700005555")
    page = await site.signed_in("analyst1", width=1366, height=768)
    assert page.url.endswith("/alerts")
    card = page.locator(f"[data-testid=lane-red] [data-alert-id='{alert['id']}']")
    await expect(card).to_be_visible(timeout=20_000)
    await expect(card).to_contain_text("待签收")
    await expect(card).to_contain_text("极端言行")

    await _open_panel(page, alert["id"])
    panel = page.locator("#alert-panel")
    await expect(panel.locator("[data-testid=alert-state]")).to_have_text("待签收")
    await expect(panel.locator("[data-testid=alert-signals]")).to_contain_text("跳楼")
    # exactly the actions riskassess allows in this state
    forms = panel.locator("form.action-form")
    assert await forms.evaluate_all("fs => fs.map(f => f.dataset.action)") == ["acknowledge"]
    await screenshot(page, "alerts-1366")

    await panel.locator("input[name=note]").fill("值班研判已签收")
    await panel.locator("form[data-action=acknowledge] button[type=submit]").click()
    await expect(panel.locator("[data-testid=alert-state]")).to_have_text("已签收")
    await expect(panel).to_contain_text("已签收。")
    assert await _alert_state(site, alert["id"]) == "acknowledged"
    # the board follows without a reload
    await expect(card).to_contain_text("已签收")

    verify = panel.locator("form[data-action=request-verification]")
    await verify.locator("input[name=summary]").fill("核实当事人是否在厂房楼顶")
    await verify.locator("button[type=submit]").click()
    await expect(panel.locator("[data-testid=alert-state]")).to_have_text("核查中")
    assert await _alert_state(site, alert["id"]) == "verification_requested"
    await expect(panel.locator(".timeline")).to_contain_text("下发核查")

    async def verification_task() -> list[dict[str, Any]]:
        tasks = await _json(
            await site.platform.dispatch.client.get(
                f"/v1/tasks?alert_id={alert['id']}", headers=site.platform.headers("dispatcher")
            )
        )
        return tasks["items"]

    (task,) = await eventually(verification_task)
    assert task["kind"] == "verification"
    await screenshot(page, "alerts-1366-verification")


async def test_a_stale_panel_is_refused_and_shows_the_current_state(site: ConsoleSite) -> None:
    alert = await _red_alert(site, "13700006666")
    page = await site.signed_in("leader1")
    await page.goto(f"{site.url}/alerts?alert={alert['id']}")
    panel = page.locator("#alert-panel")
    await expect(panel.locator("[data-testid=alert-state]")).to_have_text("待签收")
    # someone else acknowledges meanwhile
    await _json(
        await site.platform.riskassess.client.post(
            f"/v1/alerts/{alert['id']}/acknowledge",
            json={},
            headers=site.platform.headers("leader"),
        )
    )
    await panel.locator("form[data-action=acknowledge] button[type=submit]").click()
    await expect(panel.locator("[role=alert]")).to_contain_text("该预警")
    await expect(panel.locator("[data-testid=alert-state]")).to_have_text("已签收")


def _key_person() -> dict[str, Any]:
    return {
        "category": "key_petitioner",
        "name": "测试甲",
        "address": "城关街道人民路 8 号",
        "area_code": "331199001",
        "case_officer": "城关街道综治中心",
        "risk_rating": "orange",
        "visit_interval_days": 15,
    }


async def test_the_key_person_registry_is_shown_to_an_analyst_and_refused_to_an_operator(
    site: ConsoleSite,
) -> None:
    person = await _json(
        await site.platform.riskassess.client.post(
            "/v1/key-persons", json=_key_person(), headers=site.platform.headers("analyst")
        )
    )
    analyst = await site.signed_in("analyst1")
    answer = await analyst.goto(f"{site.url}/keypersons")
    assert answer is not None and answer.status == 200
    table = analyst.locator("[data-testid=keypersons]")
    await expect(table).to_contain_text(person["ref"])
    await expect(table).to_contain_text("重点信访人")
    await screenshot(analyst, "keypersons-1366")

    operator = await site.signed_in("operator1")
    refused = await operator.goto(f"{site.url}/keypersons")
    assert refused is not None and refused.status == 403
    await expect(operator.locator("[data-testid=keypersons-refused]")).to_contain_text("无权查看")
    assert person["ref"] not in await operator.content()


async def test_stability_assessments_are_listed_and_opened(site: ConsoleSite) -> None:
    body = {
        "title": "城东片区征地拆迁项目",
        "matter_kind": "land_expropriation",
        "area_code": "331199002",
        "affected_population": 320,
    }
    await _json(
        await site.platform.riskassess.client.post(
            "/v1/assessments", json=body, headers=site.platform.headers("analyst")
        )
    )
    page = await site.signed_in("leader1")
    await page.goto(f"{site.url}/assessments")
    await expect(page.locator("[data-testid=assessments]")).to_contain_text("征地拆迁")
    await page.click("text=城东片区征地拆迁项目")
    detail = page.locator("[data-testid=assessment]")
    await expect(detail).to_contain_text("评估中")
    await expect(detail).to_contain_text("320")
