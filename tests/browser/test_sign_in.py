"""Signing in and out in a real browser: each role lands on its own page, with its role and
area shown; a wrong password says so; logging out ends the session; forged posts are refused."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import ConsoleSite, screenshot

HOMES = [
    ("operator1", "/operator", "话务员", "青山县"),
    ("dispatcher1", "/dispatch", "派单员", "青山县"),
    ("handler1", "/unit", "承办单位", "城关"),
    ("grid_worker1", "/grid", "网格员", "城关"),
    ("mediator1", "/mediation", "调解员", "城关"),
    ("analyst1", "/alerts", "研判人员", "青山县"),
    ("leader1", "/bigscreen", "值班领导", "青山县"),
]


@pytest.mark.parametrize(("username", "home", "role", "area"), HOMES)
async def test_each_role_lands_on_its_home_with_role_and_area(
    site: ConsoleSite, username: str, home: str, role: str, area: str
) -> None:
    page = await site.signed_in(username)
    assert page.url.endswith(home)
    who = await page.inner_text("[data-testid=who]")
    assert role in who
    assert area in who


async def test_a_wrong_password_is_refused_with_a_message(site: ConsoleSite) -> None:
    page = await site.page()
    await page.goto(f"{site.url}/login")
    await page.fill("input[name=username]", "operator1")
    await page.fill("input[name=password]", "wrong")
    await page.click("button[type=submit]")
    assert "用户名或密码错误" in await page.inner_text("[role=alert]")
    await screenshot(page, "login-refused")
    cookies = await page.context.cookies()
    assert not [c for c in cookies if c["name"] == "pingan_session"]


async def test_the_session_cookie_is_httponly_and_strict(site: ConsoleSite) -> None:
    page = await site.signed_in("operator1")
    (cookie,) = [c for c in await page.context.cookies() if c["name"] == "pingan_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert await page.evaluate("document.cookie") == ""


async def test_logout_ends_the_session(site: ConsoleSite) -> None:
    page = await site.signed_in("dispatcher1")
    await page.click("text=退出")
    await page.wait_for_url("**/login")
    await page.goto(f"{site.url}/dispatch")
    assert "/login?next=/dispatch" in page.url


async def test_a_page_of_another_role_is_refused(site: ConsoleSite) -> None:
    page = await site.signed_in("handler1")
    response = await page.goto(f"{site.url}/operator")
    assert response is not None and response.status == 403
    assert "无权访问" in await page.inner_text("main")


async def test_a_post_without_the_csrf_token_is_refused(site: ConsoleSite) -> None:
    page = await site.signed_in("operator1")
    (cookie,) = [c for c in await page.context.cookies() if c["name"] == "pingan_session"]
    jar = {cookie["name"]: cookie["value"]}
    async with httpx.AsyncClient(base_url=site.url, cookies=jar) as http:
        forged = await http.post("/logout", data={})
        assert forged.status_code == 403
        other_site = await http.post(
            "/logout", data={}, headers={"Origin": "http://evil.example", "X-CSRF-Token": "x"}
        )
        assert other_site.status_code == 403
        still_in = await http.get("/operator", follow_redirects=False)
        assert still_in.status_code == 200


async def test_the_login_page_renders_chinese_text(site: ConsoleSite) -> None:
    page = await site.page()
    await page.goto(f"{site.url}/login")
    await screenshot(page, "login")
    assert await page.title() == "登录 · 县域社会治理指挥中心"


async def test_repeated_wrong_passwords_lock_the_name_even_for_the_right_one(
    site: ConsoleSite,
) -> None:
    page = await site.page()
    for _ in range(5):
        await page.goto(f"{site.url}/login")
        await page.fill("input[name=username]", "analyst2")
        await page.fill("input[name=password]", "guess")
        await page.click("button[type=submit]")
    await page.fill("input[name=username]", "analyst2")
    await page.fill("input[name=password]", "pingan-demo")
    await page.click("button[type=submit]")
    assert "登录失败次数过多" in await page.inner_text("[role=alert]")
    assert "/login" in page.url
    other = await site.signed_in("analyst1")  # the same address, another name: not locked
    assert other.url.endswith("/alerts")
