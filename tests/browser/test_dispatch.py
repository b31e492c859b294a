"""The dispatcher's board and task page in a real browser: a ticket registered through intake's
API appears as a task on the open board without a reload; its page shows the ticket, the routing
explanation and exactly the actions dispatch allows; a reassignment through the form reaches
dispatch."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from pingan_common.testing.services import eventually
from tests.browser.conftest import ConsoleSite, screenshot

CHENGGUAN = "331199001-ZZ"  # 城关街道综治中心: streetlights in 城关 are routed to it
LIGHT = {
    "channel": "hotline_12345",
    "description": "城南社区人民路和解放街路口的路灯坏了好几天了，晚上很黑，请尽快修一下",
    "caller": {"name": "赵女士", "phone": "138-0013-8111"},
    "location": {"lon": 119.74594, "lat": 28.14603},
}
ANOTHER_LIGHT = {
    "channel": "hotline_12345",
    "description": "解放社区文化路口的路灯一直闪烁不亮，老人晚上出门不方便，希望修好",
    "caller": {"name": "孙先生", "phone": "139-0013-9222"},
    "location": {"lon": 119.80511, "lat": 28.16931},
}


async def register(site: ConsoleSite, ticket: dict[str, Any]) -> dict[str, Any]:
    response = await site.platform.intake.client.post(
        "/v1/tickets", json=ticket, headers=site.platform.headers("operator")
    )
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


async def task_of(site: ConsoleSite, ticket_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await site.platform.dispatch.client.get(
            "/v1/tasks",
            params={"ticket_id": ticket_id},
            headers=site.platform.headers("dispatcher"),
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return items[0] if items else None

    return await eventually(probe)


async def detail_of(site: ConsoleSite, task_id: str, role: str = "dispatcher") -> dict[str, Any]:
    response = await site.platform.dispatch.client.get(
        f"/v1/tasks/{task_id}", headers=site.platform.headers(role)
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def shown_actions(page: Page) -> list[str]:
    """The actions the page offers a form for, in the page's order."""
    shown: list[str] = await page.eval_on_selector_all(
        "form[data-action]", "forms => forms.map(form => form.dataset.action)"
    )
    return shown


async def test_a_new_ticket_appears_on_the_open_board_and_its_page_shows_only_allowed_actions(
    site: ConsoleSite,
) -> None:
    page = await site.signed_in("dispatcher1")
    assert page.url.endswith("/dispatch")
    await page.evaluate("window.notReloaded = true")
    before = int(await page.inner_text("[data-testid=count-new_today]"))

    ticket = await register(site, LIGHT)
    row = page.locator("#board a", has_text=ticket["ticket_number"])
    await row.wait_for(timeout=20_000)
    assert await page.evaluate("window.notReloaded === true"), "the board reloaded the page"
    assert int(await page.inner_text("[data-testid=count-new_today]")) == before + 1
    assert (await page.inner_text("[data-testid=count-escalated]")).isdigit()  # dispatch's own
    await screenshot(page, "dispatch-board")

    await row.click()
    await page.wait_for_url("**/dispatch/tasks/*")
    task = await detail_of(site, page.url.rsplit("/", 1)[1])
    assert task["ticket_id"] == ticket["id"] and task["unit_code"] == CHENGGUAN
    shown = await page.eval_on_selector_all(
        "form[data-action]", "fs => fs.map(f => f.dataset.action)"
    )
    assert shown == task["allowed_actions"]
    assert "reassign" in shown and "accept" not in shown  # signing for is the unit's
    assert LIGHT["description"] in await page.inner_text("[data-testid=ticket-description]")
    routing = await page.inner_text("[data-testid=routing]")
    assert task["rule_id"] in routing and task["route_reason"] in routing
    assert "城关街道综治中心" in await page.inner_text("[data-testid=suggested-unit]")
    assert "生成任务" in await page.inner_text("[data-testid=timeline]")
    await screenshot(page, "dispatch-task")


async def test_the_dispatcher_reassigns_a_task_through_the_form(site: ConsoleSite) -> None:
    ticket = await register(site, ANOTHER_LIGHT)
    task = await task_of(site, ticket["id"])
    page = await site.signed_in("dispatcher1")
    await page.goto(f"{site.url}/dispatch/tasks/{task['id']}")
    form = page.locator("form[data-action=reassign]")
    await form.locator("select[name=unit_code]").select_option("331199-D-CG")
    await form.locator("textarea[name=reason]").fill("路灯由县综合行政执法局统一维护")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector("[data-testid=done]")

    assert "青山县综合行政执法局" in await page.inner_text("[data-testid=unit]")
    assert "改派" in await page.inner_text("[data-testid=timeline]")
    after = await detail_of(site, task["id"])
    assert after["unit_code"] == "331199-D-CG"
    assert after["history"][-1]["details"]["why"] == "路灯由县综合行政执法局统一维护"
    shown = await page.eval_on_selector_all(
        "form[data-action]", "fs => fs.map(f => f.dataset.action)"
    )
    assert shown == after["allowed_actions"]
