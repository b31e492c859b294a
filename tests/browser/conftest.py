"""The browser tier: the whole platform, the console in front of it, and headless Chromium.

The five services run in this process on the real PostgreSQL and broker (tests/e2e's
``platform``), each served on a loopback port; the development issuer signs in the demo users
with the test keys; the console is served like in the local stack; Playwright drives Debian's
Chromium (``make test`` installs it with scripts/ensure-system-packages.sh). Every test starts
from a fresh browser context, so no session leaks from one test to the next. Screenshots go to
``.run/screenshots/`` (not committed), for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from pingan_common.auth.dev_issuer import create_issuer_app
from pingan_common.devstack.__main__ import demo_user
from pingan_common.refdata import load_county
from pingan_common.testing.servers import serve_here, serve_in_thread
from pingan_common.testing.services import TEST_ISSUER
from pingan_console.app import create_app as create_console
from pingan_console.settings import ConsoleSettings
from tests.e2e.conftest import Platform, platform  # noqa: F401  (the fixture, re-exported)

CHROMIUM = os.environ.get("PINGAN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".run" / "screenshots"
DEMO_PASSWORD = "pingan-demo"
# Test-only users besides the demo staff: the roles the demo county gives county-wide scope,
# here scoped to one township (城关, 331199001), for the two-township no-leak test.
TOWNSHIP_USERS = [
    {"username": f"{role}_cg", "name": f"城关{label}", "role": role,
     "area_code": "331199001", "unit_code": "331199001-ZZ"}
    for role, label in (("operator", "话务员"), ("dispatcher", "派单员"), ("analyst", "研判员"))
]  # fmt: skip
# Where nothing listens (port 9 is discard, not served on this machine): a service that is down.
DOWN_URL = "http://127.0.0.1:9"
# What the machine's closed network needs (ECOSYSTEM.md): no background connections at all.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@dataclass
class ConsoleSite:
    """The console under test: its URL, the platform behind it, and a page factory per user."""

    url: str
    platform: Platform
    browser: Browser
    contexts: list[BrowserContext]
    settings: ConsoleSettings

    @asynccontextmanager
    async def console_without(self, *services: str) -> AsyncIterator[str]:
        """A second console, on the same issuer, whose ``services`` do not answer: its URL."""
        down = {f"{name}_url": DOWN_URL for name in services}
        console = create_console(self.settings.model_copy(update=down))
        async with _lifespan(console), serve_here(console) as url:
            yield url

    async def page(self, *, width: int = 1366, height: int = 768) -> Page:
        context = await self.browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return await context.new_page()

    async def signed_in(
        self, username: str, *, width: int = 1366, height: int = 768, url: str | None = None
    ) -> Page:
        """A new browser (own cookies) signed in as a demo user, on their home page (of the
        console at ``url``, the site's own by default)."""
        page = await self.page(width=width, height=height)
        await page.goto(f"{url or self.url}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", DEMO_PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_load_state("networkidle")
        return page


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(scope="module")
async def site(platform: Platform) -> AsyncIterator[ConsoleSite]:  # noqa: F811
    _require_chromium()
    async with AsyncExitStack() as exits:
        users = [demo_user(staff) for staff in load_county().staff] + TOWNSHIP_USERS
        issuer = create_issuer_app(platform.stack.auth.keys_dir, users, issuer=TEST_ISSUER)
        issuer_url = exits.enter_context(serve_in_thread(issuer))
        urls = dict(platform.urls)
        for name in ("dispatch", "mediation"):
            service = getattr(platform, name)
            urls[name] = await exits.enter_async_context(serve_here(service.app))
        settings = ConsoleSettings(
            **{f"{name}_url": url for name, url in urls.items()},
            token_url=f"{issuer_url}/token",
            auth=platform.stack.auth.settings(),
        )
        console = create_console(settings)
        await exits.enter_async_context(_lifespan(console))
        console_url = await exits.enter_async_context(serve_here(console))
        playwright = await exits.enter_async_context(async_playwright())
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        exits.push_async_callback(browser.close)
        contexts: list[BrowserContext] = []
        yield ConsoleSite(console_url, platform, browser, contexts, settings)
        for context in contexts:
            await context.close()


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make system-packages`")


def _lifespan(app: Any) -> Any:
    return app.router.lifespan_context(app)
