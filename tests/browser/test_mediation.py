"""The mediator (调解员) at 1366×768: a neighbour dispute registered at intake becomes a case
at the village committee; the mediator opens it from the list, accepts it, takes it, schedules
and records a session, records the agreement and downloads its PDF through the console."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pingan_common.county_time import COUNTY_TZ
from pingan_common.refdata import load_county
from pingan_common.testing.services import eventually
from tests.browser.conftest import SCREENSHOTS, ConsoleSite, screenshot

GRID = "33119900100101"  # in 幸福社区, where mediator1's committee is


def dispute_call() -> dict[str, Any]:
    grid = load_county().area(GRID)
    assert grid is not None
    inside = grid.shape.representative_point()
    return {
        "channel": "hotline_12345",
        "description": "楼上邻居家卫生间漏水把我家天花板泡坏了，找他几次都不管，想请社区调解",
        "caller": {"name": "赵女士", "phone": "13900004444"},
        "location": {"lon": inside.x, "lat": inside.y},
    }


async def _case_of_a_dispute_ticket(site: ConsoleSite) -> dict[str, Any]:
    platform = site.platform
    registered = await platform.intake.client.post(
        "/v1/tickets", json=dispute_call(), headers=platform.headers("operator")
    )
    assert registered.status_code == 201, registered.text
    ticket = registered.json()

    async def case() -> dict[str, Any] | None:
        found = await platform.mediation.client.get(
            f"/v1/cases?ticket_id={ticket['id']}", headers=platform.headers("admin")
        )
        items = found.json()["items"]
        return items[0] if items else None

    opened = await eventually(case)
    assert opened["committee_code"] == "331199001001-TWH"
    for party in (
        {"role": "applicant", "name": "赵女士", "phone": "13900004444"},
        {"role": "respondent", "name": "钱先生"},
    ):
        added = await platform.mediation.client.post(
            f"/v1/cases/{opened['id']}/add-party", json=party, headers=platform.headers("mediator")
        )
        assert added.status_code == 200, added.text
    return opened


async def _act(page: Any, action: str, state: str) -> None:
    """Send the action's form and wait until the case file shows the case's next version."""
    version = await page.get_attribute("#case-body", "data-version")
    await page.click(f"details[data-action={action}] button[type=submit]")
    await page.wait_for_selector(f"#case-body:not([data-version='{version}'])")
    assert (await page.inner_text("[data-testid=case-state]")).strip() == state
    assert "已" in await page.inner_text("#case-body .notice.ok")


async def test_a_mediator_runs_a_dispute_case_to_an_agreement_and_downloads_its_pdf(
    site: ConsoleSite,
) -> None:
    case = await _case_of_a_dispute_ticket(site)
    page = await site.signed_in("mediator1")
    assert page.url.endswith("/mediation")
    row = page.locator(f"tr[data-case-id='{case['id']}']")
    await row.wait_for()
    assert "待受理" in await row.inner_text()
    await screenshot(page, "mediation-list")
    await page.click("a:text-is('待受理')")
    assert await page.locator(f"tr[data-case-id='{case['id']}']").count() == 1
    await page.click("a:text-is('已结案')")
    assert await page.locator(f"tr[data-case-id='{case['id']}']").count() == 0
    await page.click("a:text-is('全部')")

    await page.click(f"tr[data-case-id='{case['id']}'] a")
    await page.wait_for_url(f"**/mediation/cases/{case['id']}")
    parties = await page.inner_text("[data-testid=parties]")
    assert "赵女士" in parties and "钱先生" in parties
    assert "邻里纠纷" in await page.inner_text("#case-body h1")
    await screenshot(page, "mediation-case-registered")

    await _act(page, "accept", "已受理，待指派")
    await _act(page, "assign", "调解中")
    assert "陈秀英" in await page.inner_text("[data-testid=case-mediator]")

    starts = datetime.now(COUNTY_TZ) + timedelta(days=1)
    await page.click("details[data-action=schedule-session] summary")
    await page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("input[name=experts]", "社区民警王警官")
    await _act(page, "schedule-session", "调解中")
    sessions = await page.inner_text("[data-testid=sessions]")
    assert "已安排" in sessions and starts.strftime("%Y-%m-%d %H:%M") in sessions

    await page.click("details[data-action=record-session] summary")
    await page.fill("textarea[name=record]", "双方到场陈述意见，钱先生同意承担天花板修复费用")
    await _act(page, "record-session", "调解中")
    assert "有进展" in await page.inner_text("[data-testid=sessions]")

    due = (starts + timedelta(days=10)).date().isoformat()
    await page.click("details[data-action=record-agreement] summary")
    await page.fill("textarea[name=facts]", "楼上卫生间漏水致楼下天花板损坏")
    await page.fill("input[name=term1_description]", "赔偿天花板修复费用")
    await page.fill("input[name=term1_amount]", "3000")
    await page.fill("input[name=term1_due_on]", due)
    await _act(page, "record-agreement", "已达成协议")
    assert "¥3,000.00" in await page.inner_text("[data-testid=terms]")
    timeline = await page.inner_text("[data-testid=timeline]")
    for step in ("受理", "指派调解员", "安排调解", "记录调解（笔录）", "制作调解协议"):
        assert step in timeline
    await screenshot(page, "mediation-case-agreed")

    async with page.expect_download() as waiting:
        await page.click("[data-testid=agreement-pdf]")
    download = await waiting.value
    path = Path(await download.path())
    pdf = await asyncio.to_thread(path.read_bytes)
    assert pdf.startswith(b"%PDF")
    assert download.suggested_filename.endswith("-agreement.pdf")
    await asyncio.to_thread(_render_first_page, pdf)

    response = await page.request.get(f"{site.url}/mediation/cases/{case['id']}/agreement.pdf")
    assert response.headers["content-disposition"].startswith("attachment;")


def _render_first_page(pdf: bytes) -> None:
    """The PDF's first page as a PNG beside the screenshots, for a person to look at."""
    assert shutil.which("pdftoppm"), "pdftoppm is missing: run `make system-packages`"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    source = SCREENSHOTS / "mediation-agreement.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(SCREENSHOTS / "mediation-agreement"),
        ],
        check=True,
    )
    assert (SCREENSHOTS / "mediation-agreement.png").stat().st_size > 10_000


async def test_a_leader_views_the_case_with_the_parties_masked_as_the_service_masks_them(
    site: ConsoleSite,
) -> None:
    case = await _case_of_a_dispute_ticket(site)
    page = await site.signed_in("leader1")
    await page.goto(f"{site.url}/mediation")
    await page.locator(f"tr[data-case-id='{case['id']}']").wait_for()
    await page.goto(f"{site.url}/mediation/cases/{case['id']}")
    parties = await page.inner_text("[data-testid=parties]")
    assert "139****4444" in parties
    assert "13900004444" not in await page.content()
    assert "信息已脱敏" in await page.inner_text("#case-body")
    await screenshot(page, "mediation-case-leader")
    pdf = await page.request.get(f"{site.url}/mediation/cases/{case['id']}/agreement.pdf")
    assert pdf.status in (403, 404)
