"""The unit handler in a real browser: the unit's inbox shows a new task, the handler signs for
it and replies with attachment metadata; an action on a task someone changed meanwhile is
refused as stale (412); another township's handler neither sees the task nor opens it."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ConsoleSite, screenshot
from tests.browser.test_dispatch import CHENGGUAN, detail_of, register, shown_actions, task_of

PHOTO = {"name": "现场照片1.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"0" * 2045}


def _light(street: str, lon: float, lat: float) -> dict[str, Any]:
    return {
        "channel": "hotline_12345",
        "description": f"{street}的路灯坏了，晚上一片漆黑，行人容易摔倒，请派人维修",
        "caller": {"name": "钱女士", "phone": "137-0013-7333"},
        "location": {"lon": lon, "lat": lat},
    }


async def test_the_unit_signs_for_a_new_task_and_replies_with_attachment_metadata(
    site: ConsoleSite,
) -> None:
    page = await site.signed_in("handler1")
    assert page.url.endswith("/unit")
    ticket = await register(site, _light("幸福社区幸福路", 119.7888, 28.19367))
    task = await task_of(site, ticket["id"])
    assert task["unit_code"] == CHENGGUAN
    link = page.locator("#inbox a", has_text=ticket["ticket_number"])
    await link.wait_for(timeout=25_000)  # the stream, or the 10 s poll
    await screenshot(page, "unit-inbox")

    await link.click()
    await page.wait_for_url(f"**/unit/tasks/{task['id']}")
    assert (
        await shown_actions(page)
        == (await detail_of(site, task["id"], "handler"))["allowed_actions"]
    )
    assert "accept" in await shown_actions(page) and "reassign" not in await shown_actions(page)
    await page.click("form[data-action=accept] button[type=submit]")
    await page.wait_for_selector("[data-testid=state]:has-text('已签收')")
    signed = await detail_of(site, task["id"], "handler")
    assert signed["state"] == "accepted"
    assert await shown_actions(page) == signed["allowed_actions"]
    assert {"reply", "request-extension", "return"} <= set(signed["allowed_actions"])

    await page.click("details[data-action=reply] > summary")
    reply = page.locator("form[data-action=reply]")
    await reply.locator("textarea[name=result]").fill("已更换幸福路路灯灯泡，恢复照明")
    await reply.locator("input[type=file]").set_input_files(PHOTO)
    assert await reply.locator("input[name=attachment_name]").input_value() == "现场照片1.jpg"
    assert await reply.locator("input[name=attachment_size]").input_value() == "2048"
    await screenshot(page, "unit-task-reply-form")
    await reply.locator("button[type=submit]").click()
    await page.wait_for_selector("[data-testid=state]:has-text('已回复')")
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "unit-task")

    replied = await detail_of(site, task["id"], "handler")
    assert replied["state"] == "replied"
    assert replied["reply"]["result"] == "已更换幸福路路灯灯泡，恢复照明"
    assert replied["reply"]["attachments"] == [
        {"file_name": "现场照片1.jpg", "content_type": "image/jpeg", "size_bytes": 2048, "url": ""}
    ]
    assert "现场照片1.jpg" in await page.inner_text("[data-testid=reply]")


async def test_an_action_on_a_task_changed_meanwhile_is_refused_as_stale(site: ConsoleSite) -> None:
    ticket = await register(site, _light("文昌社区文昌路", 119.78552, 28.17063))
    task = await task_of(site, ticket["id"])
    page = await site.signed_in("handler1")
    await page.goto(f"{site.url}/unit/tasks/{task['id']}")
    assert "accept" in await shown_actions(page)

    elsewhere = await site.platform.dispatch.client.post(
        f"/v1/tasks/{task['id']}/accept", json={}, headers=site.platform.headers("handler")
    )
    assert elsewhere.status_code == 200, elsewhere.text
    await page.click("form[data-action=accept] button[type=submit]")
    refusal = page.locator("[data-testid=refusal]")
    await refusal.wait_for()
    assert "任务已被他人更新，请刷新" in await refusal.inner_text()
    assert await page.inner_text("[data-testid=state]") == "待签收"  # the page kept what it had

    await page.click("[data-testid=refusal] a")
    await page.wait_for_selector("[data-testid=state]:has-text('已签收')")


async def test_another_townships_handler_neither_sees_nor_opens_the_task(site: ConsoleSite) -> None:
    ticket = await register(site, _light("城南社区城南路", 119.74, 28.142))
    task = await task_of(site, ticket["id"])
    assert task["unit_code"] == CHENGGUAN
    page = await site.signed_in("handler2")
    assert page.url.endswith("/unit")
    inbox = await page.inner_text("[data-testid=inbox]")
    assert "东城街道" in await page.inner_text("h1")  # handler2's own unit
    assert ticket["ticket_number"] not in inbox

    response = await page.goto(f"{site.url}/unit/tasks/{task['id']}")
    # Another area's task is answered as missing (404, so a refusal does not tell that it
    # exists); the page says so in its words either way.
    assert response is not None and response.status in (403, 404)
    text = await page.content()
    assert ("无权查看此任务" if response.status == 403 else "任务不存在") in text
    for secret in (
        ticket["ticket_number"],
        ticket["description"],
        task["summary"],
        task["id"][:0] or "路灯",
    ):
        assert secret not in text

    tried = await page.evaluate(
        """async (url) => {
          const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
          const r = await fetch(url, {method: 'POST', headers: {'X-CSRF-Token': token,
            'Content-Type': 'application/x-www-form-urlencoded'}, body: 'version=1'});
          return r.status;
        }""",
        f"{site.url}/unit/tasks/{task['id']}/actions/accept",
    )
    assert tried in (403, 404)
    assert (await detail_of(site, task["id"]))["state"] == "assigned"
