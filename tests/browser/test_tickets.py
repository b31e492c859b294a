"""Ticket search and detail in a real browser: a ticket found by its number and by the
caller's phone (masked), its detail with the timeline, and the search's CSV export."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from playwright.async_api import expect

from pingan_common.county_time import COUNTY_TZ
from tests.browser.conftest import ConsoleSite, screenshot


async def registered(site: ConsoleSite, phone: str) -> dict[str, Any]:
    reply = await site.platform.intake.client.post(
        "/v1/tickets",
        json={
            "channel": "hotline_12345",
            "description": "府前花园门口的垃圾好几天没人清运了，味道很大",
            "caller": {"name": "孙女士", "phone": phone},
            "location": {"address": "府前路26号府前花园"},
        },
        headers=site.platform.headers("operator"),
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def test_search_finds_the_ticket_and_its_detail_shows_the_timeline(
    site: ConsoleSite,
) -> None:
    phone = f"139{random.randrange(10_000_000, 99_999_999)}"
    ticket = await registered(site, phone)
    number = ticket["ticket_number"]
    page = await site.signed_in("operator1")
    await page.goto(f"{site.url}/tickets")
    await expect(page.locator("input[name=number]")).to_be_focused()
    await page.keyboard.type(number)
    await page.keyboard.press("Enter")
    results = page.get_by_test_id("search-results")
    await expect(results.locator("tbody tr")).to_have_count(1)
    await expect(results).to_contain_text(number)

    await page.goto(f"{site.url}/tickets")
    await page.fill("input[name=phone]", phone)
    await page.click("button:has-text('查询')")
    await expect(results.locator("tbody tr")).to_have_count(1)
    text = await results.inner_text()
    assert number in text
    assert f"{phone[:3]}****{phone[-4:]}" in text
    assert phone not in text  # masked as intake masks it
    await screenshot(page, "tickets-search")

    href = await page.get_by_test_id("csv-export").get_attribute("href")
    assert href and "phone=" in href
    csv = await page.request.get(f"{site.url}{href}")
    assert csv.status == 200
    body = (await csv.body()).decode("utf-8-sig")
    assert number in body
    assert phone not in body

    await results.get_by_role("link", name=number).click()
    await page.wait_for_url(f"**/tickets/{ticket['id']}")
    await expect(page.get_by_test_id("ticket-facts")).to_contain_text("城市管理与民生")
    timeline = page.get_by_test_id("timeline")
    await expect(timeline.locator("li").first).to_contain_text("受理")
    await expect(page.get_by_test_id("ticket-facts")).to_contain_text(f"{phone[:3]}****")
    await screenshot(page, "ticket-detail")


async def test_the_search_pages_with_intakes_cursor_and_checks_the_dates(
    site: ConsoleSite,
) -> None:
    for _ in range(3):
        await registered(site, f"139{random.randrange(10_000_000, 99_999_999)}")
    page = await site.signed_in("dispatcher1")
    today = datetime.now(COUNTY_TZ).date().isoformat()
    await page.goto(f"{site.url}/tickets?date_from={today}&date_to={today}&limit=2")
    results = page.get_by_test_id("search-results")
    await expect(results.locator("tbody tr")).to_have_count(2)
    first_page = await results.locator("tbody tr td:first-child").all_inner_texts()
    await page.get_by_test_id("next-page").click()
    await expect(results.locator("tbody tr").first).to_be_visible()
    second_page = await results.locator("tbody tr td:first-child").all_inner_texts()
    assert second_page and not set(first_page) & set(second_page)
    assert max(second_page) < min(first_page)  # newest first, on from the cursor

    await page.goto(f"{site.url}/tickets?date_from=2099-01-02")
    await expect(results).to_contain_text("没有符合条件的工单")
    await page.goto(f"{site.url}/tickets?date_from={today}&date_to=2026-01-01")
    await expect(results).to_contain_text("结束日期早于开始日期")
