"""The agreement (调解协议书) as a PDF: its text read back names the parties, the terms and
the 30-day 司法确认 window; page 1 is rendered to PNG (``.run/screenshots/``) for a person."""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path

from pypdf import PdfReader

SCREENSHOTS = Path(__file__).resolve().parents[4] / ".run" / "screenshots"


async def _agreed_case(cases):  # type: ignore[no-untyped-def]
    case = await cases.mediating()
    await cases.session(case, "progress")
    return await cases.ok(case, "record-agreement", cases.AGREEMENT)


async def test_the_agreement_pdf_names_the_parties_the_terms_and_the_confirmation_window(cases):
    case = await _agreed_case(cases)

    response = await cases.mediation.client.get(
        f"/v1/cases/{case['id']}/agreement.pdf", headers=cases.headers(cases.MEDIATOR1)
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    # pypdf 7 reads fpdf2's two-byte glyph codes with a NUL before each character (pdftotext
    # reads the same file clean): drop them, and the spaces of the justified lines.
    text = "".join(page.extract_text() for page in reader.pages)
    text = text.replace("\x00", "").replace(" ", "").replace("\n", "")
    assert "人民调解协议书" in text
    assert case["case_number"] in text
    for name in ("王建华", "李明"):
        assert name in text
    assert "331199198001011234" in text  # the applicant's ID number, in full for the parties
    assert "一、李明赔偿墙体修复费用，人民币5,000.00元，于2026年12月20日前履行完毕。" in text
    assert "二、李明赔礼道歉" in text
    assert "2027年1月4日前）共同向人民法院申请司法确认" in text
    assert "幸福社区人民调解委员会（印章）" in text
    assert "人民调解员（签名）" in text

    # make test installs it (scripts/ensure-system-packages.sh); missing, the check must fail
    assert shutil.which("pdftoppm"), "pdftoppm missing: run scripts/ensure-system-packages.sh"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf_path = SCREENSHOTS / "agreement.pdf"
    pdf_path.write_bytes(response.content)
    render = await asyncio.create_subprocess_exec(
        *("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"),
        *(str(pdf_path), str(SCREENSHOTS / "agreement-page1")),
    )
    assert await render.wait() == 0
    assert (SCREENSHOTS / "agreement-page1.png").stat().st_size > 10_000


async def test_the_agreement_pdf_is_for_the_cases_mediator_and_needs_an_agreement(cases):
    agreed = await _agreed_case(cases)
    mediating = await cases.mediating()

    operator = await cases.mediation.client.get(
        f"/v1/cases/{agreed['id']}/agreement.pdf", headers=cases.headers(cases.COUNTY, "operator")
    )
    township = await cases.mediation.client.get(
        f"/v1/cases/{agreed['id']}/agreement.pdf", headers=cases.headers(cases.MEDIATOR2)
    )
    none_yet = await cases.mediation.client.get(
        f"/v1/cases/{mediating['id']}/agreement.pdf", headers=cases.headers(cases.MEDIATOR1)
    )

    assert operator.status_code == 403
    assert township.status_code == 403
    assert none_yet.status_code == 404
