"""The grid worker (网格员) on a phone, 360×800: reports an event with the device's position, a
tap on the grid map and a photo's metadata, and sees it registered in intake; sees a 核查 task
riskassess ordered for the grid, signs for it and replies with a finding that verifies the
alert; sees the visits (走访) due in the grid on a slow connection and records one."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect
from shapely.geometry import Point
from sqlalchemy import text

from pingan_common.refdata import load_county
from pingan_common.testing.services import eventually
from tests.browser.conftest import ConsoleSite, screenshot

GRID = "33119900100101"  # grid_worker1's grid, 城关街道幸福社区第1网格
PHONE = {"width": 360, "height": 800}
PHOTO = {"name": "现场照片1.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"0" * 2045}


async def _no_horizontal_scroll(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def _tap_inside_the_grid(page: Page) -> None:
    """Tap the map where the page's own marker would start (a point inside the grid)."""
    x, y = await page.evaluate(
        """() => {
          const svg = document.querySelector('[data-grid-map]');
          const marker = svg.querySelector('[data-map-marker]');
          const p = svg.createSVGPoint();
          p.x = parseFloat(marker.getAttribute('cx'));
          p.y = parseFloat(marker.getAttribute('cy'));
          const s = p.matrixTransform(svg.getScreenCTM());
          return [s.x, s.y];
        }"""
    )
    await page.mouse.click(x, y)


async def test_a_grid_worker_reports_an_event_from_the_phone_and_sees_it_registered(
    site: ConsoleSite,
) -> None:
    grid = load_county().area(GRID)
    assert grid is not None
    inside = grid.shape.representative_point()
    page = await site.signed_in("grid_worker1", **PHONE)
    assert page.url.endswith("/grid")
    assert await _no_horizontal_scroll(page)
    await screenshot(page, "grid-home")

    await page.click("[data-testid=report-link]")
    await page.wait_for_url("**/grid/report")
    assert await _no_horizontal_scroll(page)
    await page.context.grant_permissions(["geolocation"], origin=site.url)
    await page.context.set_geolocation({"longitude": inside.x, "latitude": inside.y})
    await page.click("[data-geolocate]")
    # Not wait_for_function: its in-page polling evaluates a string, which the console's CSP
    # (script-src 'self') refuses whenever the first check does not already pass.
    await expect(page.locator("#lon")).not_to_have_value("")
    assert abs(float(await page.input_value("#lon")) - inside.x) < 1e-5

    await page.fill("#lon", "")
    await page.fill("#lat", "")
    await _tap_inside_the_grid(page)
    lon, lat = float(await page.input_value("#lon")), float(await page.input_value("#lat"))
    assert grid.shape.contains(Point(lon, lat)), (lon, lat)
    assert await page.is_visible("[data-map-marker]")

    await page.fill("textarea[name=description]", "幸福社区菜场门口有人占道经营，堵住了消防通道")
    await page.set_input_files("[data-photo-input]", files=[PHOTO])
    assert "现场照片1.jpg" in await page.inner_text("[data-photo-list]")
    await screenshot(page, "grid-report-form", full_page=True)
    await page.click("button[type=submit].primary")
    await page.wait_for_selector("[data-testid=reported]")
    assert await _no_horizontal_scroll(page)
    await screenshot(page, "grid-reported")

    number = (await page.inner_text("[data-testid=ticket-number]")).strip()
    response = await site.platform.intake.client.get(
        f"/v1/tickets/{number}", headers=site.platform.headers("operator")
    )
    assert response.status_code == 200, response.text
    ticket = response.json()
    assert ticket["channel"] == "grid_report"
    assert ticket["location"]["grid_code"] == GRID
    assert abs(ticket["location"]["lon"] - lon) < 1e-5
    (photo,) = ticket["attachments"]
    assert (photo["file_name"], photo["size_bytes"]) == ("现场照片1.jpg", 2048)
    assert "taken_at=" in photo["url"]

    await page.goto(f"{site.url}/grid")
    assert number in await page.inner_text(".grid-recent")


async def _verification_task_for_the_grid(site: ConsoleSite) -> dict[str, Any]:
    platform = site.platform
    threat = {
        "channel": "hotline_12345",
        "description": "老板拖欠我工资半年，今天再不给钱我就从幸福社区的厂房楼顶跳下去",
        "caller": {"phone": "13700005555"},
        "location": {"grid_code": GRID},
    }
    response = await platform.intake.client.post(
        "/v1/tickets", json=threat, headers=platform.headers("operator")
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    risk = platform.riskassess.client
    leader = platform.headers("leader")

    async def alert() -> dict[str, Any] | None:
        found = await risk.get(f"/v1/alerts?ticket_id={ticket['id']}", headers=leader)
        items = found.json()["items"]
        return items[0] if items else None

    raised = await eventually(alert)
    for action, body in (
        ("acknowledge", {}),
        ("request-verification", {"summary": "核实当事人是否在厂房楼顶，情绪是否稳定"}),
    ):
        answer = await risk.post(f"/v1/alerts/{raised['id']}/{action}", json=body, headers=leader)
        assert answer.status_code == 200, answer.text

    async def task() -> dict[str, Any] | None:
        found = await platform.dispatch.client.get(
            f"/v1/tasks?alert_id={raised['id']}", headers=platform.headers("dispatcher")
        )
        items = found.json()["items"]
        return items[0] if items else None

    opened = await eventually(task)
    assert opened["kind"] == "verification"
    assert opened["unit_code"] == f"{GRID}-WG"
    return {"task": opened, "alert": raised}


async def test_a_grid_worker_signs_for_a_verification_task_and_its_finding_verifies_the_alert(
    site: ConsoleSite,
) -> None:
    made = await _verification_task_for_the_grid(site)
    task, alert = made["task"], made["alert"]
    page = await site.signed_in("grid_worker1", **PHONE)
    row = page.locator(f"a.task-row[href='/grid/tasks/{task['id']}']")
    await row.wait_for()
    assert "核查" in await row.inner_text()
    assert await _no_horizontal_scroll(page)
    await screenshot(page, "grid-tasks")

    await row.click()
    await page.wait_for_url(f"**/grid/tasks/{task['id']}")
    assert (await page.inner_text("[data-testid=task-state]")).strip() == "待签收"
    await screenshot(page, "grid-task")
    await page.click("form[data-action=accept] button")
    await page.wait_for_selector("[data-testid=task-state]:text-is('办理中')")

    await page.check("input[name=finding][value=confirmed]")
    await page.fill("form[data-action=reply] textarea[name=result]", "当事人已被劝下楼顶，情绪稳定")
    await page.click("form[data-action=reply] button[type=submit]")
    await page.wait_for_selector("[data-testid=task-state]:text-is('已回复，待审核')")
    assert await _no_horizontal_scroll(page)
    await screenshot(page, "grid-task-replied", full_page=True)

    detail = await site.platform.dispatch.client.get(
        f"/v1/tasks/{task['id']}", headers=site.platform.headers("dispatcher")
    )
    assert detail.json()["reply"]["result"].startswith("核查属实")

    async def verified() -> dict[str, Any] | None:
        current = await site.platform.riskassess.client.get(
            f"/v1/alerts/{alert['id']}", headers=site.platform.headers("analyst")
        )
        body = current.json()
        return body if body["state"] == "verified" else None

    assert (await eventually(verified))["outcome"] == "confirmed"


async def _key_person_due(site: ConsoleSite, name: str, grid: str) -> dict[str, Any]:
    """A key person registered in ``grid`` whose monthly visit is two days overdue (the due date
    moved back in riskassess's table: the schedule runs on the service's clock)."""
    platform = site.platform
    answer = await platform.riskassess.client.post(
        "/v1/key-persons",
        json={
            "category": "community_correction",
            "name": name,
            "address": "幸福社区3幢2单元",
            "area_code": grid,
            "case_officer": "司法所 王科长",
            "visit_interval_days": 30,
        },
        headers=platform.headers("analyst"),
    )
    assert answer.status_code == 201, answer.text
    person: dict[str, Any] = answer.json()
    async with platform.riskassess.runtime.transaction() as session:
        await session.execute(
            text(
                "UPDATE key_persons SET next_visit_due_at = now() - interval '2 days'"
                " WHERE id = :id"
            ),
            {"id": person["id"]},
        )
    return person


async def test_a_grid_worker_records_a_due_visit_on_a_slow_phone_connection(
    site: ConsoleSite,
) -> None:
    mine = await _key_person_due(site, "孙建华", GRID)
    elsewhere = await _key_person_due(site, "钱志远", "33119900200101")  # another township
    page = await site.signed_in("grid_worker1", **PHONE)
    # Slow 3G as Chromium's DevTools has it: 400 ms latency, 50 KB/s down.
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 400,
            "downloadThroughput": 51_200,
            "uploadThroughput": 25_600,
        },
    )
    await page.goto(f"{site.url}/grid")
    visits = page.get_by_test_id("visits")
    row = visits.locator(f"[data-person='{mine['id']}']")
    await expect(row).to_contain_text("孙建华")
    await expect(row).to_contain_text("逾期")
    await expect(visits.locator(f"[data-person='{elsewhere['id']}']")).to_have_count(0)
    assert "钱志远" not in await page.content()
    # What the phone fetched for the page: small HTML, no chart library.
    fetched = await page.evaluate(
        """() => [performance.getEntriesByType('navigation')[0],
                  ...performance.getEntriesByType('resource')]
              .map(e => [e.name, e.transferSize])"""
    )
    assert not [url for url, _ in fetched if "echarts" in url], fetched
    total = sum(size for _, size in fetched)
    assert total < 40_000, fetched
    assert await _no_horizontal_scroll(page)
    await screenshot(page, "grid-visits", full_page=True)

    await row.locator("summary").click()
    await row.get_by_label("见到本人").check()
    await row.locator("textarea[name=notes]").fill("上门走访，本人在家，情绪稳定，按时报到")
    await row.get_by_role("button", name="提交走访记录").click()
    await expect(page.get_by_test_id("visit-done")).to_contain_text("已记录走访，下次走访")
    await expect(visits.locator(f"[data-person='{mine['id']}']")).to_have_count(0)
    assert await _no_horizontal_scroll(page)
    await screenshot(page, "grid-visit-recorded")

    stored = await site.platform.riskassess.client.get(
        f"/v1/key-persons/{mine['id']}", headers=site.platform.headers("analyst")
    )
    assert stored.status_code == 200, stored.text
    person = stored.json()
    assert person["last_visit_at"] is not None and person["lost_contact"] is False
    assert person["next_visit_due_at"] > person["last_visit_at"]


async def test_the_grid_page_stays_up_when_riskassess_does_not_answer(site: ConsoleSite) -> None:
    async with site.console_without("riskassess") as url:
        page = await site.signed_in("grid_worker1", url=url, **PHONE)
        assert page.url.endswith("/grid")
        await expect(page.get_by_test_id("visits-problem")).to_have_text("走访任务暂不可用")
        await expect(page.get_by_test_id("task-counts")).to_be_visible()  # dispatch's part
        await page.context.close()
